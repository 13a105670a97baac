"""Fix → verdict: did a theme's tickets fall once its linked issue was resolved? Judged by the shared engine.

The theme's tickets per local day become readings for `bot.metrics.verdicts.judge`: the expected level is the
median day of the four weeks before the problem window (0 for a theme that is that new), the spread the larger
of those days' robust spread and the Poisson spread √expected, so a day's score says how unusual its count was.
The problem window is the `window` days before the fix day, the after window the same number of days from the
day after; the engine prices in the noise and the theme's own way of coming back (regression to the mean)
exactly as it does for an action, and says `too_early` until the after window is over.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.metrics.stats import robust_sd
from bot.metrics.verdicts import Case, Label, Reading, VerdictSettings, judge
from bot.metrics.zone_names import ACT_NOW, HEALTHY, WATCH
from bot.storage.models import TicketRow

BASELINE_DAYS = 28
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FixVerdict:
    label: Label
    before_per_week: float | None  # tickets a week over the problem window
    after_per_week: float | None  # tickets a week since the fix (the after window)
    days_left: int = 0  # too early: days until the after window is over


def daily_counts(session: Session, *, workspace_id: str, ticket_ids: Iterable[int], tz: ZoneInfo) -> Counter[date]:
    """Tickets per local creation day among `ticket_ids` (row ids), this workspace's only."""
    ids = sorted({int(i) for i in ticket_ids})
    counts: Counter[date] = Counter()
    for start in range(0, len(ids), _CHUNK):
        rows = session.scalars(select(TicketRow.created_at).where(
            TicketRow.workspace_id == workspace_id, TicketRow.id.in_(ids[start:start + _CHUNK])))
        counts.update(at.astimezone(tz).date() for at in rows if isinstance(at, datetime))
    return counts


def readings(daily: Mapping[date, int], *, first: date, last: date, problem_start: date) -> list[Reading]:
    """Every day from `first` to `last` (zero-ticket days included), scored against the level before the problem."""
    base_days = [daily.get(problem_start - timedelta(days=i), 0) for i in range(1, BASELINE_DAYS + 1)
                 if problem_start - timedelta(days=i) >= first]
    expected = float(median(base_days)) if base_days else 0.0
    spread = max(robust_sd([float(c) for c in base_days]) if len(base_days) >= 7 else 0.0,
                 math.sqrt(max(expected, 1.0)))
    out = []
    day = first
    while day <= last:
        count = daily.get(day, 0)
        score = (count - expected) / spread
        out.append(Reading(day, float(count), expected, score, ACT_NOW if score >= 3.5 else
                           WATCH if score >= 2.0 else HEALTHY, count))
        day += timedelta(days=1)
    return out


def fix_verdict(daily: Mapping[date, int], *, fixed_on: date, as_of: date, window: int = 14) -> FixVerdict:
    """The verdict on a theme whose issue was resolved on `fixed_on`, with the data up to `as_of`."""
    problem_start = fixed_on - timedelta(days=window)
    first = min([*daily, problem_start - timedelta(days=BASELINE_DAYS)])
    series = readings(daily, first=first, last=as_of, problem_start=problem_start)
    case = Case(problem_start, fixed_on - timedelta(days=1), fixed_on, as_of)
    verdict = judge(series, case, VerdictSettings(window=window))
    per_week = lambda v: None if v is None else v * 7  # noqa: E731
    return FixVerdict(verdict.label, per_week(verdict.problem_value), per_week(verdict.after_value), verdict.days_left)
