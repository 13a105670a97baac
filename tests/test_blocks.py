"""Templates render escaped, valid Block Kit; limits are enforced; long messages split."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.golden import assert_golden
from bot.blocks import (
    BlockLimitError, Message, bold, clip, cut, escape_mrkdwn, fit, fit_text, link, mention, render, split, validate,
)



@pytest.mark.parametrize(("raw", "escaped"), [
    ("<!channel>", "&lt;!channel&gt;"),
    ("A & B", "A &amp; B"),
    ("<@U123|bob>", "&lt;@U123|bob&gt;"),
    ("&amp;", "&amp;amp;"),
    ('"quoted"', '"quoted"'),
])
def test_escape_mrkdwn(raw, escaped):
    assert escape_mrkdwn(raw) == escaped


def test_user_text_cannot_ping_or_break_json():
    message = render(
        "sync_report", total=3, source='evil", "x": "<!channel>', first_day=date(2026, 1, 1),
        last_day=date(2026, 1, 2), inserted=3, updated=0, rejected=0, channels=[("<!here>", 3)],
        open_now=1, high_value=["A&B"],
    )
    json.dumps(message.payload())  # still one valid JSON document
    mrkdwn = [message.text]
    for block in message.blocks:
        for part in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]:
            if part.get("type") == "mrkdwn":
                mrkdwn.append(part["text"])
            else:
                assert part.get("type") in (None, "plain_text")  # plain_text never parses mentions
    joined = "\n".join(mrkdwn)
    assert "<!channel>" not in joined and "<!here>" not in joined
    assert "&lt;!here&gt;" in joined and "A&amp;B" in joined


def test_missing_variable_fails_loudly():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render("sync_report", total=1)


@pytest.mark.parametrize(("user", "shown"), [("U0123ABC", "<@U0123ABC>"), ("lead@example.com", "lead@example.com"),
                                             ("<!channel>", "&lt;!channel&gt;"), (None, "nobody")])
def test_mention_only_for_user_ids(user, shown):
    assert mention(user) == shown


def test_link_refuses_non_http_and_escapes_label():
    assert link("javascript:alert(1)", "x<y") == "x&lt;y"
    assert link("https://acme.zendesk.com/agent/tickets/1", "#1 | A&B") == "<https://acme.zendesk.com/agent/tickets/1|#1 ¦ A&amp;B>"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize(("message", "problem"), [
    (Message("t", [section("x")] * 51), "51 blocks"),
    (Message("t", [section("x" * 3001)]), "section text is 3001"),
    (Message("t", [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]), "header is 151"),
    (Message("", [section("x")]), "fallback text"),
])
def test_limits_are_enforced(message, problem):
    with pytest.raises(BlockLimitError, match=problem):
        validate(message)


def test_split_keeps_every_block_in_order_under_limits():
    blocks = [section(f"row {i} " + "x" * 900) for i in range(80)]
    parts = split(Message("Weekly review", blocks))
    assert len(parts) > 1
    assert [b for p in parts for b in p.blocks] == blocks
    assert all(len(p.blocks) <= 50 for p in parts)
    assert parts[0].text == "Weekly review" and "continued 2/" in parts[1].text


def test_sync_report_golden():
    message = render(
        "sync_report", total=34015, source="zendesk", first_day=date(2026, 1, 5), last_day=date(2026, 3, 1),
        inserted=32915, updated=1090, rejected=10, channels=[("email", 15204), ("chat", 18811)], open_now=1042,
        high_value=["Globex"],
    )
    assert_golden("sync_report", message)
    # counts read as everywhere else ("24,196"): the templates' `number` filter
    assert "*34,015* tickets" in message.blocks[1]["text"]["text"] and message.text.startswith("Signalroom loaded 34,015")


# --- data never pushes a message past Slack's limits -------------------------------------------------

def _well_formed(text: str) -> bool:
    """Every escape whole and every <…> token closed: what a careless cut would break."""
    import re

    without_entities = re.sub(r"&(amp|lt|gt);", "", text)
    if "&" in without_entities:
        return False
    depth = 0
    for ch in text:
        depth += ch == "<"
        depth -= ch == ">"
        if depth not in (0, 1):
            return False
    return depth == 0


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"),
    ("abcdefghij", 5, "abcd…"),
    ("ab &lt;cd", 6, "ab…"),  # never half an escape
    ("R&D " + "x" * 20, 10, "R&D xxxxx…"),  # a bare & (plain text) is no escape
    ("see <https://x.example/1|#1> now", 12, "see…"),  # never half a link
    ("<!date^1^{date_short}|2026-11-20> late", 20, "…"),
])
def test_cut_never_breaks_an_escape_or_a_link(text, limit, expected):
    assert cut(text, limit) == expected


def test_clip_measures_after_escaping_and_composes_with_bold_and_link():
    assert clip("<" * 10, 12) == "&lt;&lt;…"  # 10 characters of input, 40 once escaped
    assert bold(clip("A*B & C" * 50, 20)).startswith("*A∗B &amp; C") and bold(clip("x" * 50, 20)).endswith("…*")
    assert link("https://acme.example/t/1", clip("<b>" * 40, 15)) == "<https://acme.example/t/1|&lt;b&gt;&lt;b…>"


def test_fit_text_cuts_the_longest_lines_first_and_keeps_every_line():
    lines = ["*Acme*: 4 tickets"] + [f"• <https://acme.example/t/{i}|#{i}> " + "&lt;" * 400 for i in range(4)]
    fitted = fit_text("\n".join(lines), 3000)
    assert len(fitted) <= 3000 and _well_formed(fitted)
    kept = fitted.split("\n")
    assert kept[0] == "*Acme*: 4 tickets" and len(kept) == 5
    assert all(line.endswith("…") and f"|#{i}>" in line for i, line in enumerate(kept[1:]))


def test_fit_text_leaves_out_whole_lines_when_there_are_too_many_and_says_so():
    fitted = fit_text("\n".join(f"line {i} " + "x" * 200 for i in range(100)), 3000)
    assert len(fitted) <= 3000
    assert fitted.startswith("line 0 ") and "more lines not shown" in fitted.splitlines()[-1]


def test_render_fits_oversized_data_into_every_limit():
    message = render(
        "sync_report", total=3, source="<" * 400, first_day=date(2026, 1, 1), last_day=date(2026, 1, 2),
        inserted=3, updated=0, rejected=0, channels=[("&" * 700, 3)] * 8, open_now=1, high_value=["<b>" * 900],
    )
    validate(message)  # would raise on any broken limit
    for block in message.blocks:
        for part in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]:
            if part.get("type") == "mrkdwn":
                assert _well_formed(part["text"]), part


def test_fit_keeps_a_message_within_the_block_count_and_says_how_many_were_left_out():
    many = Message("t", [section(f"row {i}") for i in range(70)])
    fitted = fit(many)
    validate(fitted)
    assert len(fitted.blocks) == 50 and fitted.blocks[48] == section("row 48")
    assert "21 more sections not shown" in fitted.blocks[-1]["elements"][0]["text"]
    assert fit(Message("t", [section("x")] * 50)).blocks == [section("x")] * 50  # at the limit: untouched


@pytest.mark.parametrize("kind", ["header", "button", "field", "fallback"])
def test_fit_shortens_headers_buttons_fields_and_fallback_text(kind):
    blocks = {
        "header": [{"type": "header", "text": {"type": "plain_text", "text": "H" * 400}}],
        "button": [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "B" * 90},
                                                    "value": "7"}]}],
        "field": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "&lt;" * 900}]}],
        "fallback": [section("x")],
    }[kind]
    fitted = fit(Message("T" * (50_000 if kind == "fallback" else 1), blocks))
    validate(fitted)
    text = json.dumps(fitted.payload(), ensure_ascii=False)
    assert "…" in text
    if kind == "button":
        assert len(fitted.blocks[0]["elements"][0]["text"]["text"]) <= 75
        assert fitted.blocks[0]["elements"][0]["value"] == "7"  # values carry ids: never cut


def test_fit_leaves_the_callers_blocks_alone():
    blocks = [section("x" * 5000)]
    fit(Message("t", blocks))
    assert len(blocks[0]["text"]["text"]) == 5000
