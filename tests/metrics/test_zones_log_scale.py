"""A quiet watch zone, third pass (issue 12.8): durations read from tickets created before the day
(resolution times of the day's solves, the age of the open backlog) have multiplicative, right-skewed
noise, so they are judged on the log scale; the bands drawn for them say the same as their score."""
from datetime import date

import numpy as np
import pytest

from bot.metrics.bands import bands_for, log_scale
from bot.metrics.baselines import LOG_FLOOR, DailySeries, log_ratio
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.settings import ZoneSettings
from bot.metrics.zones import evaluate_series

START = date(2025, 1, 6)  # a Monday


@pytest.mark.parametrize(("key", "log"), [
    ("resolution_time", True), ("resolution_time_p90", True), ("backlog_age", True),
    ("first_response_time", False), ("first_response_time_p90", False),  # answered the day it came in
    ("ticket_volume", False), ("backlog", False), ("csat", False), ("cost_per_resolution", False),
])
def test_which_metrics_are_read_on_the_log_scale(key, log):
    assert log_scale(CATALOGUE[key]) is log


@pytest.mark.parametrize(("value", "expected", "ratio"), [
    (2.0, 1.0, np.log(2.0)), (0.5, 1.0, -np.log(2.0)), (7.0, 7.0, 0.0),
    (0.0, 5.0, np.log(LOG_FLOOR)),  # nothing that day: a floor, not minus infinity
])
def test_log_ratio(value, expected, ratio):
    assert float(log_ratio(np.array(value), np.array(expected))) == pytest.approx(ratio)


@pytest.mark.parametrize(("key", "watch", "act_now"), [
    ("resolution_time", 4200.0 * np.exp(2 * 300 / 4200), 4200.0 * np.exp(3.5 * 300 / 4200)),
    ("backlog_age", 4200.0 * np.exp(2 * 300 / 4200), 4200.0 * np.exp(3.5 * 300 / 4200)),
    ("first_response_time", 4200.0 + 2 * 300, 4200.0 + 3.5 * 300),
])
def test_bands_follow_the_scale(key, watch, act_now):
    b = bands_for(CATALOGUE[key], 4200.0, 300.0, ZoneSettings())
    assert (b.watch_above, b.act_now_above) == (pytest.approx(watch), pytest.approx(act_now))
    assert b.watch_below is None and b.act_now_below is None


def _noisy(days: int = 70, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 20 * 3600 * np.exp(0.08 * rng.normal(size=days))


@pytest.mark.parametrize("key", ["resolution_time", "backlog_age", "first_response_time"])
def test_the_last_day_k_times_up_and_k_times_down_score_alike(key):
    """On the log scale ×1.3 and ÷1.3 are the same distance from the usual; on the linear one they are not."""
    def last(v):
        return evaluate_series(DailySeries.from_values(START, list(v), [300] * len(v)), CATALOGUE[key],
                               ZoneSettings())[-1]
    x = _noisy()
    usual = last(x).expected  # the last day's value is not in its own baseline
    up, down = x.copy(), x.copy()
    up[-1], down[-1] = usual * 1.3, usual / 1.3
    score = {"up": last(up).score, "down": last(down).score}
    symmetric = score["up"] == pytest.approx(-score["down"])
    assert symmetric is log_scale(CATALOGUE[key])
    assert score["up"] > 2.0


@pytest.mark.parametrize("key", ["resolution_time", "resolution_time_p90", "backlog_age", "first_response_time"])
def test_a_day_is_in_watch_exactly_when_it_is_past_its_watch_band(key):
    x = _noisy(days=120, seed=11)
    x[60:63] *= (1.2, 1.35, 1.6)  # a few days above the usual, some past the band
    results = evaluate_series(DailySeries.from_values(START, list(x), [300] * len(x)), CATALOGUE[key], ZoneSettings())
    judged = [r for r in results if r.zone in ("healthy", "watch", "act_now") and not r.drifting]
    assert len(judged) > 60 and any(r.zone != "healthy" for r in judged)
    for r in judged:
        assert (r.zone != "healthy") is (r.value >= r.bands.watch_above), r
        assert (r.zone == "act_now") is (r.value >= r.bands.act_now_above), r


def test_a_series_of_zero_second_resolutions_is_judged_and_banded_alike_without_log_of_zero():
    """Auto-solved tickets make a median of 0 s: the expectation is 0, where the score reads the linear
    residual; the bands say the same (not none), and no log of 0 or division warning escapes."""
    x = [0.0] * 90
    x[70], x[80] = 3600.0, 600.0
    with np.errstate(all="raise"):
        results = evaluate_series(DailySeries.from_values(START, x, [300] * 90), CATALOGUE["resolution_time"],
                                  ZoneSettings())
    judged = [r for r in results if r.zone in ("healthy", "watch", "act_now")]
    assert [r.value for r in judged if r.zone == "act_now"] == [3600.0, 600.0]
    for r in judged:
        assert r.expected == 0.0 and r.bands.watch_above is not None
        assert (r.zone != "healthy") is (r.value >= r.bands.watch_above), r
