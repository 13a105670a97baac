"""Business-hours durations: table-driven, hand-computed (Mon–Fri 09:00–17:00 Europe/Berlin)."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.metrics.business_hours import BusinessHours, business_seconds
from bot.weekdays import parse_days

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = BusinessHours(holidays=frozenset({date(2024, 12, 25)}))
H = 3600.0


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize(("start", "end", "expected"), [
    (at(2024, 5, 6, 10), at(2024, 5, 6, 12), 2 * H),  # Monday, inside hours
    (at(2024, 5, 6, 7), at(2024, 5, 6, 9, 30), 0.5 * H),  # before opening counts from 09:00
    (at(2024, 5, 6, 16), at(2024, 5, 7, 10), 2 * H),  # overnight: 1 h Monday + 1 h Tuesday
    (at(2024, 5, 10, 16), at(2024, 5, 13, 10), 2 * H),  # Friday to Monday: the weekend is closed
    (at(2024, 5, 11, 10), at(2024, 5, 12, 18), 0.0),  # all weekend
    (at(2024, 5, 6, 9), at(2024, 5, 13, 9), 40 * H),  # one whole week
    (at(2024, 12, 24, 16), at(2024, 12, 26, 10), 2 * H),  # Christmas Day is a holiday
    # DST: Sunday 31 March 2024 clocks go forward; Monday opens at 09:00 local (07:00 UTC)
    (at(2024, 3, 29, 16), at(2024, 4, 1, 10), 2 * H),  # Friday 16–17 + Monday 09–10 (no Easter holidays set)
    (at(2024, 10, 25, 16), at(2024, 10, 28, 10), 2 * H),  # clocks go back on 27 October
    (at(2024, 5, 6, 12), at(2024, 5, 6, 12), 0.0),
])
def test_business_seconds(start, end, expected):
    got = business_seconds(np.array([start]), np.array([end]), HOURS, BERLIN)
    assert got[0] == pytest.approx(expected)


def test_missing_or_reversed_instants_give_nan():
    got = business_seconds(np.array([np.nan, at(2024, 5, 6, 12), at(2024, 5, 6, 10)]),
                           np.array([at(2024, 5, 6, 12), np.nan, at(2024, 5, 6, 9)]), HOURS, BERLIN)
    assert np.isnan(got).all()


def test_vectorised_over_many_pairs_equals_one_by_one():
    rng = np.random.default_rng(3)
    start = at(2024, 1, 1, 0) + rng.uniform(0, 300 * 86400, 500)
    end = start + rng.uniform(0, 20 * 86400, 500)
    together = business_seconds(start, end, HOURS, BERLIN)
    alone = [business_seconds(start[i:i + 1], end[i:i + 1], HOURS, BERLIN)[0] for i in range(500)]
    assert together == pytest.approx(alone)
    assert (together >= 0).all() and (together <= end - start + 1e-6).all()


def test_schedule_validation():
    assert parse_days(["Mon", "tuesday", "fri"]) == frozenset({0, 1, 4})
    with pytest.raises(ValueError, match="unknown weekday 'funday'"):
        parse_days(["funday"])
    with pytest.raises(ValueError, match="close after they open"):
        BusinessHours(opens=time(17), closes=time(9))


def test_an_end_on_a_closed_day_can_be_left_without_a_figure():
    start = np.array([at(2024, 5, 10, 16), at(2024, 5, 10, 16), at(2024, 12, 24, 10)])
    end = np.array([at(2024, 5, 11, 10), at(2024, 5, 13, 10), at(2024, 12, 25, 10)])  # Sat, Mon, a holiday
    assert business_seconds(start, end, HOURS, BERLIN) == pytest.approx([1 * H, 2 * H, 7 * H])
    got = business_seconds(start, end, HOURS, BERLIN, closed_end=False)
    assert np.isnan(got[0]) and got[1] == pytest.approx(2 * H) and np.isnan(got[2])
