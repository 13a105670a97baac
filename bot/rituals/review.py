"""The weekly review: a parent message (header + summary) and a 20–30 minute agenda in its thread.

1. What moved — metrics that entered watch or act-now this week (act-now first,
   then business impact, experience, operational), value against expected, the
   segment where it concentrates, a trend chart, a "Log action" button.
2. What we did — actions from earlier triggers: owner, due date, status,
   overdue highlighted; Done / Carry / Close.
3. Did it move the needle — completed actions: the problem against the same
   span after completion, and against how the metric usually recovers by
   itself (`verdict.py`, the one verdict every message shows).
4. When everything is green — slow trends not yet across a band, and rules
   that never fired in 90 days or fire constantly (a calibration prompt).
5. Closing check — see `closing_nudge` (posted by the worker at the end of the day).

`gather` reads storage into plain data (`review_items`: the items, and the pure rules it applies — `entered`,
`concentration`, `order_moved`, `slow_trend`, `calibration_problem`, `last_in_zone`, `drift_days`), in named steps
over one `ReviewInput`: what_moved, trend_charts, what_we_did, did_it_move, slow_trends, calibrate, muted.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.actions import statuses, workdays
from bot.actions.clicks import current_changes
from bot.actions.mutes import MuteLine
from bot.actions.statuses import DONE, OPEN_STATUSES
from bot.actions.workdays import WorkingDays
from bot.annotations import holidays
from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics import zone_names
from bot.metrics.catalogue import CATALOGUE, MetricDef
from bot.metrics.readings import Reading, latest_computed_day, trigger_reading
from bot.metrics.zone_names import ACT_NOW, HEALTHY
from bot.rituals import action_ids, charts, store, windows, words
from bot.rituals.review_items import (  # the items and rules are read as review.X too (tests, templates' callers)
    BAD, ActionLine, Calibration, Moved, Needle, SlowTrend, WeeklyReview, calibration_problem,
    concentration, drift_days, entered, last_in_zone, order_moved, slow_trend, weekly_scores, worst_segment,
)
from bot.rituals.states import state_message
from bot.rituals.units import fmt
from bot.rituals.verdict import action_verdicts
from bot.storage.reference import display_name, segment_names
from bot.trackers.review import review_issues

CATEGORY_LABEL = {"business_impact": "Business impact", "experience": "Experience", "operational": "Operational"}
CHART_DAYS = 84  # 12 weeks
MAX_MOVED = 8
MAX_CHARTS = 5
NEEDLE_DAYS = 56  # "Did it move the needle" judges the actions done in the last eight weeks


def _local_day(at: datetime, tz: Any) -> date:
    return at.astimezone(tz).date() if at.tzinfo else at.date()


# ---------- gathering ----------

def _metric(key: str) -> MetricDef | None:
    return CATALOGUE.get(key)


@dataclass(frozen=True)
class ReviewInput:
    """The one input every step of `gather` reads: the week, "now", and the rows read once for all steps."""
    session: Session
    settings: Settings
    today: date  # the local date of the review
    week_start: date
    week_end: date  # yesterday
    as_of: date | None  # "now": the day `/metrics` reads (the latest computed day with overall rows)
    by_metric: dict[str, list[Reading]]  # overall rows, CHART_DAYS up to week_end, oldest first, per metric
    latest_segments: list[Reading]  # every segment's row on `as_of`
    fired: list[Any]  # the triggers fired this week (TriggerRow)
    now_counts: dict[str, int] | None  # every metric's zone on `as_of`, counted as `/metrics` counts them
    # Every segment's row of each fired segment trigger's (day, metric, dimension): where it concentrates.
    fired_segments: dict[tuple[date, str, str], list[Reading]]

    @property
    def workspace_id(self) -> str:
        return self.settings.workspace_id

    @property
    def currency(self) -> str | None:
        return self.settings.file.metrics.currency

    def name(self, dimension: str, segment: str | None) -> str:
        return display_name(self.session, workspace_id=self.workspace_id, dimension=dimension, value=segment)


def review_input(session: Session, *, settings: Settings, today: date) -> ReviewInput:
    workspace_id = settings.workspace_id
    week_end = today - timedelta(days=1)
    week_start = today - timedelta(days=7)
    as_of = latest_computed_day(session, workspace_id=workspace_id, on_or_before=week_end)
    overall = store.daily(session, workspace_id=workspace_id, start=today - timedelta(days=CHART_DAYS), end=week_end)
    by_metric: dict[str, list[Reading]] = defaultdict(list)
    for d in overall:
        by_metric[d.metric].append(d)
    now_counts = zone_names.counts(d.zone for d in overall if d.day == as_of) if as_of else None
    fired = [t for t in store.triggers(session, workspace_id=workspace_id, fired_since=week_start)
             if t.fired_on <= week_end]
    latest_segments = store.daily(session, workspace_id=workspace_id, start=as_of, end=as_of,
                                  dimension=None) if as_of else []
    fired_segments = store.segment_days(session, workspace_id=workspace_id, keys=(
        (t.fired_on, t.metric, t.dimension) for t in fired if t.dimension and _metric(t.metric) is not None))
    return ReviewInput(session, settings, today, week_start, week_end, as_of, by_metric, latest_segments, fired,
                       now_counts, fired_segments)


def gather(session: Session, *, settings: Settings, today: date, period: str, with_charts: bool = True) -> WeeklyReview:
    """The review for the week ending yesterday (`today` is the local date of the review)."""
    ctx = review_input(session, settings=settings, today=today)
    moved, series = what_moved(ctx)
    images = trend_charts(ctx, moved, series) if with_charts else []
    all_actions = store.actions(session, workspace_id=ctx.workspace_id)
    return WeeklyReview(period, ctx.week_start, ctx.week_end, ctx.as_of, tuple(moved), what_we_did(ctx, all_actions),
                        did_it_move(ctx, all_actions), slow_trends(ctx),
                        tuple(calibrate(session, settings=settings, today=today)), tuple(images),
                        muted(session, settings=settings, start=ctx.week_start, end=today + timedelta(days=1)),
                        now_counts=ctx.now_counts, issues=review_issues(session, settings, today))


# 1. What moved

Series = dict[tuple[str, str, str], list[Reading]]  # (metric, dimension, segment) → its days, for the charts


def what_moved(ctx: ReviewInput) -> tuple[list[Moved], Series]:
    """Metrics that entered watch or act-now this week, then this week's segment triggers whose overall metric is
    not already listed; ordered (`order_moved`) and capped at MAX_MOVED."""
    moved: list[Moved] = []
    series: Series = {}
    for key, days in ctx.by_metric.items():
        item = _moved_overall(ctx, key, days)
        if item is not None:
            moved.append(item)
            series[(key, "", "")] = days
    listed = {m.metric for m in moved}
    fired = [t for t in ctx.fired if _metric(t.metric) is not None and t.metric not in listed and t.dimension]
    days = store.daily_series(ctx.session, workspace_id=ctx.workspace_id, start=ctx.today - timedelta(days=CHART_DAYS),
                              end=ctx.week_end, series=((t.metric, t.dimension, t.segment) for t in fired))
    for trig in fired:
        item, seg_days = _moved_segment(ctx, trig, days[(trig.metric, trig.dimension, trig.segment)])
        moved.append(item)
        series[(trig.metric, trig.dimension, trig.segment)] = seg_days
    return order_moved(moved)[:MAX_MOVED], series


def _said_now(ctx: ReviewInput, days: Sequence[Reading]) -> words.Said | None:
    """The series' figure on `as_of`, as `/metrics` says it (None when it has no row that day)."""
    up_to = [d for d in days if d.day <= ctx.as_of] if ctx.as_of else []
    if not up_to or up_to[-1].day != ctx.as_of:
        return None
    last = up_to[-1]
    name = ctx.name(last.dimension, last.segment) if last.dimension else None
    return words.said(last, today=ctx.today, name=name, currency=ctx.currency,
                      drift_days=drift_days(up_to))


def _said_trigger(ctx: ReviewInput, trig: Any) -> words.Said:
    return words.said(trigger_reading(trig), today=None, name=ctx.name(trig.dimension, trig.segment),
                      currency=ctx.currency)


def _moved_overall(ctx: ReviewInput, key: str, days: list[Reading]) -> Moved | None:
    definition = _metric(key)
    hit = entered(days, ctx.week_start) if definition is not None else None
    if hit is None:
        return None
    zone, in_zone = hit
    last = days[-1]
    now = _said_now(ctx, days)
    concentrated_in = _concentrated_in(ctx, key, definition)
    concentrated = None
    if concentrated_in is not None:
        concentrated = (f"{words.unescaped(concentrated_in.segment)}: {concentrated_in.value} "
                        f"({concentrated_in.window}) against {concentrated_in.expected} usual")
    was = last_in_zone(days, zone, ctx.week_start) if now is not None and now.zone != zone else None
    currency = ctx.currency
    return Moved(key, definition.label, definition.category, zone,
                 now.value if now else fmt(last.value, definition.unit, currency=currency),
                 now.expected if now else fmt(last.expected, definition.unit, currency=currency),
                 concentrated=concentrated, days_in_zone=in_zone,
                 button_value=action_ids.log_action_value(key, "", "", None), now=now,
                 was_on=windows.past_zone_day(was, ctx.today) if was else "", concentrated_in=concentrated_in)


def _concentrated_in(ctx: ReviewInput, key: str, definition: MetricDef) -> words.Said | None:
    """Where it concentrates: the segment a rule fired on this week (the alert's figure and window), else the
    segment holding most of the problem on the data day; either only when it holds clearly more of the problem
    than of the tickets (`concentration`)."""
    count = definition.aggregate == "count"
    trig = min((t for t in ctx.fired if t.metric == key and t.dimension and concentration(
                    ctx.fired_segments[(t.fired_on, key, t.dimension)], t.segment, definition.direction,
                    count=count) is not None),
               key=lambda t: (t.zone != ACT_NOW, t.fired_on, t.id), default=None)
    if trig is not None:
        return _said_trigger(ctx, trig)
    worst = worst_segment(ctx.latest_segments, key, definition.direction, count=count)
    if worst is None:
        return None
    return words.said(worst, today=ctx.today, name=ctx.name(worst.dimension, worst.segment),
                      currency=ctx.currency)


def _moved_segment(ctx: ReviewInput, trig: Any, seg_days: list[Reading]) -> tuple[Moved, list[Reading]]:
    """A segment trigger that fired this week, with its segment's days (for the chart)."""
    definition = _metric(trig.metric)
    last = seg_days[-1] if seg_days else None
    now = _said_now(ctx, seg_days)
    alert = _said_trigger(ctx, trig)
    was = ((last_in_zone(seg_days, trig.zone, ctx.week_start) or trig.fired_on) if now and now.zone != trig.zone
           else None)
    shown = last or trigger_reading(trig)  # no day of its segment stored: the reading it fired on
    currency = ctx.currency
    return Moved(
        trig.metric, definition.label, definition.category, trig.zone,
        now.value if now else fmt(shown.value, definition.unit, currency=currency),
        now.expected if now else fmt(shown.expected, definition.unit, currency=currency),
        dimension=trig.dimension, segment=trig.segment, segment_name=ctx.name(trig.dimension, trig.segment),
        days_in_zone=sum(1 for d in seg_days if d.day >= ctx.week_start and d.zone in BAD),
        trigger_id=trig.id,
        button_value=action_ids.log_action_value(trig.metric, trig.dimension, trig.segment, trig.id),
        now=now, was_on=windows.past_zone_day(was, ctx.today) if was else "", alert=alert,
        alert_day=windows.day(trig.fired_on),
    ), seg_days


def trend_charts(ctx: ReviewInput, moved: Sequence[Moved], series: Series) -> list[charts.ChartImage]:
    """A 12-week chart for each of the first MAX_CHARTS items with two weeks of data or more."""
    images: list[charts.ChartImage] = []
    for item in moved[:MAX_CHARTS]:
        if len(series.get((item.metric, item.dimension, item.segment)) or []) < 14:
            continue
        data = charts.chart_data(ctx.session, workspace_id=ctx.workspace_id, metric=item.metric, end=ctx.week_end,
                                 dimension=item.dimension, segment=item.segment, days=CHART_DAYS,
                                 label=item.title, settings=ctx.settings)
        if data is not None:
            name = f"{item.metric}{'-' + item.segment if item.segment else ''}".replace(" ", "_").lower()
            images.append(charts.trend_chart(data, filename=f"{name}.png"))
    return images


# 2. What we did

def what_we_did(ctx: ReviewInput, all_actions: Sequence[Any]) -> tuple[ActionLine, ...]:
    """Actions still to do, and those closed this week: overdue first, then open, by due date. Their last clicks
    and segment names are read for all of them at once."""
    shown = [a for a in all_actions if a.status in OPEN_STATUSES
             or (a.closed_at is not None and a.closed_at.date() >= ctx.week_start)]
    working = workdays.working_days(ctx.settings, holidays(ctx.session, workspace_id=ctx.workspace_id))
    changes = current_changes(ctx.session, workspace_id=ctx.workspace_id, actions=shown)
    names = segment_names(ctx.session, workspace_id=ctx.workspace_id,
                          pairs=((a.dimension, a.segment) for a in shown))
    lines = [_action_line(ctx, a, changes[a.id], names, working) for a in shown]
    lines.sort(key=lambda l: (not l.overdue, l.status not in OPEN_STATUSES, l.due_on or date.max, l.id))
    return tuple(lines)


def _metric_label(a: Any, names: dict[tuple[str, str], str]) -> str:
    """'Customer satisfaction — billing': the action's metric, and its segment as its source names it."""
    definition = _metric(a.metric)
    label = definition.label if definition else a.metric
    return label + (f" — {names.get((a.dimension, a.segment), a.segment)}" if a.segment else "")


def _action_line(ctx: ReviewInput, a: Any, change: Any, names: dict[tuple[str, str], str],
                 working: WorkingDays) -> ActionLine:
    tz = ctx.settings.timezone
    return ActionLine(a.id, a.description, a.owner, a.due_on, a.status,
                      workdays.is_overdue(a.due_on, a.status, ctx.today, working, snoozed_until=a.snoozed_until),
                      _metric_label(a, names), str(a.id),
                      state_message(change, tz=tz).blocks[0] if change else None,
                      # a carry from an earlier week leaves Carry on: it can be carried again
                      change.kind if change and _local_day(change.at, tz) >= ctx.today else "")


# 3. Did it move the needle

def did_it_move(ctx: ReviewInput, all_actions: Sequence[Any]) -> tuple[Needle, ...]:
    """The verdict on each action done in the last NEEDLE_DAYS (all judged from one read of their readings)."""
    since = ctx.today - timedelta(days=NEEDLE_DAYS)
    done = [a for a in all_actions if a.status == DONE and a.closed_at is not None and a.closed_at.date() >= since]
    triggers = {t.id: t for t in store.triggers_by_ids(session=ctx.session, workspace_id=ctx.workspace_id,
                                                       ids={a.trigger_id for a in done if a.trigger_id})}
    names = segment_names(ctx.session, workspace_id=ctx.workspace_id,
                          pairs=((a.dimension, a.segment) for a in done))
    verdicts = action_verdicts(ctx.session, settings=ctx.settings, workspace_id=ctx.workspace_id, actions=done,
                               triggers=triggers, today=ctx.today, names=names)
    return tuple(Needle(a.id, a.description, a.owner, _metric_label(a, names), v.before, v.after, v.label, v.words,
                        v.explanation)
                 for a in done if (v := verdicts[a.id]) is not None)


# 4. When everything is green

def slow_trends(ctx: ReviewInput) -> tuple[SlowTrend, ...]:
    """Healthy metrics whose weekly mean score has been rising towards the watch band (`slow_trend`)."""
    trends = []
    for key, days in ctx.by_metric.items():
        definition = _metric(key)
        if definition is None or not days or days[-1].zone != HEALTHY:
            continue
        weekly = weekly_scores(days, ctx.today)
        if slow_trend(weekly, watch=ctx.settings.file.metrics.watch):
            last, currency = days[-1], ctx.currency
            trends.append(SlowTrend(definition.label, fmt(last.value, definition.unit, currency=currency),
                                    fmt(last.expected, definition.unit, currency=currency), len(weekly),
                                    windows.window(last.day, last.window_days, ctx.today)))
    return tuple(trends)


def muted(session: Session, *, settings: Settings, start: date, end: date) -> tuple[MuteLine, ...]:
    """The mutes that ran on any day in [start, end), in the team's timezone."""
    from bot.actions import mutes
    from bot.metrics.facts import local_midnight_at

    tz = settings.timezone
    ran = mutes.windows(session, workspace_id=settings.workspace_id, ending_after=local_midnight_at(start, tz),
                        starting_before=local_midnight_at(end, tz))
    return tuple(mutes.described(session, workspace_id=settings.workspace_id, windows=ran))


def calibrate(session: Session, *, settings: Settings, today: date, window_days: int = 90) -> list[Calibration]:
    since = today - timedelta(days=window_days)
    rows = store.triggers(session, workspace_id=settings.workspace_id, fired_since=since)
    out = []
    for rule in settings.file.rules:
        mine = [t for t in rows if t.rule == rule.name]
        open_days = sum(((t.recovered_on or today) - max(t.fired_on, since)).days for t in mine)
        problem = calibration_problem([t.fired_on for t in mine], open_days, window_days=window_days)
        if problem:
            definition = _metric(rule.metric)
            out.append(Calibration(rule.name, definition.label if definition else rule.metric, problem))
    return out


# ---------- rendering ----------

def render_review(review: WeeklyReview, *, channel: str) -> tuple[Message, list[Message]]:
    """The parent message and the thread replies (one per agenda item)."""
    context = {"r": review, "ids": action_ids, "statuses": statuses, "channel": channel,
               "cat": CATEGORY_LABEL}
    parent = render("ritual_review", **context)
    replies = [*moved_replies(review, context), render("ritual_review_did", **context),
               render("ritual_review_needle", **context)]
    if review.all_green or review.trends or review.calibration:
        replies.append(render("ritual_review_green", **context))
    return parent, replies


def moved_replies(review: WeeklyReview, context: dict) -> list[Message]:
    """'1. What moved': with two items or more, the heading and the first item, then one message per item,
    so each item's chart is shared right after it (`chart_reply`)."""
    if len(review.moved) <= 1:
        return [render("ritual_review_moved", **context)]
    return [render("ritual_review_moved", **context, items=(m,), first=i == 0) for i, m in enumerate(review.moved)]


def chart_reply(review: WeeklyReview, chart: charts.ChartImage) -> int:
    """The index of the reply (from `render_review`) that shows the chart's item: its chart follows it."""
    if len(review.moved) <= 1:
        return 0
    return next((i for i, m in enumerate(review.moved) if m.title == chart.title), 0)


@dataclass(frozen=True, slots=True)
class Nudge:
    period: str
    named_actions: int


def closing_nudge(session: Session, *, workspace_id: str, review_at: datetime, period: str) -> Nudge | None:
    """A nudge when the review produced no named action with an owner and a follow-up date."""
    created = store.actions_created_since(session, workspace_id=workspace_id, since_at=review_at)
    named = [a for a in created if a.owner and a.due_on is not None]
    return None if named else Nudge(period, 0)


def render_nudge(nudge: Nudge) -> Message:
    return render("ritual_review_nudge", n=nudge)
