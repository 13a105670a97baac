"""Per theme and week: volume against its recent baseline, and the outcomes of its tickets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from scipy.stats import poisson

from bot.redact import redact

from .models import Example, ThemeDoc, ThemeWeek


@dataclass(frozen=True)
class WeeklySettings:
    weeks: int = 8  # weeks reported, ending with the week that contains `now`
    baseline_weeks: int = 4
    # Notable: the count is this unlikely under Poisson(baseline) (one-sided)…
    max_p_value: float = 0.01
    # …and moved by at least this many tickets, so tiny themes do not flap.
    min_abs_change: int = 5
    examples: int = 3


def week_start(instant: datetime, tz: ZoneInfo) -> date:
    """Monday of the instant's week in the team's timezone."""
    day = instant.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def last_complete_week(day_after: date) -> date:
    """Monday of the last whole Monday–Sunday week before `day_after` (a local date, itself not covered).

    The week a weekly report is about: `signalroom themes` and the product digests both count it,
    so they read the same numbers ("week of 16 Nov" on Friday 27 Nov or Monday 23 Nov).
    """
    return day_after - timedelta(days=day_after.weekday() + 7)


def is_notable(count: int, baseline: float | None, settings: WeeklySettings = WeeklySettings()) -> bool:
    """Whether `count` is outside what Poisson noise around `baseline` explains."""
    if baseline is None or abs(count - baseline) < settings.min_abs_change:
        return False
    rate = max(baseline, 0.5)  # a zero baseline would make any ticket "impossible"
    if count > baseline:
        p_value = poisson.sf(count - 1, rate)  # P(X >= count)
    else:
        p_value = poisson.cdf(count, rate)  # P(X <= count)
    return bool(p_value < settings.max_p_value)


def weekly_series(
    docs: Sequence[ThemeDoc],
    *,
    now: datetime,
    tz: ZoneInfo,
    history_start: date | None = None,
    settings: WeeklySettings = WeeklySettings(),
    doc_weeks: Sequence[date] | None = None,
) -> tuple[ThemeWeek, ...]:
    """`settings.weeks` consecutive weeks for one theme's tickets, oldest first.

    A baseline needs every one of its weeks on or after `history_start` (the first week any
    ticket was seen), so a partly covered past does not read as a zero baseline.
    """
    last = week_start(now, tz)
    starts = [last - timedelta(weeks=i) for i in range(settings.weeks + settings.baseline_weeks - 1, -1, -1)]
    by_week: dict[date, list[ThemeDoc]] = {start: [] for start in starts}
    for doc, start in zip(docs, doc_weeks if doc_weeks is not None else (week_start(d.created_at, tz) for d in docs)):
        if start in by_week:
            by_week[start].append(doc)
    counts = [len(by_week[s]) for s in starts]
    weeks = []
    for index in range(settings.baseline_weeks, len(starts)):
        window = starts[index - settings.baseline_weeks : index]
        covered = history_start is not None and window[0] >= history_start
        baseline = sum(counts[index - settings.baseline_weeks : index]) / settings.baseline_weeks if covered else None
        weeks.append(_week(starts[index], by_week[starts[index]], baseline, settings))
    return tuple(weeks)


def _week(start: date, docs: list[ThemeDoc], baseline: float | None, settings: WeeklySettings) -> ThemeWeek:
    count = len(docs)
    rated = [d.csat for d in docs if d.csat is not None]
    resolutions = [d.resolution for d in docs if d.resolution is not None]
    change = (count / baseline - 1.0) if baseline else None
    direction = "flat" if baseline is None or count == baseline else ("up" if count > baseline else "down")
    newest = sorted(docs, key=lambda d: d.created_at, reverse=True)[: settings.examples]
    return ThemeWeek(
        week_start=start,
        count=count,
        baseline=baseline,
        change=change,
        notable=is_notable(count, baseline, settings),
        direction=direction,
        csat=(sum(rated) / len(rated)) if rated else None,
        rated=len(rated),
        median_resolution=median(resolutions) if resolutions else None,
        escalation_rate=(sum(d.escalated for d in docs) / count) if count else None,
        examples=tuple(Example(d.ticket_id, redact(d.subject)) for d in newest),
    )
