"""Action log operations. Every change appends an `ActionEvent`; nothing is ever overwritten silently.

Functions take the caller's session and never commit (the caller owns the transaction).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions.statuses import (
    CARRIED, CLOSED, CREATED, DONE, NOTE, OPEN, OPEN_STATUSES, SNOOZED, STATUSES, UPDATED,
)
from bot.actions.workdays import MON_FRI, WorkingDays
from bot.errors import UsageError
from bot.storage.base import utcnow
from bot.storage.models import Action, ActionEvent

# The owner's own word on an outcome, kept in the log; the verdict every message shows comes from
# bot.rituals.verdict (one engine), never from a one-day before/after comparison.
OUTCOME_CLASSES = ("improved", "no_change", "worse")
MAX_DESCRIPTION = 2000


class ActionNotFoundError(UsageError):
    pass


def _record(session: Session, action: Action, *, kind: str, actor: str, changes: dict[str, Any]) -> None:
    session.add(
        ActionEvent(
            workspace_id=action.workspace_id,
            action_id=action.id,
            kind=kind,
            actor=actor,
            changes={k: _jsonable(v) for k, v in changes.items()},
            at=utcnow(),
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def next_working_day(day: date, working: WorkingDays = MON_FRI) -> date:
    """`day`, or the first working day after it (`bot.actions.workdays`: the team's business-hours days,
    else Monday to Friday, minus holidays): a due date someone can meet at work."""
    return working.on_or_after(day)


def open_action(
    session: Session,
    *,
    workspace_id: str,
    metric: str,
    description: str,
    owner: str,
    created_by: str,
    due_on: date | None,
    dimension: str = "",
    segment: str = "",
    trigger_id: int | None = None,
    value_at_open: float | None = None,
    channel: str | None = None,
) -> Action:
    description = description.strip()
    if not description:
        raise UsageError("an action needs a description of what will be done")
    if len(description) > MAX_DESCRIPTION:
        raise UsageError(f"the description is {len(description)} characters; keep it under {MAX_DESCRIPTION}")
    action = Action(
        workspace_id=workspace_id,
        metric=metric,
        dimension=dimension,
        segment=segment,
        trigger_id=trigger_id,
        description=description,
        owner=owner,
        created_by=created_by,
        due_on=due_on,
        status=OPEN,
        value_at_open=value_at_open,
        channel=channel,
    )
    session.add(action)
    session.flush()
    _record(
        session, action, kind=CREATED, actor=created_by,
        changes={"metric": metric, "owner": owner, "due_on": due_on, "description": description,
                 "trigger_id": trigger_id, "segment": segment},
    )
    return action


def get_action(session: Session, *, workspace_id: str, action_id: int) -> Action:
    action = session.scalar(select(Action).where(Action.workspace_id == workspace_id, Action.id == action_id))
    if action is None:
        raise ActionNotFoundError(f"there is no action #{action_id}")
    return action


def update_action(
    session: Session,
    *,
    workspace_id: str,
    action_id: int,
    actor: str,
    kind: str,
    **changes: Any,
) -> Action:
    """Apply field changes and append one history event listing old → new values."""
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    if "status" in changes and changes["status"] not in STATUSES:
        raise UsageError(f"unknown status {changes['status']!r}; use one of {', '.join(STATUSES)}")
    if changes.get("outcome_class") not in (None, *OUTCOME_CLASSES):
        raise UsageError(f"unknown outcome {changes['outcome_class']!r}; use one of {', '.join(OUTCOME_CLASSES)}")
    diff: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(action, name)
        if old != value:
            diff[name] = [old, value]
            setattr(action, name, value)
    if changes.get("status") in (DONE, CLOSED) and action.closed_at is None:
        action.closed_at = utcnow()
    action.updated_at = utcnow()
    session.flush()
    _record(session, action, kind=kind, actor=actor, changes=diff)
    return action


def list_actions(
    session: Session,
    *,
    workspace_id: str,
    statuses: Sequence[str] | None = None,
    owner: str | None = None,
    metric: str | None = None,
    limit: int = 200,
) -> list[Action]:
    query = select(Action).where(Action.workspace_id == workspace_id)
    if statuses:
        query = query.where(Action.status.in_(statuses))
    if owner:
        query = query.where(Action.owner == owner)
    if metric:
        query = query.where(Action.metric == metric)
    return list(session.scalars(query.order_by(Action.id.desc()).limit(limit)))


def history(session: Session, *, workspace_id: str, action_id: int) -> list[ActionEvent]:
    return list(
        session.scalars(
            select(ActionEvent)
            .where(ActionEvent.workspace_id == workspace_id, ActionEvent.action_id == action_id)
            .order_by(ActionEvent.id)
        )
    )


def action_json(action: Action, *, segment_name: str | None = None) -> dict[str, Any]:
    """The `actions --json` contract (ARCHITECTURE.md), plus extra keys.

    `segment_name`: the segment as its source names it (bot.storage.reference); the stored id then
    rides along in `segment_id`.
    """
    named = segment_name if segment_name not in (None, "") else action.segment
    return {
        "id": action.id,
        "metric": action.metric,
        "segment": {action.dimension: named} if action.dimension else {},
        **({"segment_id": {action.dimension: action.segment}} if action.dimension and named != action.segment else {}),
        "description": action.description,
        "owner": action.owner,
        "due": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "outcome": action.outcome,
        "outcome_class": action.outcome_class,
        "trigger_id": action.trigger_id,
        "created_by": action.created_by,
        "value_at_open": action.value_at_open,
        "value_at_followup": action.value_at_followup,
        "created_at": action.created_at.isoformat(),
        "updated_at": action.updated_at.isoformat(),
    }


# --- Slack-facing operations: permission checks, outcomes, snoozes, the decision log ---------------

MAX_OUTCOME = 2000


class PermissionDeniedError(UsageError):
    """The person may not make this change (not the owner, not an admin)."""


def ensure_may_change(action: Action, *, actor: str, is_admin: bool, verb: str) -> None:
    """Owners change their own actions; admins change anyone's."""
    if is_admin or actor == action.owner:
        return
    raise PermissionDeniedError(f"only the owner or an admin can {verb} action #{action.id}")


def _still_open(action: Action, verb: str) -> None:
    if action.status not in OPEN_STATUSES:
        raise UsageError(f"action #{action.id} is already {action.status}; it cannot be {verb}")


def complete_action(
    session: Session,
    *,
    workspace_id: str,
    action_id: int,
    actor: str,
    is_admin: bool,
    outcome: str,
    outcome_class: str | None = None,
    value_at_followup: float | None = None,
) -> Action:
    """Mark done with an outcome; the follow-up value is recorded with it."""
    outcome = outcome.strip()
    if not outcome:
        raise UsageError("say what happened: the outcome text is empty")
    if len(outcome) > MAX_OUTCOME:
        raise UsageError(f"the outcome is {len(outcome)} characters; keep it under {MAX_OUTCOME}")
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    ensure_may_change(action, actor=actor, is_admin=is_admin, verb="complete")
    _still_open(action, "marked done")
    return update_action(
        session, workspace_id=workspace_id, action_id=action_id, actor=actor, kind=DONE,
        status=DONE, outcome=outcome, outcome_class=outcome_class, value_at_followup=value_at_followup,
        snoozed_until=None,
    )


def snooze_action(session: Session, *, workspace_id: str, action_id: int, actor: str, is_admin: bool,
                  until: date) -> Action:
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    ensure_may_change(action, actor=actor, is_admin=is_admin, verb="snooze")
    _still_open(action, "snoozed")
    return update_action(session, workspace_id=workspace_id, action_id=action_id, actor=actor, kind=SNOOZED,
                         status=SNOOZED, snoozed_until=until)


def carry_action(session: Session, *, workspace_id: str, action_id: int, actor: str, is_admin: bool,
                 due_on: date) -> Action:
    """Carry to the next review with a new due date."""
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    ensure_may_change(action, actor=actor, is_admin=is_admin, verb="carry")
    _still_open(action, "carried")
    return update_action(session, workspace_id=workspace_id, action_id=action_id, actor=actor, kind=CARRIED,
                         status=CARRIED, due_on=due_on, snoozed_until=None)


def close_action(session: Session, *, workspace_id: str, action_id: int, actor: str, is_admin: bool,
                 reason: str | None = None) -> Action:
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    ensure_may_change(action, actor=actor, is_admin=is_admin, verb="close")
    _still_open(action, "closed")
    changes: dict[str, Any] = {"status": CLOSED}
    if reason:
        if len(reason) > MAX_OUTCOME:
            raise UsageError(f"the reason is {len(reason)} characters; keep it under {MAX_OUTCOME}")
        changes["outcome"] = reason.strip()
    return update_action(session, workspace_id=workspace_id, action_id=action_id, actor=actor, kind=CLOSED,
                         **changes)


def revise_action(session: Session, *, workspace_id: str, action_id: int, actor: str, is_admin: bool,
                  note: str | None = None, due_on: date | None = None, owner: str | None = None) -> Action:
    """A progress note, a new due date or a new owner; the note is kept in the history only."""
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    ensure_may_change(action, actor=actor, is_admin=is_admin, verb="update")
    _still_open(action, "updated")
    if note and len(note) > MAX_DESCRIPTION:
        raise UsageError(f"the note is {len(note)} characters; keep it under {MAX_DESCRIPTION}")
    changes: dict[str, Any] = {}
    if due_on is not None:
        changes["due_on"] = due_on
    if owner is not None:
        changes["owner"] = owner
    if action.status == SNOOZED:
        changes.update(status=OPEN, snoozed_until=None)
    action = update_action(session, workspace_id=workspace_id, action_id=action_id, actor=actor, kind=UPDATED,
                           **changes)
    if note:
        _record(session, action, kind=NOTE, actor=actor, changes={"note": note.strip()})
    return action


def set_message_ref(session: Session, *, workspace_id: str, action_id: int, channel: str, ts: str) -> None:
    """Remember the Slack message that shows this action (so it can be updated later)."""
    action = get_action(session, workspace_id=workspace_id, action_id=action_id)
    action.channel, action.message_ts = channel, ts
    session.flush()


def decision_log(session: Session, *, workspace_id: str, metric: str | None = None,
                 limit: int = 20) -> list[tuple[Action, Any]]:
    """Trigger → action → owner → outcome, newest first: (action, its trigger row or None)."""
    from bot.storage.models import TriggerRow

    query = (
        select(Action, TriggerRow)
        .outerjoin(TriggerRow, (TriggerRow.id == Action.trigger_id) & (TriggerRow.workspace_id == workspace_id))
        .where(Action.workspace_id == workspace_id)
    )
    if metric:
        query = query.where(Action.metric == metric)
    return [(a, t) for a, t in session.execute(query.order_by(Action.created_at.desc(), Action.id.desc()).limit(limit))]
