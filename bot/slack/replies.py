"""The words of the short replies (`/metrics`, buttons, forms): templates/slack_reply.json.j2 holds every
sentence; these render one by its name, with the values filled in.

`confirmation` and `failure` are messages (their sentence escaped for mrkdwn once, values included);
`sentence` is the bare text for an error raised with it, a form field's error or a title, which is
escaped where it is finally shown.
"""
from __future__ import annotations

from typing import Any

from bot.blocks import Message, render
from bot.rituals import windows

TEMPLATE = "slack_reply"


def confirmation(part: str, /, **values: Any) -> Message:
    """The ✅ line (as `present.confirm`) saying what was done: `confirmation("closed", id=7)`."""
    return render(TEMPLATE, part=part, kind="confirm", v=values)


def failure(part: str, /, **values: Any) -> Message:
    """The ⚠ line (as `present.error_message`) saying what could not be done."""
    return render(TEMPLATE, part=part, kind="failure", v=values)


def sentence(part: str, /, **values: Any) -> str:
    """The bare sentence, unescaped: `UsageError(sentence("button_no_metric"))`."""
    return render(TEMPLATE, part=part, kind="sentence", v=values).text


def carried(action: Any) -> Message:
    """The answer to a carry, from the slash command or the Carry button: "Action #7 carried over, now due …"."""
    return confirmation("carried", id=action.id, due=windows.day(action.due_on))
