"""The short replies (bot/slack/replies.py, templates/slack_reply.json.j2): user text is escaped for mrkdwn
exactly once, and a bare sentence (raised as an error, shown in a form) is left for its reader to escape."""
from __future__ import annotations

import pytest

from bot.blocks import escape_mrkdwn
from bot.slack.present import confirm, error_message
from bot.slack.replies import confirmation, failure, sentence

EVIL = '<!channel> & <@U0EVIL> %(id)s {x} "q" \\ \n `code`'


@pytest.mark.parametrize("part, values, said", [
    ("logged", {"id": 7, "metric": EVIL}, f"Logged action #7 for {EVIL}."),
    ("logged_not_shown", {"id": 7, "error": "not_in_channel"}, "Logged action #7. (Not shown in the channel: not_in_channel)"),
    ("done", {"id": 7, "outcome": EVIL}, f"Action #7 is done: {EVIL}"),
    ("carried", {"id": 7, "due": "Fri 27 Nov"}, "Action #7 carried over, now due Fri 27 Nov."),
    ("snoozed", {"id": 7, "until": "Fri 27 Nov"}, "Action #7 snoozed until Fri 27 Nov."),
    ("marked", {"day": "Wed 18 Nov", "kind": "release", "label": EVIL}, f"Marked Wed 18 Nov as release: {EVIL}"),
    ("chart_in_dm", {"metric": "CSAT"}, "I'm not in this channel, so the CSAT chart is in our DM."),
])
def test_a_confirmation_is_the_confirm_line_with_its_values_escaped_once(part, values, said):
    message = confirmation(part, **values)
    assert message == confirm(said)
    assert escape_mrkdwn(EVIL) in message.text or EVIL not in said
    assert "<!channel>" not in message.text and "&amp;amp;" not in message.text


def test_a_failure_is_the_error_line():
    assert failure("no_chart_days", metric="A & B") == error_message("No stored days of A & B to chart yet.")


def test_a_bare_sentence_is_not_escaped_here():
    """It goes into a UsageError (the error reply escapes it) or a form field's error (plain text)."""
    assert sentence("add_missing", usage="/metrics action add <metric>") == \
        "some details are missing. Use: `/metrics action add <metric>`"
    assert sentence("button_no_number", what="alert") == "this button carries no alert number"
    assert [sentence(f"list_{s}") for s in ("mine", "open", "all")] == ["Your open actions", "Open actions",
                                                                        "All actions"]


@pytest.mark.parametrize("template", ["slack_reply", "slack_usage"])
def test_every_sentence_renders_with_the_values_it_names(template):
    """Each part's %(name)s placeholders are filled (a misspelt part or value name fails here, not in Slack)."""
    import re
    from pathlib import Path

    from bot.blocks import render

    source = (Path(__file__).resolve().parents[2] / "templates" / f"{template}.json.j2").read_text()
    parts = dict(re.findall(r"^  '([a-z_]+)': [\"'](.*)[\"'],$", source, re.M))
    assert len(parts) > 10
    for part, text in parts.items():
        values = {name: f"<{name}>" for name in re.findall(r"%\((\w+)\)s", text)}
        for kind in ("sentence", "confirm"):
            rendered = render(template, part=part, kind=kind, v=values).text
            assert "%(" not in rendered and all(v in rendered or escape_mrkdwn(v) in rendered for v in values.values())
