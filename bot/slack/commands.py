"""`/metrics`: ack at once (a usage error is the ack's own ephemeral reply), then answer lazily.

Each handler takes the parsed command, makes one call (a read here, or a flow shared with the buttons
and forms: `bot.slack.flows`) and renders its answer; the words come from templates."""
from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions import service as actions
from bot.actions.workdays import working_days
from bot.annotations import annotate, annotations_between
from bot.blocks import Message, render
from bot.config import Settings
from bot.errors import UsageError
from bot.metrics.zone_names import ACT_NOW, WATCH
from bot.rituals import windows
from bot.slack import flows, outcomes, readings
from bot.slack import parse as grammar
from bot.slack.notifier import DeliveryError
from bot.slack.present import action_rows, error_message, help_message, log_entries, metric_label
from bot.slack.replies import carried, confirmation, failure, sentence
from bot.slack.request import Request, replying
from bot.slack import tracker_ids
from bot.trackers.clients import configured as trackers_configured

log = logging.getLogger(__name__)
COMMAND = "/metrics"
LIST_LIMIT = 20


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_metrics, lazy=[answer_metrics])


def ack_metrics(ack, command: dict, context: BoltContext, client: WebClient) -> None:
    try:
        parsed = _parse(command, _request(command, context, client))
    except UsageError as exc:
        message = error_message(str(exc))
        ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return
    except Exception:  # noqa: BLE001 - e.g. the database is down: ack anyway, the lazy answer reports it
        log.warning("/metrics: could not read the workspace's settings before the ack", exc_info=True)
        ack()
        return
    if isinstance(parsed, grammar.Help):
        message = help_message()
        ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return
    ack()


def answer_metrics(command: dict, context: BoltContext, respond, client: WebClient) -> None:
    request = _request(command, context, client)
    with replying(context, respond):  # also a failure to read the settings gets its reply with a reference
        try:
            parsed = _parse(command, request)
        except UsageError:
            return  # the ack already said what was wrong
        if isinstance(parsed, grammar.Help):
            return
        message = handle(parsed, request)
        if message is not None:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)


def _request(command: dict, context: BoltContext, client: WebClient) -> Request:
    return Request(context["services"], context["db"], context["workspace_id"], command["user_id"],
                   command.get("channel_id"), client, command.get("trigger_id"))


def _parse(command: dict, r: Request) -> grammar.Command:
    """The command's text, read with the workspace's today and rules (`/metrics mute` may name a rule) when it
    needs them; the rest (the scorecard, metric views, lists, help) parse without reading the settings, so
    their ack touches the database only for the replay guard."""
    text = command.get("text") or ""
    if not grammar.needs_workspace(text):
        return grammar.parse(text, today=None)
    return grammar.parse(text, today=r.today(), rules=rule_names(r.settings))


def rule_names(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The workspace's rules as (name, metric)."""
    return tuple((rule.name, rule.metric) for rule in settings.file.rules)


def handle(cmd: grammar.Command, r: Request) -> Message | None:
    """One parsed command → one service call → one rendered message (None: a modal opened instead)."""
    handler = HANDLERS[type(cmd)]
    return handler(cmd, r)


def _scorecard(cmd: grammar.Scorecard, r: Request) -> Message:
    with r.db.transaction() as session:
        card = readings.scorecard(session, workspace_id=r.workspace_id, currency=r.settings.file.metrics.currency)
    return render_scorecard(card)


def render_scorecard(card: readings.ScorecardView) -> Message:
    urgent = card.in_zone(ACT_NOW) + card.in_zone(WATCH)
    calm = [x for x in card.readings if x not in urgent]
    return render("slack_scorecard", as_of=card.as_of, readings=card.readings, counts=card.counts, urgent=urgent,
                  calm=calm, as_of_words=card.as_of_words)


def _metric(cmd: grammar.MetricView, r: Request) -> Message | None:
    if cmd.chart:
        return _chart(cmd, r)
    with r.db.transaction() as session:
        today = r.today()
        notes = [(a.day, a.kind, a.label) for a in annotations_between(
            session, workspace_id=r.workspace_id, start=today - timedelta(days=cmd.days + 30),
            end=today + timedelta(days=1))]
        detail = readings.metric_detail(session, workspace_id=r.workspace_id, metric=cmd.metric, days=cmd.days,
                                        by=cmd.by, annotations=notes, currency=r.settings.file.metrics.currency)
    return render("slack_metric", d=detail)


def _chart(cmd: grammar.MetricView, r: Request) -> Message | None:
    """`/metrics <metric> chart`: the trend chart shared in the channel (in a DM when the bot is not in it)."""
    from bot.rituals import charts
    from bot.metrics.readings import latest_computed_day as latest_metric_day

    settings = r.settings
    with r.db.transaction() as session:
        end = latest_metric_day(session, workspace_id=r.workspace_id, on_or_before=r.today())
        data = None if end is None else charts.chart_data(session, workspace_id=r.workspace_id, metric=cmd.metric,
                                                           end=end, days=cmd.days, settings=settings)
    if data is None:
        return failure("no_chart_days", metric=metric_label(cmd.metric))
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
    return confirmation("chart_in_dm", metric=metric_label(cmd.metric))


def _list(cmd: grammar.ListActions, r: Request) -> Message:
    scope = cmd.scope
    with r.db.transaction() as session:
        rows = actions.list_actions(
            session, workspace_id=r.workspace_id, owner=r.user if scope == "mine" else None,
            statuses=None if scope == "all" else actions.OPEN_STATUSES, limit=LIST_LIMIT + 1)
        today = r.today()
        working = working_days(r.settings)
        data = action_rows(rows[:LIST_LIMIT], today=today, working=working)
    return render("slack_actions", title=sentence(f"list_{scope}"), actions=data,
                  more=max(0, len(rows) - LIST_LIMIT))


def _add(cmd: grammar.AddAction, r: Request) -> Message | None:
    if not cmd.complete:
        flows.open_add_modal(r, metric=cmd.metric, owner=cmd.owner, due=cmd.due_on, description=cmd.description,
                             segment=f"{cmd.dimension}={cmd.segment}" if cmd.dimension else "")
        return None
    action_id = flows.add_action(r, metric=cmd.metric, owner=cmd.owner, due_on=cmd.due_on,
                                 description=cmd.description, dimension=cmd.dimension, segment=cmd.segment,
                                 channel=r.channel)
    return flows.announce(r, action_id)


def _done(cmd: grammar.DoneAction, r: Request) -> Message | None:
    if not cmd.complete:
        flows.open_outcome_modal(r, cmd.action_id)
        return None
    action = flows.complete(r, cmd.action_id, cmd.outcome, cmd.outcome_class)
    outcomes.post_to_review(r, action.id)  # the outcome and its verdict in the current weekly review's thread
    return confirmation("done", id=action.id, outcome=cmd.outcome)


def _update(cmd: grammar.UpdateAction, r: Request) -> Message:
    action = flows.revise(r, cmd.action_id, note=cmd.note, due_on=cmd.due_on, owner=cmd.owner)
    return confirmation("updated", id=action.id)


def _carry(cmd: grammar.CarryAction, r: Request) -> Message:
    return carried(flows.carry(r, cmd.action_id, cmd.due_on))


def _close(cmd: grammar.CloseAction, r: Request) -> Message:
    action = flows.close(r, cmd.action_id, cmd.reason)
    return confirmation("closed", id=action.id)


def _snooze(cmd: grammar.SnoozeAction, r: Request) -> Message:
    until = r.today() + timedelta(days=cmd.days)
    flows.snooze(r, cmd.action_id, until)
    return confirmation("snoozed", id=cmd.action_id, until=windows.day(until))


def _log(cmd: grammar.Log, r: Request) -> Message:
    settings = r.settings
    with r.db.transaction() as session:
        rows = actions.decision_log(session, workspace_id=r.workspace_id, metric=cmd.metric, limit=LIST_LIMIT)
        verdicts = outcomes.verdicts(session, settings=settings, workspace_id=r.workspace_id,
                                     actions=[a for a, _ in rows], triggers={t.id: t for _, t in rows if t is not None},
                                     today=r.today())
        entries = log_entries(rows, verdicts=verdicts, currency=settings.file.metrics.currency)
    trackers = trackers_configured(settings)
    # Create issue (bot/trackers): for admins, and for owners on their own actions.
    return render("slack_log", entries=entries, metric_label=metric_label(cmd.metric) if cmd.metric else "",
                  issue_value=tracker_ids.create_value if trackers else None,
                  issue_owner=None if not trackers or r.is_admin else r.user, tracker_ids=tracker_ids)


def _annotate(cmd: grammar.Annotate, r: Request) -> Message:
    if not r.is_admin:
        raise actions.PermissionDeniedError(sentence("annotate_admins_only"))
    with r.db.transaction() as session:
        annotate(session, workspace_id=r.workspace_id, day=cmd.day, kind=cmd.kind, label=cmd.label,
                 created_by=r.user)
    return confirmation("marked", day=windows.day(cmd.day), kind=cmd.kind, label=cmd.label)


def _mute(cmd: grammar.Mute, r: Request) -> Message:
    line, extended = flows.mute_line(r, cmd.target, duration=cmd.duration, until_day=cmd.until, reason=cmd.reason)
    return render("slack_muted", lines=[line], unmuted=False, extended=extended, by=None)


def _unmute(cmd: grammar.Unmute, r: Request) -> Message:
    lines = flows.unmute(r, cmd.target, cmd.mute_id)
    return render("slack_muted", lines=lines, unmuted=True, extended=False, by=None)


def _mutes(cmd: grammar.ListMutes, r: Request) -> Message:
    return render("slack_mutes", mutes=flows.active_mutes(r))


HANDLERS = {
    grammar.Scorecard: _scorecard, grammar.MetricView: _metric, grammar.ListActions: _list, grammar.AddAction: _add,
    grammar.DoneAction: _done, grammar.UpdateAction: _update, grammar.CarryAction: _carry,
    grammar.CloseAction: _close, grammar.SnoozeAction: _snooze, grammar.Log: _log, grammar.Annotate: _annotate,
    grammar.Mute: _mute, grammar.Unmute: _unmute, grammar.ListMutes: _mutes,
}
