"""`/metrics`: ack at once (a usage error is the ack's own ephemeral reply), then answer lazily."""
from __future__ import annotations

import json

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions import service as actions
from bot.actions.workdays import working_days
from bot.annotations import annotate, holidays
from bot.blocks import Message, render
from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE
from bot.rituals import windows
from bot.slack import parse as grammar
from bot.slack import readings
from bot.slack.notifier import DeliveryError
from bot.slack.present import (
    action_row, action_verdict, confirm, error_message, help_message, log_entry, metric_label, render_view,
)
from bot.slack.request import Request, Services, replying
from bot.storage.reference import segment_key

log = logging.getLogger(__name__)
COMMAND = "/metrics"
LIST_LIMIT = 20


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_metrics, lazy=[answer_metrics])


def ack_metrics(ack, command: dict, context: BoltContext) -> None:
    services: Services = context["services"]
    try:
        parsed = grammar.parse(command.get("text") or "", today=services.today(), rules=rule_names(services))
    except UsageError as exc:
        message = error_message(str(exc))
        ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return
    if isinstance(parsed, grammar.Help):
        message = help_message()
        ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return
    ack()


def answer_metrics(command: dict, context: BoltContext, respond, client: WebClient) -> None:
    services: Services = context["services"]
    try:
        parsed = grammar.parse(command.get("text") or "", today=services.today(), rules=rule_names(services))
    except UsageError:
        context["db"].close()
        return  # the ack already said what was wrong
    if isinstance(parsed, grammar.Help):
        context["db"].close()
        return
    with replying(context, respond) as db:
        request = Request(services, db, context["workspace_id"], command["user_id"], command.get("channel_id"),
                          client, command.get("trigger_id"))
        message = handle(parsed, request)
        if message is not None:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)


def rule_names(services: Services) -> tuple[tuple[str, str], ...]:
    """The configured rules as (name, metric): `/metrics mute` may name one."""
    return tuple((rule.name, rule.metric) for rule in services.settings.file.rules)


def handle(cmd: grammar.Command, r: Request) -> Message | None:
    """One parsed command → one service call → one rendered message (None: a modal opened instead)."""
    handler = HANDLERS[type(cmd)]
    return handler(cmd, r)


def _scorecard(cmd: grammar.Scorecard, r: Request) -> Message:
    with r.db.transaction() as session:
        card = readings.scorecard(session, workspace_id=r.workspace_id, currency=r.services.settings.file.metrics.currency)
    return render_scorecard(card)


def render_scorecard(card: readings.ScorecardView) -> Message:
    urgent = card.in_zone("act_now") + card.in_zone("watch")
    calm = [x for x in card.readings if x not in urgent]
    return render("slack_scorecard", as_of=card.as_of, readings=card.readings, counts=card.counts, urgent=urgent,
                  calm=calm, as_of_words=card.as_of_words)


def _metric(cmd: grammar.MetricView, r: Request) -> Message | None:
    from bot.annotations import annotations_between

    if cmd.chart:
        return _chart(cmd, r)
    with r.db.transaction() as session:
        today = r.services.today()
        notes = [(a.day, a.kind, a.label) for a in annotations_between(
            session, workspace_id=r.workspace_id, start=today - timedelta(days=cmd.days + 30),
            end=today + timedelta(days=1))]
        detail = readings.metric_detail(session, workspace_id=r.workspace_id, metric=cmd.metric, days=cmd.days,
                                        by=cmd.by, annotations=notes, currency=r.services.settings.file.metrics.currency)
    return render("slack_metric", d=detail)


def _chart(cmd: grammar.MetricView, r: Request) -> Message | None:
    """`/metrics <metric> chart`: the trend chart shared in the channel (in a DM when the bot is not in it)."""
    from bot.rituals import charts
    from bot.rituals.store import latest_metric_day

    settings = r.services.settings
    with r.db.transaction() as session:
        end = latest_metric_day(session, workspace_id=r.workspace_id, on_or_before=r.services.today())
        data = None if end is None else charts.chart_data(session, workspace_id=r.workspace_id, metric=cmd.metric,
                                                           end=end, days=cmd.days, settings=settings)
    if data is None:
        return error_message(f"No stored days of {metric_label(cmd.metric)} to chart yet.")
    image = charts.trend_chart(data, filename=f"{cmd.metric}-{end.isoformat()}.png")
    notifier = r.services.notifier(r.client)
    share = dict(filename=image.filename, title=image.title, alt_text=image.alt_text)
    try:
        if not r.channel:
            raise DeliveryError("no channel", code="channel_not_found")
        notifier.upload_png(r.channel, image.png, **share)
        return None  # the chart itself is the answer
    except DeliveryError as exc:
        if exc.code not in ("not_in_channel", "channel_not_found", "is_archived"):
            raise
        notifier.upload_png(notifier.open_dm(r.user), image.png, **share)
    return confirm(f"I'm not in this channel, so the {metric_label(cmd.metric)} chart is in our DM.")


def _list(cmd: grammar.ListActions, r: Request) -> Message:
    scope = cmd.scope
    with r.db.transaction() as session:
        rows = actions.list_actions(
            session, workspace_id=r.workspace_id, owner=r.user if scope == "mine" else None,
            statuses=None if scope == "all" else actions.OPEN_STATUSES, limit=LIST_LIMIT + 1)
        today = r.services.today()
        working = working_days(r.services.settings)
        data = [action_row(a, today=today, working=working) for a in rows[:LIST_LIMIT]]
    title = {"mine": "Your open actions", "open": "Open actions", "all": "All actions"}[scope]
    return render("slack_actions", title=title, actions=data, more=max(0, len(rows) - LIST_LIMIT))


def _add(cmd: grammar.AddAction, r: Request) -> Message | None:
    if not cmd.complete:
        open_add_modal(r, metric=cmd.metric, owner=cmd.owner, due=cmd.due_on, description=cmd.description,
                       segment=f"{cmd.dimension}={cmd.segment}" if cmd.dimension else "")
        return None
    action_id = add_action(r, metric=cmd.metric, owner=cmd.owner, due_on=cmd.due_on, description=cmd.description,
                           dimension=cmd.dimension, segment=cmd.segment, channel=r.channel)
    return announce(r, action_id)


def open_add_modal(r: Request, *, trigger: int | None = None, **prefill: Any) -> None:
    if not r.trigger_id:
        raise UsageError(f"some details are missing. Use: `{grammar.USAGE['add']}`")
    labels = {key: m.label for key, m in CATALOGUE.items()}
    # The submission needs the channel to announce in and, from a review item, the trigger to link.
    metadata = json.dumps({"channel": r.channel, "trigger": trigger}) if trigger else (r.channel or "")
    view = render_view("slack_add_action_modal", metric_labels=labels, private_metadata=metadata, **prefill)
    r.services.notifier(r.client).open_view(r.trigger_id, view)


def add_action(r: Request, *, metric: str, owner: str, due_on, description: str, dimension: str, segment: str,
               channel: str | None, trigger_id: int | None = None) -> int:
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
    it posted before instead of posting a second one."""
    from bot.actions.service import get_action
    from bot.rituals.ledger import Key
    from bot.slack import outcomes

    with r.db.transaction() as session:
        action = get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        card = outcomes.card(session, settings=r.services.settings, action=action, today=r.services.today())
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
            return confirm(f"Logged action #{action_id}. (Not shown in the channel: {shown.error})")
        if shown.ts:
            with r.db.transaction() as session:
                actions.set_message_ref(session, workspace_id=r.workspace_id, action_id=action_id,
                                        channel=shown.channel or channel, ts=shown.ts)
    return confirm(f"Logged action #{action_id} for {metric_label(metric)}.")


def refresh_card(r: Request, action) -> None:
    """Update the action's channel message, if it has one (best effort)."""
    from bot.slack import outcomes

    if not (action.channel and action.message_ts):
        return
    with r.db.transaction() as session:
        card = outcomes.card(session, settings=r.services.settings, action=action, today=r.services.today())
    try:
        r.services.notifier(r.client).update(action.channel, action.message_ts, card)
    except DeliveryError as exc:
        log.info("action card not updated: %s", exc.code)


def _done(cmd: grammar.DoneAction, r: Request) -> Message | None:
    if not cmd.complete:
        open_outcome_modal(r, cmd.action_id)
        return None
    action = complete(r, cmd.action_id, cmd.outcome, cmd.outcome_class)
    from bot.slack.outcomes import post_to_review

    post_to_review(r, action.id)  # the outcome and its verdict in the current weekly review's thread
    return confirm(f"Action #{action.id} is done: {cmd.outcome}")


def complete(r: Request, action_id: int, outcome: str, outcome_class: str | None, *, refresh: bool = True):
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


def open_outcome_modal(r: Request, action_id: int, *, metadata: str | None = None) -> None:
    """`metadata`: the form's private_metadata (the action id, or where it was clicked: bot.slack.outcomes)."""
    if not r.trigger_id:
        raise UsageError(f"say what happened. Use: `{grammar.USAGE['done']}`")
    with r.db.transaction() as session:
        action = actions.get_action(session, workspace_id=r.workspace_id, action_id=action_id)
        actions.ensure_may_change(action, actor=r.user, is_admin=r.is_admin, verb="complete")
        row = action_row(action)
    view = render_view("slack_outcome_modal", a=row, private_metadata=metadata or str(action_id))
    r.services.notifier(r.client).open_view(r.trigger_id, view)


def _update(cmd: grammar.UpdateAction, r: Request) -> Message:
    with r.db.transaction() as session:
        action = actions.revise_action(session, workspace_id=r.workspace_id, action_id=cmd.action_id, actor=r.user,
                                       is_admin=r.is_admin, note=cmd.note, due_on=cmd.due_on, owner=cmd.owner)
    refresh_card(r, action)
    return confirm(f"Action #{action.id} updated.")


def _carry(cmd: grammar.CarryAction, r: Request) -> Message:
    return carry(r, cmd.action_id, cmd.due_on)


def carry(r: Request, action_id: int, due_on) -> Message:
    with r.db.transaction() as session:
        due = due_on or actions.next_working_day(r.services.today() + timedelta(days=7), working_days(
            r.services.settings, holidays(session, workspace_id=r.workspace_id)))
        action = actions.carry_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                      is_admin=r.is_admin, due_on=due)
    refresh_card(r, action)
    return confirm(f"Action #{action.id} carried over, now due {windows.day(due)}.")


def _close(cmd: grammar.CloseAction, r: Request) -> Message:
    return close(r, cmd.action_id, cmd.reason)


def close(r: Request, action_id: int, reason: str | None) -> Message:
    with r.db.transaction() as session:
        action = actions.close_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                      is_admin=r.is_admin, reason=reason)
    refresh_card(r, action)
    return confirm(f"Action #{action.id} closed.")


def _snooze(cmd: grammar.SnoozeAction, r: Request) -> Message:
    until = r.services.today() + timedelta(days=cmd.days)
    snooze(r, cmd.action_id, until)
    return confirm(f"Action #{cmd.action_id} snoozed until {windows.day(until)}.")


def snooze(r: Request, action_id: int, until) -> None:
    with r.db.transaction() as session:
        action = actions.snooze_action(session, workspace_id=r.workspace_id, action_id=action_id, actor=r.user,
                                       is_admin=r.is_admin, until=until)
    refresh_card(r, action)


def _log(cmd: grammar.Log, r: Request) -> Message:
    with r.db.transaction() as session:
        currency = r.services.settings.file.metrics.currency
        entries = [log_entry(a, t, verdict=action_verdict(session, r.services.settings, a, t, today=r.services.today()),
                             currency=currency)
                   for a, t in actions.decision_log(session, workspace_id=r.workspace_id, metric=cmd.metric,
                                                    limit=LIST_LIMIT)]
    return render("slack_log", entries=entries, metric_label=metric_label(cmd.metric) if cmd.metric else "")


def _annotate(cmd: grammar.Annotate, r: Request) -> Message:
    if not r.is_admin:
        raise actions.PermissionDeniedError("only admins can annotate days (see [slack] admins in signalroom.toml)")
    with r.db.transaction() as session:
        annotate(session, workspace_id=r.workspace_id, day=cmd.day, kind=cmd.kind, label=cmd.label,
                 created_by=r.user)
    return confirm(f"Marked {windows.day(cmd.day)} as {cmd.kind}: {cmd.label}")


def _mute(cmd: grammar.Mute, r: Request) -> Message:
    return mute(r, cmd.target, duration=cmd.duration, until_day=cmd.until, reason=cmd.reason)


def mute(r: Request, target: grammar.MuteTarget, *, duration=None, until_day=None, reason: str | None) -> Message:
    """Mute a metric or rule (overall or one segment, typed as its name) from now; the confirmation."""
    line, extended = mute_line(r, target, duration=duration, until_day=until_day, reason=reason)
    return render("slack_muted", lines=[line], unmuted=False, extended=extended, by=None)


def mute_line(r: Request, target: grammar.MuteTarget, *, duration=None, until_day=None, reason: str | None):
    """The one service call behind a mute (slash command or button): (the mute as messages show it,
    `bot.actions.mutes.MuteLine`; whether it lengthened a running mute of the same target)."""
    from bot.actions import mutes

    now = r.services.now()
    until_at = mutes.mute_until(now, duration=duration, until_day=until_day, tz=r.services.settings.timezone)
    with r.db.transaction() as session:
        stored = _stored_target(session, r, target)
        window, existed = mutes.mute(session, workspace_id=r.workspace_id, target=stored, until_at=until_at,
                                     reason=reason, actor=r.user, now=now)
        line = _mute_line(session, r, window)
    return line, existed


def _stored_target(session, r: Request, target: grammar.MuteTarget):
    from bot.actions.mutes import Target

    # Typed as a name (group=Billing); stored as the id the daily rows and triggers carry.
    segment = segment_key(session, workspace_id=r.workspace_id, dimension=target.dimension, value=target.segment)
    return Target(target.metric, target.rule, target.dimension, segment)


def _mute_line(session, r: Request, window):
    from bot.actions.mutes import describe
    from bot.storage.reference import display_name

    t = window.target
    name = display_name(session, workspace_id=r.workspace_id, dimension=t.dimension, value=t.segment) if t.dimension else None
    return describe(window, segment_name=name)


def _unmute(cmd: grammar.Unmute, r: Request) -> Message:
    from bot.actions import mutes

    with r.db.transaction() as session:
        target = _stored_target(session, r, cmd.target) if cmd.target is not None else None
        ended = mutes.unmute(session, workspace_id=r.workspace_id, actor=r.user, now=r.services.now(), target=target,
                             mute_id=cmd.mute_id)
        lines = [_mute_line(session, r, w) for w in ended]
    return render("slack_muted", lines=lines, unmuted=True, extended=False, by=None)


def _mutes(cmd: grammar.ListMutes, r: Request) -> Message:
    from bot.actions import mutes

    with r.db.transaction() as session:
        lines = [_mute_line(session, r, w) for w in mutes.active(session, workspace_id=r.workspace_id,
                                                                 now=r.services.now())]
    return render("slack_mutes", mutes=lines)


HANDLERS = {
    grammar.Scorecard: _scorecard, grammar.MetricView: _metric, grammar.ListActions: _list, grammar.AddAction: _add,
    grammar.DoneAction: _done, grammar.UpdateAction: _update, grammar.CarryAction: _carry,
    grammar.CloseAction: _close, grammar.SnoozeAction: _snooze, grammar.Log: _log, grammar.Annotate: _annotate,
    grammar.Mute: _mute, grammar.Unmute: _unmute, grammar.ListMutes: _mutes,
}
