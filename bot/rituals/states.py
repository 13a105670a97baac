"""The line a change leaves under an action: "Done by <@U…> · Fri 27 Nov" (template slack_action_state).

The weekly review shows it under each action changed since the last one; the Slack app writes it where a
click changed the action (`bot.slack.outcomes`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import Message, render
from bot.rituals import action_ids, windows

if TYPE_CHECKING:
    from bot.actions.clicks import Change


def state_message(change: Change, *, tz: Any) -> Message:
    """The line a change leaves: "Done by <@U…> · Fri 27 Nov" (slack_action_state)."""
    action = change.action
    on = change.at.astimezone(tz).date() if change.at.tzinfo else change.at.date()
    s = {"action_id": action.id, "kind": change.kind, "actor": change.actor, "on": windows.day(on),
         "due": windows.day(action.due_on) if action.due_on else "",
         "until": windows.day(action.snoozed_until) if action.snoozed_until else ""}
    return render("slack_action_state", s=s, ids=action_ids, part="block")
