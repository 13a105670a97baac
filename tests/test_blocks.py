"""Templates render escaped, valid Block Kit; limits are enforced; long messages split."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.golden import assert_golden
from bot.blocks import BlockLimitError, Message, escape_mrkdwn, link, mention, render, split, validate



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
        "sync_report", total=1200, source="zendesk", first_day=date(2026, 1, 5), last_day=date(2026, 3, 1),
        inserted=1100, updated=90, rejected=10, channels=[("email", 700), ("chat", 500)], open_now=42,
        high_value=["Globex"],
    )
    assert_golden("sync_report", message)
