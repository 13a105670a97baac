"""The weekly review's items (what `review.gather` returns and the templates draw) and the pure rules `gather`
applies to stored days: `entered`, `concentration`, `worst_segment`, `order_moved`, `slow_trend`, `weekly_scores`,
`calibration_problem`, `last_in_zone`, `drift_days`. No session here: every rule is tested on plain data."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import fmean

from bot.actions.statuses import OPEN_STATUSES
from bot.actions.mutes import MuteLine
from bot.metrics import zone_names
from bot.metrics.readings import Reading
from bot.metrics.zone_names import ACT_NOW, BAD, WATCH
from bot.rituals import charts, windows, words
from bot.trackers.review import IssueLine

CATEGORY_ORDER = {"business_impact": 0, "experience": 1, "operational": 2}
# "Concentrated in" a segment only when its share of the problem is at least this many times its share of
# the tickets: a segment holding most tickets (standard accounts) is where most of anything happens.
CONCENTRATION_LIFT = 1.5
MIN_PROBLEM_SHARE = 0.25  # and at least a quarter of the problem: one of twenty agents is not where it concentrates


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
        return zone_names.words(self.zone)

    @property
    def now_label(self) -> str:
        zone = self.now.zone if self.now is not None else self.zone
        return zone_names.words(zone)

    @property
    def emoji(self) -> str:
        """Today's zone, as `/metrics` marks it: an item that was act now and is watch now shows watch's circle."""
        return zone_names.emoji(self.now.zone if self.now is not None else self.zone)

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
    # Every metric's zone on `as_of`, counted as `/metrics` counts them (`zone_names.counts`); None for a
    # review built without storage, which then counts the moved items.
    now_counts: dict[str, int] | None = None
    issues: tuple[IssueLine, ...] = ()  # linked Jira/Linear issues (bot/trackers/review.py), under What we did

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
            ACT_NOW: now[ACT_NOW] if now is not None else sum(1 for m in self.moved if m.zone == ACT_NOW),
            WATCH: now[WATCH] if now is not None else sum(1 for m in self.moved if m.zone == WATCH),
            "open_actions": sum(1 for a in self.actions if a.status in OPEN_STATUSES),
            "overdue": sum(1 for a in self.actions if a.overdue),
            "completed": len(self.needle),
        }


# ---------- pure decisions ----------

def entered(days: Sequence[Reading], week_start: date) -> tuple[str, int] | None:
    """The worst zone (watch/act_now) a series reached this week, if it was not already there before.

    Returns (zone, days in that zone or worse this week) or None.
    """
    before = [d for d in days if d.day < week_start]
    this_week = [d for d in days if d.day >= week_start]
    bad = [d for d in this_week if d.zone in BAD]
    if not bad:
        return None
    worst = ACT_NOW if any(d.zone == ACT_NOW for d in bad) else WATCH
    prior = before[-1].zone if before else None
    if prior == ACT_NOW or (prior == worst):
        return None
    return worst, sum(1 for d in this_week if d.zone == worst or (worst == WATCH and d.zone == ACT_NOW))


def concentration(rows: Sequence[Reading], segment: str, direction: str, *, count: bool = False) -> float | None:
    """Pure: `segment`'s share of the problem among one dimension's `rows` (one day) when it is clearly more than
    its share of the tickets (CONCENTRATION_LIFT times, and at least MIN_PROBLEM_SHARE), else None. A row's problem
    is how far its figure is past its usual on the worse side, times its tickets (for a count, the extra tickets
    themselves). Fewer than two rows: nothing to compare, so 1.0."""
    rows = [r for r in rows if r.value is not None and r.expected is not None]
    mine = next((r for r in rows if r.segment == segment), None)
    if mine is None or len(rows) < 2:
        return 1.0
    sign = {"higher_is_worse": 1.0, "lower_is_worse": -1.0}.get(direction, 1.0 if mine.value >= mine.expected else -1.0)

    def weight(r: Reading) -> float:  # its tickets (a count row without n: the count itself)
        if r.n:
            return float(r.n)
        return max(float(r.value), 0.0) if count else 0.0

    def problem(r: Reading) -> float:
        past = max(0.0, sign * (r.value - r.expected))
        return past if count else past * weight(r)

    tickets, total = sum(weight(r) for r in rows), sum(problem(r) for r in rows)
    if tickets <= 0 or total <= 0:
        return None
    share = problem(mine) / total
    return share if share >= max(CONCENTRATION_LIFT * weight(mine) / tickets, MIN_PROBLEM_SHARE) else None


def order_moved(items: Sequence[Moved]) -> list[Moved]:
    return sorted(items, key=lambda m: (0 if m.zone == ACT_NOW else 1, CATEGORY_ORDER.get(m.category, 9), m.label,
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



def last_in_zone(days: Sequence[Reading], zone: str, week_start: date) -> date | None:
    """Pure: the last day this week in `zone` (or worse, for watch)."""
    zones = (ACT_NOW,) if zone == ACT_NOW else BAD
    return max((d.day for d in days if d.day >= week_start and d.zone in zones), default=None)


def drift_days(days: Sequence[Reading]) -> int | None:
    """Pure: how many days up to the last one the series has been drifting worse (None when it is not)."""
    count = 0
    for d in reversed(days):
        if not (d.evidence or {}).get("drifting"):
            break
        count += 1
    return count or None


def worst_segment(latest: Sequence[Reading], key: str, direction: str, *, count: bool) -> Reading | None:
    """Pure: among `key`'s segments in watch or act-now on the data day (in a dimension with two segments or more),
    the one the problem concentrates in most."""
    mine = [s for s in latest if s.metric == key]
    per_dimension = Counter(s.dimension for s in mine)
    shares = {(s.dimension, s.segment): concentration([r for r in mine if r.dimension == s.dimension], s.segment,
                                                      direction, count=count)
              for s in mine if s.dimension and s.score is not None and s.zone in BAD and per_dimension[s.dimension] > 1}
    return max((s for s in mine if shares.get((s.dimension, s.segment)) is not None),
               key=lambda s: (shares[(s.dimension, s.segment)], s.score), default=None)


def weekly_scores(days: Sequence[Reading], today: date, weeks: int = 8) -> list[float]:
    """Pure: the mean score of each of the last `weeks` weeks before `today` that has scores, oldest first."""
    out = []
    for w in range(weeks, 0, -1):
        start, end = today - timedelta(days=7 * w), today - timedelta(days=7 * (w - 1))
        scores = [d.score for d in days if start <= d.day < end and d.score is not None]
        if scores:
            out.append(fmean(scores))
    return out
