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

`gather` reads storage into plain data; the rules it applies (`entered`, `order_moved`,
`slow_trend`, `calibration_problem`, `is_overdue`, `last_in_zone`, `drift_days`) are pure.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from itertools import pairwise
from statistics import fmean

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.catalogue import CATALOGUE, MetricDef
from bot.rituals import action_ids, charts, store, windows, words
from bot.rituals.units import fmt
from bot.actions import workdays
from bot.actions.clicks import current_changes
from bot.actions.mutes import MuteLine
from bot.actions.statuses import OPEN_STATUSES
from bot.actions.workdays import MON_FRI, WorkingDays
from bot.annotations import holidays
from bot.rituals.verdict import action_verdicts
from bot.slack.outcomes import state_message
from bot.slack.readings import ZONE_EMOJI
from bot.storage.reference import display_name, segment_names

CATEGORY_ORDER = {"business_impact": 0, "experience": 1, "operational": 2}
CATEGORY_LABEL = {"business_impact": "Business impact", "experience": "Experience", "operational": "Operational"}
ZONE_LABEL = {"act_now": "act now", "watch": "watch", "healthy": "healthy", "learning": "learning",
              "insufficient_data": "not enough data"}
BAD = ("watch", "act_now")
# "Concentrated in" a segment only when its share of the problem is at least this many times its share of
# the tickets: a segment holding most tickets (standard accounts) is where most of anything happens.
CONCENTRATION_LIFT = 1.5
MIN_PROBLEM_SHARE = 0.25  # and at least a quarter of the problem: one of twenty agents is not where it concentrates
CHART_DAYS = 84  # 12 weeks
MAX_MOVED = 8
MAX_CHARTS = 5
NEEDLE_DAYS = 56  # "Did it move the needle" judges the actions done in the last eight weeks


@dataclass(frozen=True, slots=True)
class Moved:
    metric: str
    label: str
    category: str
    zone: str
    value: str
    expected: str
    dimension: str = ""
    segment: str = ""
    segment_name: str = ""  # the segment as its source names it today (segment keeps the stored id)
    concentrated: str | None = None  # "billing (product area): 61 % against 88 % expected"
    days_in_zone: int = 0
    trigger_id: int | None = None
    button_value: str = ""
    # The figure as `/metrics` shows it on the review's data day (`now`), and the week's worst zone when
    # it differs ("was act now on Tue 24 Nov, healthy now"); words and the "Why?" line from `words.said`.
    now: words.Said | None = None
    was_on: str = ""  # "on Tue 24 Nov": the last day in the week's worst zone, when `now` is another zone
    alert: words.Said | None = None  # a trigger's reading, as its alert and action card show it
    alert_day: str = ""  # "Fri 20 Nov"
    concentrated_in: words.Said | None = None  # the segment it concentrates in, with that figure's window

    @property
    def zone_label(self) -> str:
        return ZONE_LABEL.get(self.zone, self.zone)

    @property
    def now_label(self) -> str:
        zone = self.now.zone if self.now is not None else self.zone
        return ZONE_LABEL.get(zone, zone)

    @property
    def emoji(self) -> str:
        """Today's zone, as `/metrics` marks it: an item that was act now and is watch now shows watch's circle."""
        return ZONE_EMOJI.get(self.now.zone if self.now is not None else self.zone, ":white_circle:")

    @property
    def is_past(self) -> bool:
        """The week's worst zone is not today's: the item reads "was act now on …, healthy now"."""
        return self.now is not None and self.now.zone != self.zone

    @property
    def title(self) -> str:
        """'Customer satisfaction — high-value accounts' (plain text: templates escape it)."""
        segment = self.segment_name or self.segment
        if segment and self.dimension:
            segment = words.unescaped(words.segment(self.dimension, segment))
        return f"{self.label} — {segment}" if segment else self.label


@dataclass(frozen=True, slots=True)
class ActionLine:
    id: int
    description: str
    owner: str
    due_on: date | None
    status: str
    overdue: bool
    metric_label: str
    button_value: str
    # What its last click left ("Done by <@U…> · Fri 27 Nov"), from the action log, so a redraw of the review keeps
    # it: the slack_action_state block and the kind of change (None while the action is simply open).
    state: dict | None = None
    state_kind: str = ""  # the change's kind when it was made today (the review's day): its row keeps what it left


def _local_day(at: datetime, tz: Any) -> date:
    return at.astimezone(tz).date() if at.tzinfo else at.date()


@dataclass(frozen=True, slots=True)
class Needle:
    action_id: int
    description: str
    owner: str
    metric_label: str
    before: str
    after: str
    verdict: str  # improved | recovered_as_usual | no_change | worse | too_early
    verdict_label: str
    explanation: str


@dataclass(frozen=True, slots=True)
class Calibration:
    rule: str
    metric_label: str
    problem: str  # "never fired in 90 days" | "fired N times in 90 days" | "open N of 90 days"


@dataclass(frozen=True, slots=True)
class SlowTrend:
    label: str
    value: str
    expected: str
    weeks: int
    window: str = ""  # the days `value` covers: "yesterday", "7 days to Sun 22 Nov"


@dataclass(frozen=True)
class WeeklyReview:
    period: str
    week_start: date
    week_end: date
    as_of: date | None  # last day with rollups
    moved: tuple[Moved, ...]
    actions: tuple[ActionLine, ...]
    needle: tuple[Needle, ...]
    trends: tuple[SlowTrend, ...]
    calibration: tuple[Calibration, ...]
    charts: tuple[charts.ChartImage, ...] = field(default=(), repr=False)
    mutes: tuple[MuteLine, ...] = ()  # what was muted during the week (bot.actions.mutes)
    # Every metric's zone on `as_of`, counted as `/metrics` counts them (`store.zone_counts`); None for a
    # review built without storage, which then counts the moved items.
    now_counts: dict[str, int] | None = None

    @property
    def all_green(self) -> bool:
        return not self.moved

    @property
    def week_words(self) -> str:
        """'week of 23 Nov' only for a Monday-Sunday week (as the digest means it); '7 days to Thu 26 Nov' else."""
        if self.week_start.weekday() == 0 and (self.week_end - self.week_start).days == 6:
            return windows.week_of(self.week_start)
        return windows.window(self.week_end, (self.week_end - self.week_start).days + 1)

    @property
    def span_words(self) -> str:
        return windows.span(self.week_start, self.week_end)

    @property
    def as_of_words(self) -> str:
        return windows.day(self.as_of) if self.as_of else ""

    @property
    def counts(self) -> dict[str, int]:
        now = self.now_counts
        return {
            "act_now": now["act_now"] if now is not None else sum(1 for m in self.moved if m.zone == "act_now"),
            "watch": now["watch"] if now is not None else sum(1 for m in self.moved if m.zone == "watch"),
            "open_actions": sum(1 for a in self.actions if a.status in OPEN_STATUSES),
            "overdue": sum(1 for a in self.actions if a.overdue),
            "completed": len(self.needle),
        }


# ---------- pure decisions ----------

def entered(days: Sequence[store.Day], week_start: date) -> tuple[str, int] | None:
    """The worst zone (watch/act_now) a series reached this week, if it was not already there before.

    Returns (zone, days in that zone or worse this week) or None.
    """
    before = [d for d in days if d.day < week_start]
    this_week = [d for d in days if d.day >= week_start]
    bad = [d for d in this_week if d.zone in BAD]
    if not bad:
        return None
    worst = "act_now" if any(d.zone == "act_now" for d in bad) else "watch"
    prior = before[-1].zone if before else None
    if prior == "act_now" or (prior == worst):
        return None
    return worst, sum(1 for d in this_week if d.zone == worst or (worst == "watch" and d.zone == "act_now"))


def concentration(rows: Sequence[store.Day], segment: str, direction: str, *, count: bool = False) -> float | None:
    """Pure: `segment`'s share of the problem among one dimension's `rows` (one day) when it is clearly more than
    its share of the tickets (CONCENTRATION_LIFT times, and at least MIN_PROBLEM_SHARE), else None. A row's problem
    is how far its figure is past its usual on the worse side, times its tickets (for a count, the extra tickets
    themselves). Fewer than two rows: nothing to compare, so 1.0."""
    rows = [r for r in rows if r.value is not None and r.expected is not None]
    mine = next((r for r in rows if r.segment == segment), None)
    if mine is None or len(rows) < 2:
        return 1.0
    sign = {"higher_is_worse": 1.0, "lower_is_worse": -1.0}.get(direction, 1.0 if mine.value >= mine.expected else -1.0)

    def weight(r: store.Day) -> float:  # its tickets (a count row without n: the count itself)
        if r.n:
            return float(r.n)
        return max(float(r.value), 0.0) if count else 0.0

    def problem(r: store.Day) -> float:
        past = max(0.0, sign * (r.value - r.expected))
        return past if count else past * weight(r)

    tickets, total = sum(weight(r) for r in rows), sum(problem(r) for r in rows)
    if tickets <= 0 or total <= 0:
        return None
    share = problem(mine) / total
    return share if share >= max(CONCENTRATION_LIFT * weight(mine) / tickets, MIN_PROBLEM_SHARE) else None


def order_moved(items: Sequence[Moved]) -> list[Moved]:
    return sorted(items, key=lambda m: (0 if m.zone == "act_now" else 1, CATEGORY_ORDER.get(m.category, 9), m.label,
                                        m.segment))


def slow_trend(weekly_scores: Sequence[float], *, watch: float = 2.0) -> bool:
    """Healthy but drifting: the last three weekly mean scores rise and the latest is past half the watch line."""
    if len(weekly_scores) < 3:
        return False
    last = list(weekly_scores[-3:])
    rising = all(b > a for a, b in pairwise(last))
    return rising and watch / 2 <= last[-1] < watch


def calibration_problem(fired_days: Sequence[date], open_days: int, *, window_days: int = 90) -> str | None:
    if not fired_days:
        return f"never fired in {window_days} days"
    if len(fired_days) >= 6:
        return f"fired {len(fired_days)} times in {window_days} days"
    if open_days >= window_days // 2:
        return f"open {open_days} of {window_days} days"
    return None


def is_overdue(due_on: date | None, status: str, today: date, working: WorkingDays = MON_FRI, *,
               snoozed_until: date | None = None) -> bool:
    """Past its due date read as a working day: a Saturday due date is not overdue on Monday."""
    return workdays.is_overdue(due_on, status, today, working, snoozed_until=snoozed_until)


# ---------- gathering ----------

def last_in_zone(days: Sequence[store.Day], zone: str, week_start: date) -> date | None:
    """Pure: the last day this week in `zone` (or worse, for watch)."""
    zones = ("act_now",) if zone == "act_now" else BAD
    return max((d.day for d in days if d.day >= week_start and d.zone in zones), default=None)


def drift_days(days: Sequence[store.Day]) -> int | None:
    """Pure: how many days up to the last one the series has been drifting worse (None when it is not)."""
    count = 0
    for d in reversed(days):
        if not (d.evidence or {}).get("drifting"):
            break
        count += 1
    return count or None


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
    by_metric: dict[str, list[store.Day]]  # overall rows, CHART_DAYS up to week_end, oldest first, per metric
    latest_segments: list[store.Day]  # every segment's row on `as_of`
    fired: list[Any]  # the triggers fired this week (TriggerRow)
    now_counts: dict[str, int] | None  # every metric's zone on `as_of`, counted as `/metrics` counts them

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
    as_of = store.scorecard_day(session, workspace_id=workspace_id, on_or_before=week_end)
    overall = store.daily(session, workspace_id=workspace_id, start=today - timedelta(days=CHART_DAYS), end=week_end)
    by_metric: dict[str, list[store.Day]] = defaultdict(list)
    for d in overall:
        by_metric[d.metric].append(d)
    now_counts = store.zone_counts(d.zone for d in overall if d.day == as_of) if as_of else None
    fired = [t for t in store.triggers(session, workspace_id=workspace_id, fired_since=week_start)
             if t.fired_on <= week_end]
    latest_segments = store.daily(session, workspace_id=workspace_id, start=as_of, end=as_of,
                                  dimension=None) if as_of else []
    return ReviewInput(session, settings, today, week_start, week_end, as_of, by_metric, latest_segments, fired,
                       now_counts)


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
                        now_counts=ctx.now_counts)


# 1. What moved

Series = dict[tuple[str, str, str], list[store.Day]]  # (metric, dimension, segment) → its days, for the charts


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
    for trig in ctx.fired:
        if _metric(trig.metric) is None or trig.metric in listed or not trig.dimension:
            continue
        item, seg_days = _moved_segment(ctx, trig)
        moved.append(item)
        series[(trig.metric, trig.dimension, trig.segment)] = seg_days
    return order_moved(moved)[:MAX_MOVED], series


def _said_now(ctx: ReviewInput, days: Sequence[store.Day]) -> words.Said | None:
    """The series' figure on `as_of`, as `/metrics` says it (None when it has no row that day)."""
    up_to = [d for d in days if d.day <= ctx.as_of] if ctx.as_of else []
    if not up_to or up_to[-1].day != ctx.as_of:
        return None
    last = up_to[-1]
    name = ctx.name(last.dimension, last.segment) if last.dimension else None
    return words.said(store.day_figure(last), today=ctx.today, name=name, currency=ctx.currency,
                      drift_days=drift_days(up_to))


def _said_trigger(ctx: ReviewInput, trig: Any) -> words.Said:
    return words.said(store.trigger_figure(trig), today=None, name=ctx.name(trig.dimension, trig.segment),
                      currency=ctx.currency)


def _moved_overall(ctx: ReviewInput, key: str, days: list[store.Day]) -> Moved | None:
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
                    store.daily(ctx.session, workspace_id=ctx.workspace_id, start=t.fired_on, end=t.fired_on,
                                metric=key, dimension=t.dimension),
                    t.segment, definition.direction, count=count) is not None),
               key=lambda t: (t.zone != "act_now", t.fired_on, t.id), default=None)
    if trig is not None:
        return _said_trigger(ctx, trig)
    worst = _worst_segment(ctx.latest_segments, key, definition.direction, count=count)
    if worst is None:
        return None
    return words.said(store.day_figure(worst), today=ctx.today, name=ctx.name(worst.dimension, worst.segment),
                      currency=ctx.currency)


def _worst_segment(latest: Sequence[store.Day], key: str, direction: str, *, count: bool) -> store.Day | None:
    """Pure: among `key`'s segments in watch or act-now on the data day (in a dimension with two segments or more),
    the one the problem concentrates in most."""
    mine = [s for s in latest if s.metric == key]
    per_dimension = Counter(s.dimension for s in mine)
    shares = {(s.dimension, s.segment): concentration([r for r in mine if r.dimension == s.dimension], s.segment,
                                                      direction, count=count)
              for s in mine if s.dimension and s.score is not None and s.zone in BAD and per_dimension[s.dimension] > 1}
    return max((s for s in mine if shares.get((s.dimension, s.segment)) is not None),
               key=lambda s: (shares[(s.dimension, s.segment)], s.score), default=None)


def _moved_segment(ctx: ReviewInput, trig: Any) -> tuple[Moved, list[store.Day]]:
    """A segment trigger that fired this week, with its segment's days (for the chart)."""
    definition = _metric(trig.metric)
    seg_days = store.daily(ctx.session, workspace_id=ctx.workspace_id, start=ctx.today - timedelta(days=CHART_DAYS),
                           end=ctx.week_end, metric=trig.metric, dimension=trig.dimension, segment=trig.segment)
    last = seg_days[-1] if seg_days else None
    now = _said_now(ctx, seg_days)
    alert = _said_trigger(ctx, trig)
    was = ((last_in_zone(seg_days, trig.zone, ctx.week_start) or trig.fired_on) if now and now.zone != trig.zone
           else None)
    evidence = trig.evidence or {}
    currency = ctx.currency
    return Moved(
        trig.metric, definition.label, definition.category, trig.zone,
        now.value if now else fmt(last.value if last else evidence.get("value"), definition.unit, currency=currency),
        now.expected if now else fmt(last.expected if last else evidence.get("expected"), definition.unit,
                                     currency=currency),
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
                      is_overdue(a.due_on, a.status, ctx.today, working, snoozed_until=a.snoozed_until),
                      _metric_label(a, names), str(a.id),
                      state_message(change, tz=tz).blocks[0] if change else None,
                      # a carry from an earlier week leaves Carry on: it can be carried again
                      change.kind if change and _local_day(change.at, tz) >= ctx.today else "")


# 3. Did it move the needle

def did_it_move(ctx: ReviewInput, all_actions: Sequence[Any]) -> tuple[Needle, ...]:
    """The verdict on each action done in the last NEEDLE_DAYS (all judged from one read of their readings)."""
    since = ctx.today - timedelta(days=NEEDLE_DAYS)
    done = [a for a in all_actions if a.status == "done" and a.closed_at is not None and a.closed_at.date() >= since]
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
        if definition is None or not days or days[-1].zone != "healthy":
            continue
        weekly = weekly_scores(days, ctx.today)
        if slow_trend(weekly, watch=ctx.settings.file.metrics.watch):
            last, currency = days[-1], ctx.currency
            trends.append(SlowTrend(definition.label, fmt(last.value, definition.unit, currency=currency),
                                    fmt(last.expected, definition.unit, currency=currency), len(weekly),
                                    windows.window(last.day, store.day_figure(last).window_days, ctx.today)))
    return tuple(trends)


def weekly_scores(days: Sequence[store.Day], today: date, weeks: int = 8) -> list[float]:
    """Pure: the mean score of each of the last `weeks` weeks before `today` that has scores, oldest first."""
    out = []
    for w in range(weeks, 0, -1):
        start, end = today - timedelta(days=7 * w), today - timedelta(days=7 * (w - 1))
        scores = [d.score for d in days if start <= d.day < end and d.score is not None]
        if scores:
            out.append(fmean(scores))
    return out


def muted(session: Session, *, settings: Settings, start: date, end: date) -> tuple[MuteLine, ...]:
    """The mutes that ran on any day in [start, end), in the team's timezone."""
    from bot.actions import mutes
    from bot.metrics.facts import local_midnight_at

    tz = settings.timezone
    lines = []
    for w in mutes.windows(session, workspace_id=settings.workspace_id, ending_after=local_midnight_at(start, tz),
                           starting_before=local_midnight_at(end, tz)):
        t = w.target
        name = display_name(session, workspace_id=settings.workspace_id, dimension=t.dimension,
                            value=t.segment) if t.dimension else None
        lines.append(mutes.describe(w, segment_name=name))
    return tuple(lines)


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
    context = {"r": review, "ids": action_ids, "channel": channel, "cat": CATEGORY_LABEL}
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
