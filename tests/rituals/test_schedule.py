from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import RitualsConfig
from bot.rituals.schedule import (
    Schedule,
    due,
    is_working_time,
    local_instant,
    next_occurrence,
    period_key,
    previous_occurrence,
)
from bot.rituals.registry import schedules_from_config


def utc(*args):
    return datetime(*args, tzinfo=UTC)


REVIEW_BERLIN = Schedule("weekly_review", "weekly", time(9, 30), "Europe/Berlin", weekday=0)
REVIEW_NY = Schedule("weekly_review", "weekly", time(9, 30), "America/New_York", weekday=0)


@pytest.mark.parametrize(("day", "at", "zone", "expected"), [
    # ordinary winter and summer days
    (date(2026, 1, 12), time(9, 30), "Europe/Berlin", utc(2026, 1, 12, 8, 30)),
    (date(2026, 7, 13), time(9, 30), "Europe/Berlin", utc(2026, 7, 13, 7, 30)),
    # spring gap: 02:30 does not exist on 2026-03-29 in Berlin → 03:30 CEST
    (date(2026, 3, 29), time(2, 30), "Europe/Berlin", utc(2026, 3, 29, 1, 30)),
    # autumn fold: 02:30 happens twice on 2026-10-25 → the first (CEST)
    (date(2026, 10, 25), time(2, 30), "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
    # New York: gap on 2026-03-08, fold on 2026-11-01
    (date(2026, 3, 8), time(2, 30), "America/New_York", utc(2026, 3, 8, 7, 30)),
    (date(2026, 11, 1), time(1, 30), "America/New_York", utc(2026, 11, 1, 5, 30)),
    (date(2026, 3, 9), time(9, 30), "America/New_York", utc(2026, 3, 9, 13, 30)),
    (date(2026, 3, 2), time(9, 30), "America/New_York", utc(2026, 3, 2, 14, 30)),
])
def test_local_instant_is_dst_safe(day, at, zone, expected):
    assert local_instant(day, at, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(("schedule", "now", "period", "at"), [
    # the Monday after Berlin springs forward: still 09:30 local, now 07:30 UTC
    (REVIEW_BERLIN, utc(2026, 3, 30, 8, 0), "2026-W14", utc(2026, 3, 30, 7, 30)),
    (REVIEW_BERLIN, utc(2026, 3, 27, 8, 0), "2026-W13", utc(2026, 3, 23, 8, 30)),
    # the Monday after Berlin falls back: 08:30 UTC again
    (REVIEW_BERLIN, utc(2026, 10, 26, 9, 0), "2026-W44", utc(2026, 10, 26, 8, 30)),
    # New York's change is three weeks earlier than Berlin's
    (REVIEW_NY, utc(2026, 3, 9, 14, 0), "2026-W11", utc(2026, 3, 9, 13, 30)),
    (REVIEW_NY, utc(2026, 11, 2, 15, 0), "2026-W45", utc(2026, 11, 2, 14, 30)),
    # just before the time: last week's occurrence
    (REVIEW_BERLIN, utc(2026, 11, 23, 8, 29), "2026-W47", utc(2026, 11, 16, 8, 30)),
])
def test_previous_occurrence(schedule, now, period, at):
    assert previous_occurrence(schedule, now) == (period, at)


def test_next_occurrence_across_the_year_boundary():
    assert next_occurrence(REVIEW_BERLIN, utc(2026, 12, 28, 9, 0)) == ("2027-W01", utc(2027, 1, 4, 8, 30))


@pytest.mark.parametrize(("cadence", "day", "key"), [
    ("daily", date(2026, 11, 22), "2026-11-22"),
    ("weekly", date(2026, 11, 22), "2026-W47"),
    ("weekly", date(2027, 1, 1), "2026-W53"),
    ("monthly", date(2026, 11, 22), "2026-11"),
    ("quarterly", date(2026, 11, 22), "2026-Q4"),
    ("quarterly", date(2026, 1, 1), "2026-Q1"),
])
def test_period_keys(cadence, day, key):
    assert period_key(cadence, day) == key


@pytest.mark.parametrize(("now", "expected"), [
    (utc(2026, 11, 23, 8, 29), None),  # before time
    (utc(2026, 11, 23, 8, 30), ("2026-W48", False)),  # on time
    (utc(2026, 11, 23, 8, 39), ("2026-W48", False)),  # within the tick tolerance
    (utc(2026, 11, 23, 13, 0), ("2026-W48", True)),  # a worker back within the 6 h grace
    (utc(2026, 11, 23, 14, 31), None),  # grace ran out: skipped, never late the next day
])
def test_due_with_grace(now, expected):
    result = due(REVIEW_BERLIN, now)
    assert (None if result is None else (result.period, result.late)) == expected


def test_grace_zero_still_tolerates_a_late_tick():
    schedule = Schedule("x", "weekly", time(9, 30), "Europe/Berlin", 0, grace=timedelta(0))
    assert due(schedule, utc(2026, 11, 23, 8, 35)) is not None
    assert due(schedule, utc(2026, 11, 23, 8, 45)) is None


def test_monthly_first_weekday_and_quarterly():
    monthly = Schedule("leadership", "monthly", time(9, 0), "Europe/Berlin", weekday=0)
    assert previous_occurrence(monthly, utc(2026, 12, 10)) == ("2026-12", utc(2026, 12, 7, 8, 0))
    quarterly = Schedule("quarterly", "quarterly", time(9, 30), "Europe/Berlin", weekday=0)
    assert previous_occurrence(quarterly, utc(2026, 11, 22)) == ("2026-Q4", utc(2026, 10, 5, 7, 30))


@pytest.mark.parametrize(("now", "zone", "expected"), [
    (utc(2026, 11, 23, 8, 0), "Europe/Berlin", True),  # Monday 09:00 Berlin
    (utc(2026, 11, 23, 8, 0), "America/New_York", False),  # Monday 03:00 New York
    (utc(2026, 11, 23, 14, 0), "America/New_York", True),  # 09:00 New York
    (utc(2026, 11, 23, 17, 0), "Europe/Berlin", False),  # 18:00 Berlin: end is exclusive
    (utc(2026, 11, 21, 10, 0), "Europe/Berlin", False),  # Saturday
    (utc(2026, 11, 23, 0, 30), "Asia/Tokyo", True),  # Monday 09:30 Tokyo, still Sunday in UTC
])
def test_working_time_in_the_owners_zone(now, zone, expected):
    assert is_working_time(now, zone, (time(9), time(18))) is expected


def test_weekend_allowed_when_configured():
    assert is_working_time(utc(2026, 11, 21, 10), "Europe/Berlin", (time(9), time(18)), skip_weekends=False)


def test_schedules_from_config_defaults():
    schedules = schedules_from_config(RitualsConfig(), "Europe/Berlin")
    assert set(schedules) == {"weekly_review", "digest", "account_risk", "reminders", "quarterly"}
    assert schedules["reminders"].cadence == "daily"
    assert schedules["weekly_review"].weekday == 0 and schedules["weekly_review"].timezone == "Europe/Berlin"
