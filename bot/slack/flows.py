"""The flows `/metrics` (commands), the buttons (actions, mutes) and the forms (modals) share.

Each is one service call (`bot.actions`) plus what Slack shows afterwards: open a form, log an action
and announce its card, complete, revise, carry, close or snooze it (the card is redrawn), a button's
click or an alert's acknowledgement, a mute. Handlers parse, call one of these and answer; the words
they answer with come from `bot.slack.replies`.
"""
from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

from bot.actions import clicks
from bot.actions import mutes as mute_store
from bot.actions import service as actions
from bot.actions.workdays import WorkingDays, working_days
from bot.annotations import holidays
from bot.blocks import Message
from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE
from bot.rituals.ledger import Key
from bot.slack import outcomes, readings
from bot.slack.notifier import DeliveryError
from bot.slack.parse import USAGE, MuteTarget
from bot.slack.present import action_row, metric_label, render_view
from bot.slack.replies import confirmation, sentence
from bot.slack.request import Request
from bot.storage.models import Action
from bot.storage.reference import segment_key

log = logging.getLogger(__name__)


def team_days(r: Request, session: Any) -> WorkingDays:
    """The team's working days (config and holidays marked from Slack), as Carry and reminders read them."""
    return working_days(r.settings, holidays(session, workspace_id=r.workspace_id))


# --- forms ----------------------------------------------------------------------------------------

def open_add_modal(r: Request, *, trigger: int | None = None, **prefill: Any) -> None:
    if not r.trigger_id:
        raise UsageError(sentence("add_missing", usage=USAGE["add"]))
    labels = {key: m.label for key, m in CATALOGUE.items()}
    # The submission needs the channel to announce in and, from a review item, the trigger to link.
    metadata = json.dumps({"channel": r.channel, "trigger": trigger}) if trigger else (r.channel or "")
    view = render_view("slack_add_action_modal", metric_labels=labels, private_metadata=metadata, **prefill)
    r.services.notifier(r.client).open_view(r.trigger_id, view)


def open_outcome_modal(r: Request, action_id: int, *, metadata: str | None = None) -> None:
    """`metadata`: the form's private_metadata (the action id, or where it was clicked: bot.slack.outcomes)."""
    if not r.trigger_id:
        raise UsageError(sentence("done_missing", usage=USAGE["done"]))
    _open_form(r, "slack_outcome_modal", action_id, verb="complete", metadata=metadata)


def open_update_modal(r: Request, action_id: int) -> None:
    _open_form(r, "slack_update_modal", action_id, verb="update")


def _open_form(r: Request, template: str, action_id: int, *, verb: str, metadata: str | None = None) -> None:
    with r.db.transaction() as session:
        action = actions.get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        actions.ensure_may_change(action, actor=r.user, is_admin=r.is_admin, verb=verb)
        row = action_row(action)
    view = render_view(template, a=row, private_metadata=metadata or str(action_id))
    r.services.notifier(r.client).open_view(r.trigger_id, view)


# --- an action's life -----------------------------------------------------------------------------

def add_action(r: Request, *, metric: str, owner: str, due_on: date, description: str, dimension: str,
               segment: str, channel: str | None, trigger_id: int | None = None) -> int:
    """Open the action (database only); `announce` shows it in Slack."""
    with r.db.transaction() as session:
        # Typed as a name (group=Billing); stored as the id the daily rows carry (bot.storage.reference).
        segment = segment_key(session, workspace_id=r.workspace_id, dimension=dimension, value=segment)
        value = readings.latest_value(session, workspace_id=r.workspace_id, metric=metric, dimension=dimension,
                                      segment=segment)
        action = actions.open_action(
            session, workspace_id=r.workspace_id, metric=metric, description=description, owner=owner,
            created_by=r.user, due_on=due_on, dimension=dimension, segment=segment, value_at_open=value,
            channel=channel, trigger_id=trigger_id)
        return action.id


def announce(r: Request, action_id: int) -> Message:
    """Show the action's card in its channel (kept as its message reference); tell the owner by DM.

    Both go through the post ledger (one row per action and place), so a retried request edits the card
    it posted before instead of posting a second one. Returns the confirmation for the one who logged it."""
    with r.db.transaction() as session:
        action = actions.get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        card = outcomes.card(session, settings=r.settings, action=action, today=r.today())
        channel, metric, owner = action.channel, action.metric, action.owner
    publisher = outcomes.publisher(r)
    if owner != r.user:
        told = publisher.message(Key("action_card_dm", owner[:32], f"a{action_id}"), card, dm=True)
        if told.outcome == "failed":
            log.info("owner not told by DM")
    if channel:
        shown = publisher.message(Key("action_card", channel, f"a{action_id}"), card)
        if shown.outcome == "failed":
            log.info("action card not posted")
            return confirmation("logged_not_shown", id=action_id, error=shown.error)
        if shown.ts:
            with r.db.transaction() as session:
                actions.set_message_ref(session, workspace_id=r.workspace_id, action_id=action_id,
                                        channel=shown.channel or channel, ts=shown.ts)
    return confirmation("logged", id=action_id, metric=metric_label(metric))


def refresh_card(r: Request, action: Action) -> None:
    """Update the action's channel message, if it has one (best effort)."""
    if not (action.channel and action.message_ts):
        return
    with r.db.transaction() as session:
        card = outcomes.card(session, settings=r.settings, action=action, today=r.today())
    try:
        r.services.notifier(r.client).update(action.channel, action.message_ts, card)
    except DeliveryError as exc:
        log.info("action card not updated: %s", exc.code)


def complete(r: Request, action_id: int, outcome: str, outcome_class: str | None, *, refresh: bool = True) -> Action:
    with r.db.transaction() as session:
        current = actions.get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        value = readings.latest_value(session, workspace_id=r.workspace_id, metric=current.metric,
                                      dimension=current.dimension, segment=current.segment)
        # outcome_class is only the owner's own word; the verdict comes from the engine (refresh_card).
        action = actions.complete_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                         is_admin=r.is_admin, outcome=outcome, outcome_class=outcome_class,
                                         value_at_followup=value)
    if refresh:
        refresh_card(r, action)
    return action


def revise(r: Request, action_id: int, *, note: str | None, due_on: date | None, owner: str | None = None,
           refresh: bool = True) -> Action:
    """A note, a new due date or a new owner (the slash command's `update`, the Update form)."""
    with r.db.transaction() as session:
        action = actions.revise_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                       is_admin=r.is_admin, note=note, due_on=due_on, owner=owner)
    if refresh:
        refresh_card(r, action)
    return action


def carry(r: Request, action_id: int, due_on: date | None) -> Action:
    """Carry over to `due_on`, else to the first working day a week from today."""
    with r.db.transaction() as session:
        due = due_on or actions.next_working_day(r.today() + timedelta(days=7), team_days(r, session))
        action = actions.carry_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                      is_admin=r.is_admin, due_on=due)
    refresh_card(r, action)
    return action


def close(r: Request, action_id: int, reason: str | None) -> Action:
    with r.db.transaction() as session:
        action = actions.close_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                      is_admin=r.is_admin, reason=reason)
    refresh_card(r, action)
    return action


def snooze(r: Request, action_id: int, until: date) -> Action:
    with r.db.transaction() as session:
        action = actions.snooze_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                       is_admin=r.is_admin, until=until)
    refresh_card(r, action)
    return action


def click(r: Request, action_id: int, *, verb: clicks.Verb, days: int = 7) -> clicks.Change:
    """A button's Carry, Close or Snooze (`days`): safe to repeat (`bot.actions.clicks`); the card is redrawn."""
    with r.db.transaction() as session:
        change = clicks.click(session, workspace_id=r.workspace_id, action_id=action_id, verb=verb, actor=r.user,
                              is_admin=r.is_admin, today=r.today(), snooze_days=days,
                              working=team_days(r, session))
    refresh_card(r, change.action)
    return change


def acknowledge(r: Request, trigger_id: int) -> clicks.Change:
    """An alert's Acknowledge: the clicker owns its action from now on (one is opened if it had none)."""
    with r.db.transaction() as session:
        ack = clicks.acknowledge(
            session, workspace_id=r.workspace_id, trigger_id=trigger_id, actor=r.user, is_admin=r.is_admin,
            today=r.today(), describe=lambda t: outcomes.ack_description(outcomes.alert_title(session, t)),
            working=team_days(r, session))
    refresh_card(r, ack.change.action)
    return ack.change


def may_complete(r: Request, action_id: int) -> clicks.Change | None:
    """Before Done's form opens: None when it may be completed, the earlier change when it is done already."""
    with r.db.transaction() as session:
        return clicks.may_complete(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                   is_admin=r.is_admin)


# --- mutes ----------------------------------------------------------------------------------------

def mute_line(r: Request, target: MuteTarget, *, duration: timedelta | None = None, until_day: date | None = None,
              reason: str | None) -> tuple[mute_store.MuteLine, bool]:
    """The one service call behind a mute (slash command or button): (the mute as messages show it,
    `bot.actions.mutes.MuteLine`; whether it lengthened a running mute of the same target)."""
    now = r.services.now()
    until_at = mute_store.mute_until(now, duration=duration, until_day=until_day, tz=r.settings.timezone)
    with r.db.transaction() as session:
        stored = _stored_target(session, r, target)
        window, existed = mute_store.mute(session, workspace_id=r.workspace_id, target=stored, until_at=until_at,
                                          reason=reason, actor=r.user, now=now)
        line, = mute_store.described(session, workspace_id=r.workspace_id, windows=[window])
    return line, existed


def unmute(r: Request, target: MuteTarget | None, mute_id: int | None) -> list[mute_store.MuteLine]:
    """End the running mutes of `target` (or the one numbered `mute_id`); the ones that ended."""
    with r.db.transaction() as session:
        stored = _stored_target(session, r, target) if target is not None else None
        ended = mute_store.unmute(session, workspace_id=r.workspace_id, actor=r.user, now=r.services.now(),
                                  target=stored, mute_id=mute_id)
        return mute_store.described(session, workspace_id=r.workspace_id, windows=ended)


def active_mutes(r: Request) -> list[mute_store.MuteLine]:
    with r.db.transaction() as session:
        return mute_store.described(session, workspace_id=r.workspace_id,
                                    windows=mute_store.active(session, workspace_id=r.workspace_id, now=r.services.now()))


def _stored_target(session: Any, r: Request, target: MuteTarget) -> mute_store.Target:
    # Typed as a name (group=Billing); stored as the id the daily rows and triggers carry.
    segment = segment_key(session, workspace_id=r.workspace_id, dimension=target.dimension, value=target.segment)
    return mute_store.Target(target.metric, target.rule, target.dimension, segment)
