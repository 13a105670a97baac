"""When rituals happen: occurrences in an IANA timezone, period keys, due-with-grace, working hours.

Pure functions over aware datetimes. Wall-clock times are resolved in the
ritual's own zone on the day in question, so "Monday 09:30 Europe/Berlin" stays
09:30 local across DST changes. A wall time that does not exist (the spring
gap) moves forward by the gap (02:30 → 03:30); one that happens twice (the
autumn fold) takes the first instant.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot import weekdays

Cadence = Literal["daily", "weekly", "monthly", "quarterly"]
WEEKDAYS = {key: number for number, key in enumerate(weekdays.KEYS)}  # "mon" → 0
# A ritual whose grace is 0 is still posted when the worker's tick lands a little late.
MIN_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Schedule:
    ritual: str
    cadence: Cadence
    at: time
    timezone: str
    weekday: int | None = None  # weekly: 0 = Monday; monthly/quarterly: the first such weekday of the period
    grace: timedelta = timedelta(hours=6)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Due:
    ritual: str
    period: str
    scheduled_at: datetime  # UTC
    late: bool  # posted after its time (a worker that was down), still within grace


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `day` in `zone` (gap → shifted forward, fold → first)."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    # PEP 495: fold=0 reads a gap time with the offset before the change (so it lands the
    # gap's length later) and an ambiguous time as its first occurrence.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _period_start(cadence: Cadence, day: date) -> date:
    if cadence == "monthly":
        return day.replace(day=1)
    if cadence == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    return day


def _next_period_start(cadence: Cadence, start: date) -> date:
    if cadence == "daily":
        return start + timedelta(days=1)
    if cadence == "weekly":
        return start + timedelta(days=7)
    months = 1 if cadence == "monthly" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def _previous_period_start(cadence: Cadence, start: date) -> date:
    return _period_start(cadence, start - timedelta(days=1))


def _occurrence_day(schedule: Schedule, period_start: date) -> date:
    if schedule.cadence == "daily":
        return period_start
    weekday = schedule.weekday if schedule.weekday is not None else 0
    if schedule.cadence == "weekly":
        return period_start + timedelta(days=weekday)
    # monthly/quarterly: the first `weekday` of the period (or its first day when no weekday is set)
    if schedule.weekday is None:
        return period_start
    return period_start + timedelta(days=(weekday - period_start.weekday()) % 7)


def period_key(cadence: Cadence, day: date) -> str:
    """The period a local date belongs to: 2026-11-22, 2026-W47, 2026-11, 2026-Q4."""
    if cadence == "daily":
        return day.isoformat()
    if cadence == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == "monthly":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def occurrence_in(schedule: Schedule, period_start: date) -> datetime:
    return local_instant(_occurrence_day(schedule, period_start), schedule.at, schedule.zone)


def previous_occurrence(schedule: Schedule, now: datetime) -> tuple[str, datetime]:
    """The latest occurrence at or before `now`: (period key, UTC instant)."""
    local_day = now.astimezone(schedule.zone).date()
    start = _period_start(schedule.cadence, local_day)
    for _ in range(3):
        at = occurrence_in(schedule, start)
        if at <= now:
            return period_key(schedule.cadence, start), at
        start = _previous_period_start(schedule.cadence, start)
    raise AssertionError("unreachable: an earlier period always has an earlier occurrence")


def next_occurrence(schedule: Schedule, now: datetime) -> tuple[str, datetime]:
    """The first occurrence strictly after `now`."""
    local_day = now.astimezone(schedule.zone).date()
    start = _period_start(schedule.cadence, local_day)
    for _ in range(3):
        at = occurrence_in(schedule, start)
        if at > now:
            return period_key(schedule.cadence, start), at
        start = _next_period_start(schedule.cadence, start)
    raise AssertionError("unreachable")


def due(schedule: Schedule, now: datetime) -> Due | None:
    """The occurrence to post now, if its time has come and its grace has not run out."""
    period, at = previous_occurrence(schedule, now)
    late_by = now - at
    if late_by <= max(schedule.grace, MIN_TOLERANCE):
        return Due(schedule.ritual, period, at, late=late_by > MIN_TOLERANCE)
    return None


def is_working_time(now: datetime, timezone: str, hours: tuple[time, time], *, skip_weekends: bool = True) -> bool:
    """True inside [start, end) on a working day, in the person's own timezone."""
    local = now.astimezone(ZoneInfo(timezone))
    if skip_weekends and local.weekday() >= 5:
        return False
    start, end = hours
    return start <= local.time().replace(tzinfo=None) < end


def local_date(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def end_of_working_day(day: date, timezone: str, hours: tuple[time, time]) -> datetime:
    return local_instant(day, hours[1], ZoneInfo(timezone))

