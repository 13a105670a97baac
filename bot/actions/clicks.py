"""What a button click does to the action log: Carry, Snooze, Close, Done (checked before its form
opens) and an alert's Acknowledge. Each is one call that is safe to repeat: a double click (or
Slack's retry) finds the change already made and reports it as such (`Change.repeated`), so the
message shows the same state and nothing is written twice.

Functions take the caller's session and never commit (the caller owns the transaction).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import service
from bot.actions.statuses import ACKNOWLEDGED, CARRIED, CLOSED, DONE, OPEN, OPEN_STATUSES, SNOOZED, STATE_KINDS
from bot.actions.workdays import MON_FRI, WorkingDays
from bot.errors import UsageError
from bot.storage.base import utcnow
from bot.storage.models import Action, ActionEvent, TriggerRow

Verb = Literal["carry", "close", "snooze"]
CARRY_DAYS = 7  # "Carry to next week"
ACK_FOLLOW_UP_DAYS = 3  # an acknowledged alert without a playbook: follow up in three working days or so


@dataclass(frozen=True, slots=True)
class Change:
    """The action after a click; `actor`/`at` made its current state (an earlier click on a repeat)."""

    action: Action
    kind: str  # done | carried | snoozed | closed | acknowledged
    actor: str
    at: datetime
    repeated: bool = False  # the click asked for what was already done: nothing written


def last_change(session: Session, action: Action, kinds: tuple[str, ...] = STATE_KINDS) -> ActionEvent | None:
    """The latest history event of one of `kinds` (who carried, closed… it, and when)."""
    return session.scalar(
        select(ActionEvent).where(ActionEvent.workspace_id == action.workspace_id,
                                  ActionEvent.action_id == action.id, ActionEvent.kind.in_(kinds))
        .order_by(ActionEvent.id.desc()).limit(1))


def _who(session: Session, action: Action, kind: str) -> tuple[str, datetime]:
    event = last_change(session, action, (kind,))
    if event is None:  # a state set before events were kept: show it as the owner's
        return action.owner, action.updated_at
    return event.actor, event.at


def _repeat(session: Session, action: Action, kind: str) -> Change:
    return Change(action, kind, *_who(session, action, kind), repeated=True)


def click(session: Session, *, workspace_id: str, action_id: int, verb: Verb, actor: str, is_admin: bool,
          today: date, snooze_days: int = 7, working: WorkingDays = MON_FRI) -> Change:
    """Carry (to next week, on one of the team's `working` days), snooze (`snooze_days`) or close one action;
    a repeat changes nothing."""
    action = service.get_action(session, workspace_id=workspace_id, action_id=action_id)
    service.ensure_may_change(action, actor=actor, is_admin=is_admin, verb=verb)
    common = {"workspace_id": workspace_id, "action_id": action_id, "actor": actor, "is_admin": is_admin}
    # What the click asks for: the state it leaves (status, and the field that says until when) and how.
    if verb == "carry":
        due = service.next_working_day(today + timedelta(days=CARRY_DAYS), working)
        kind, asked, make = CARRIED, ("due_on", due), lambda: service.carry_action(session, due_on=due, **common)
    elif verb == "snooze":
        until = today + timedelta(days=snooze_days)
        kind, asked, make = SNOOZED, ("snoozed_until", until), lambda: service.snooze_action(session, until=until,
                                                                                              **common)
    elif verb == "close":
        kind, asked, make = CLOSED, ("status", CLOSED), lambda: service.close_action(session, **common)
    else:
        raise UsageError(f"this button does something unknown ({verb!r})")
    if action.status == kind and getattr(action, asked[0]) == asked[1]:
        return _repeat(session, action, kind)
    action = make()
    return Change(action, kind, actor, utcnow())


def may_complete(session: Session, *, workspace_id: str, action_id: int, actor: str, is_admin: bool) -> Change | None:
    """Before Done's form opens: None when it may be completed, the earlier Change when it is done already
    (a second click shows that instead of a second form). Raises for someone who may not, or a closed action."""
    action = service.get_action(session, workspace_id=workspace_id, action_id=action_id)
    service.ensure_may_change(action, actor=actor, is_admin=is_admin, verb="complete")
    if action.status == DONE:
        return _repeat(session, action, DONE)
    if action.status not in OPEN_STATUSES:
        raise UsageError(f"action #{action.id} is already {action.status}; it cannot be marked done")
    return None


def current_change(session: Session, action: Action) -> Change | None:
    """How an action reads now ("Carried by … · Fri 27 Nov"); None while it is simply open."""
    return _current(action, last_change(session, action))


def current_changes(session: Session, *, workspace_id: str, actions: Sequence[Action]) -> dict[int, Change | None]:
    """`current_change` of each action (by id): one query per 500 actions, not one per action."""
    latest: dict[int, ActionEvent] = {}
    for chunk in (actions[i:i + 500] for i in range(0, len(actions), 500)):
        for event in session.scalars(select(ActionEvent).where(
                ActionEvent.workspace_id == workspace_id, ActionEvent.action_id.in_([a.id for a in chunk]),
                ActionEvent.kind.in_(STATE_KINDS)).order_by(ActionEvent.id)):
            latest[event.action_id] = event
    return {a.id: _current(a, latest.get(a.id)) for a in actions}


def _current(action: Action, event: ActionEvent | None) -> Change | None:
    if event is None or action.status == OPEN and event.kind != ACKNOWLEDGED:
        return None
    return Change(action, event.kind, event.actor, event.at)


@dataclass(frozen=True, slots=True)
class Acknowledged:
    trigger: TriggerRow
    change: Change


def acknowledge(session: Session, *, workspace_id: str, trigger_id: int, actor: str, is_admin: bool, today: date,
                describe: Callable[[TriggerRow], str], working: WorkingDays = MON_FRI) -> Acknowledged:
    """The clicker takes ownership of an alert: its action becomes theirs (an action is opened, described by
    `describe(trigger)`, when the trigger has none). Someone else's acknowledgement stands unless an admin takes
    it over; acknowledging twice changes nothing."""
    trigger = session.scalar(select(TriggerRow).where(TriggerRow.workspace_id == workspace_id,
                                                      TriggerRow.id == trigger_id))
    if trigger is None:
        raise UsageError("this alert is no longer in the log")
    action = session.scalar(select(Action).where(Action.workspace_id == workspace_id, Action.trigger_id == trigger_id)
                            .order_by(Action.id.desc()).limit(1))
    if action is None:
        action = service.open_action(
            session, workspace_id=workspace_id, metric=trigger.metric, description=describe(trigger), owner=actor,
            created_by=actor, due_on=service.next_working_day(today + timedelta(days=ACK_FOLLOW_UP_DAYS), working),
            dimension=trigger.dimension, segment=trigger.segment, trigger_id=trigger.id,
            channel=trigger.alert_channel)
    else:
        earlier = last_change(session, action, (ACKNOWLEDGED,))
        if earlier is not None and action.owner == earlier.actor:
            if earlier.actor == actor:
                return Acknowledged(trigger, Change(action, ACKNOWLEDGED, actor, earlier.at, repeated=True))
            if not is_admin:
                raise service.PermissionDeniedError(
                    f"someone else acknowledged this alert and owns action #{action.id}; ask them or an admin "
                    "to hand it over")
        if action.status not in OPEN_STATUSES:
            raise UsageError(f"action #{action.id} for this alert is already {action.status}")
    action = service.update_action(session, workspace_id=workspace_id, action_id=action.id, actor=actor,
                                   kind=ACKNOWLEDGED, owner=actor)
    return Acknowledged(trigger, Change(action, ACKNOWLEDGED, actor, utcnow()))

