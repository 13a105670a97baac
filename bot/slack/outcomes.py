"""What a click leaves behind: the clicked message shows who did what ("Done by @ana · Fri 27 Nov") with
its buttons removed or changed, the action's card is redrawn, and a completed action is told in the
current weekly review's thread with the one verdict (`bot.rituals.verdict`).

The clicked row is found in the message Slack sends with the click (by its block id, else by the
button), replaced by the state line and whatever buttons still make sense, and written back with
`chat.update` on the clicked `ts`. Done asks for the outcome in a form first: the click's place rides in
the form's `private_metadata`, and the message is read back (`conversations.history`/`replies`) when
the form is submitted. A repeated click writes the same state again, never a second review post (that
one goes through the post ledger, like every ritual message).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.actions.clicks import Change, current_change
from bot.actions import statuses
from bot.actions.statuses import ACKNOWLEDGED, CARRIED, CLOSED, DONE, SNOOZED
from bot.blocks import Message, Safe, render
from bot.rituals import ledger, store, windows
from bot.rituals.publish import STANDS
from bot.rituals.states import state_message
from bot.rituals.verdict import ActionVerdict, action_verdicts
from bot.slack import action_ids as ids
from bot.slack.notifier import DeliveryError
from bot.slack.present import IDS, action_row, metric_label
from bot.storage.models import Action
from bot.storage.reference import display_name

log = logging.getLogger(__name__)

REVIEW_RITUAL = "weekly_review"  # the ledger's name for the weekly review's parent message
SNOOZES = (ids.ACTION_SNOOZE, ids.ACTION_SNOOZE_DAY)
# The buttons a clicked row keeps after each change (the others go: nothing left to do, or done already).
KEEP: dict[str, tuple[str, ...]] = {
    DONE: (),
    CLOSED: (),
    CARRIED: (ids.ACTION_DONE, ids.ACTION_CLOSE, *SNOOZES),
    SNOOZED: (ids.ACTION_DONE, ids.ACTION_CLOSE, ids.ACTION_CARRY),
    ACKNOWLEDGED: (ids.RITUAL_LOG_ACTION, ids.ALERT_MUTE, ids.ACTION_DONE),
}


@dataclass(frozen=True)
class Clicked:
    """Where a button was clicked: the message (channel, ts, thread) and the row (block id, button)."""

    action_id: str
    value: str
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    block_id: str | None = None
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Clicked:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        on_message = container.get("type") == "message" or bool(message)
        return cls(
            action_id=str(action.get("action_id") or ""), value=str(action.get("value") or ""),
            channel=((body.get("channel") or {}).get("id") or container.get("channel_id")) if on_message else None,
            ts=(message.get("ts") or container.get("message_ts")) if on_message else None,
            thread_ts=message.get("thread_ts") or container.get("thread_ts"),
            block_id=action.get("block_id"), text=str(message.get("text") or ""),
            blocks=list(message.get("blocks") or []),
        )

    @property
    def on_message(self) -> bool:
        return bool(self.channel and self.ts)

    def reference(self) -> dict[str, Any]:
        """The place, without the blocks: what fits into a form's private_metadata (read back on submit)."""
        return {"c": self.channel, "ts": self.ts, "th": self.thread_ts, "b": self.block_id, "a": self.action_id,
                "v": self.value}

    @classmethod
    def from_reference(cls, ref: dict[str, Any]) -> Clicked:
        return cls(action_id=str(ref.get("a") or ""), value=str(ref.get("v") or ""), channel=ref.get("c"),
                   ts=ref.get("ts"), thread_ts=ref.get("th"), block_id=ref.get("b"))


def form_metadata(action_id: int, clicked: Clicked) -> str:
    """The Done form's private_metadata: the action id alone, or with the clicked message's place (JSON)."""
    if not clicked.on_message:
        return str(action_id)
    return json.dumps({"action": action_id, "clicked": clicked.reference()}, separators=(",", ":"))


def parse_form_metadata(raw: str) -> tuple[int, Clicked | None]:
    """(action id, clicked place or None) from `form_metadata`'s text. ValueError when it is neither form."""
    if not raw.startswith("{"):
        return int(raw), None
    data = json.loads(raw)
    return int(data["action"]), Clicked.from_reference(data.get("clicked") or {})


# --- rendering ------------------------------------------------------------------------------------

def ack_description(title: str) -> str:
    """The action an acknowledged alert without a playbook opens for its new owner."""
    return render("slack_action_state", s={"title": title}, ids=IDS, part="ack_description").text


def alert_title(session: Session, trigger: Any) -> str:
    """"First response time — Billing": the metric and the segment as its source names it."""
    title = metric_label(trigger.metric)
    if trigger.dimension:
        title += " — " + display_name(session, workspace_id=trigger.workspace_id, dimension=trigger.dimension,
                                      value=trigger.segment)
    return title


def render_card(row: dict[str, Any], *, state: dict[str, Any] | None = None) -> Message:
    """An action's card (slack_action_card) from `present.action_row`, with its state line, if any."""
    return render("slack_action_card", a=row, ids=IDS, statuses=statuses, state=state)


def card(session: Session, *, settings: Any, action: Action, today: date) -> Message:
    """The card as the action stands now: verdict when done, who made its last change, buttons while open."""
    verdict = verdicts(session, settings=settings, workspace_id=action.workspace_id, actions=[action],
                       today=today)[action.id]
    change = current_change(session, action)
    state = state_message(change, tz=settings.timezone).blocks[0] if change is not None else None
    return render_card(action_row(action, verdict=verdict, currency=settings.file.metrics.currency), state=state)


def verdicts(session: Session, *, settings: Any, workspace_id: str, actions: Sequence[Action], today: date,
             triggers: Mapping[int, Any] | None = None) -> dict[int, ActionVerdict | None]:
    """The one verdict on each done action, by id (None for the others), as the weekly review judges them
    (`bot.rituals.verdict.action_verdicts`): their readings in one read, their triggers (unless given) in
    one more, whatever the number of actions."""
    if triggers is None:
        wanted = {a.trigger_id for a in actions if a.trigger_id and a.status == DONE}
        triggers = {t.id: t for t in store.triggers_by_ids(session, workspace_id=workspace_id, ids=wanted)}
    return action_verdicts(session, settings=settings, workspace_id=workspace_id, actions=actions,
                           triggers=triggers, today=today)


def replace_row(blocks: list[dict[str, Any]], clicked: Clicked, state_block: dict[str, Any],
                keep: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """Pure: `blocks` with the clicked button row replaced by `state_block` and the buttons in `keep` (the row
    goes when none is left); an earlier state line of the same item goes. None when the row is not there."""
    def is_row(block: dict[str, Any]) -> bool:
        if block.get("type") != "actions":
            return False
        if clicked.block_id and block.get("block_id") == clicked.block_id:
            return True
        return any(e.get("action_id") == clicked.action_id and str(e.get("value", "")) == clicked.value
                   for e in block.get("elements") or [])

    index = next((i for i, b in enumerate(blocks) if is_row(b)), None)
    if index is None:
        return None
    row = blocks[index]
    kept = [e for e in row.get("elements") or [] if e.get("action_id") in keep]
    state_id = state_block.get("block_id")
    out: list[dict[str, Any]] = []
    for i, block in enumerate(blocks):
        if i == index:
            out.append(state_block)
            if kept:
                out.append({**row, "elements": kept})
        elif not (state_id and block.get("block_id") == state_id):
            out.append(block)
    return out


# --- delivery -------------------------------------------------------------------------------------

def show_on_clicked(r: Any, clicked: Clicked, change: Change) -> bool:
    """Write the change onto the clicked message (chat.update on its ts). False when there is none to edit
    (App Home) or it could not be edited; the action's own card is redrawn by `refresh_card` instead."""
    if not clicked.on_message:
        return False
    action = change.action
    if action.channel == clicked.channel and action.message_ts == clicked.ts:
        return True  # the card itself: refresh_card draws it from the database
    notifier = r.services.notifier(r.client)
    blocks, text = clicked.blocks, clicked.text
    try:
        if not blocks:  # a form was in between: read the message back
            found = notifier.message_at(clicked.channel, clicked.ts, thread_ts=clicked.thread_ts)
            if found is None:
                log.info("clicked message no longer there: not updated")
                return False
            blocks, text = list(found.get("blocks") or []), str(found.get("text") or "")
        state = state_message(change, tz=r.settings.timezone)
        updated = replace_row(blocks, clicked, state.blocks[0], KEEP.get(change.kind, ()))
        if updated is None:
            log.info("clicked row not found in its message: not updated")
            return False
        notifier.update(clicked.channel, clicked.ts, Message(text=text or state.text, blocks=updated))
    except DeliveryError as exc:
        log.info("clicked message not updated: %s", exc.code)
        return False
    return True


def publisher(r: Any) -> Any:
    """A ledger publisher over the request's Slack client: posts that happen once, whatever is retried."""
    from bot.rituals.publish import Publisher
    from bot.slack.delivery import SlackDelivery

    delivery = SlackDelivery(client=r.client, notifier=r.services.notifier(r.client))
    return Publisher(r.services.session_factory, r.workspace_id, delivery, clock=r.services.now)


def post_to_review(r: Any, action_id: int) -> bool:
    """Tell a completed action, with its verdict, in the current weekly review's thread (once: ledger)."""
    from bot.actions.service import get_action

    services = r.services
    sessions = services.session_factory
    review = ledger.latest_posted(sessions, workspace_id=r.workspace_id, ritual=REVIEW_RITUAL)
    if review is None:
        log.info("no weekly review posted yet: outcome of action #%s not posted", action_id)
        return False
    with r.db.transaction() as session:
        action = get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        if action.status != DONE:
            return False
        change = current_change(session, action)
        verdict = verdicts(session, settings=r.settings, workspace_id=r.workspace_id, actions=[action],
                           today=r.today())[action.id]
        label = alert_title(session, action)
        tz = r.settings.timezone
        done_at = change.at if change is not None else action.closed_at
        o = {"action_id": action.id, "description": action.description, "metric_label": label,
             "actor": change.actor if change is not None else action.owner,
             "on": windows.day(done_at.astimezone(tz).date()) if done_at else "",
             "outcome": action.outcome, "verdict": verdict.label if verdict else None,
             "verdict_words": verdict.words if verdict else None,
             "explanation": Safe(verdict.explanation) if verdict else None}
    message = render("ritual_review_outcome", o=o)
    key = ledger.Key("review_outcome", review.channel, ledger.period_key_for(review.period, "a", action.id))
    result = publisher(r).message(key, message, thread_ts=review.ts)
    return result.outcome in STANDS
