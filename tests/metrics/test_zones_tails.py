"""A quiet watch zone, second pass (issue 12.8): a metric read from earlier tickets learns a week longer
(the sample's warm-up), p90 metrics take a spread that covers their heavier tails, and a ratio over the
day's solves (cost per resolution) is noisier on days with few solves."""
from datetime import date

import numpy as np
import pytest

from bot.metrics.baselines import DailySeries, level_baseline, tail_sd
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.settings import ZoneSettings
from bot.metrics.zones import WARM_UP_DAYS, evaluate_series, sample_scaled, warm_up_days

START = date(2025, 1, 6)  # a Monday


@pytest.mark.parametrize(("values", "q", "sd"), [
    ([1.0] * 10, 0.9, 1.0 / 1.6449),                 # the 90 % point of |N(0, σ)| is 1.645 σ
    (list(range(11)), 0.9, 9.0 / 1.6449),            # linear interpolation between order statistics
    ([0.0, 2.0, np.nan, np.nan], 0.5, 1.0 / 0.6745),  # NaN ignored: the median of |N(0, σ)| is 0.6745 σ
    ([np.nan, np.nan], 0.9, np.nan),
])
def test_tail_sd(values, q, sd):
    got = float(tail_sd(np.array([values]), q)[0])
    assert got == pytest.approx(sd, abs=1e-3, nan_ok=True)


@pytest.mark.parametrize(("key", "days"), [
    ("ticket_volume", 0), ("first_response_time", 0), ("first_response_time_p90", 0), ("repeat_contact_rate", 0),
    ("resolution_time", WARM_UP_DAYS), ("resolution_time_p90", WARM_UP_DAYS), ("backlog", WARM_UP_DAYS),
    ("backlog_age", WARM_UP_DAYS), ("csat", WARM_UP_DAYS), ("cost_per_resolution", WARM_UP_DAYS),
    ("tickets_per_agent", WARM_UP_DAYS),
])
def test_warm_up_days_for_metrics_read_from_earlier_tickets(key, days):
    assert warm_up_days(CATALOGUE[key]) == days


@pytest.mark.parametrize(("key", "scaled"), [
    ("cost_per_resolution", True), ("tickets_per_agent", None), ("resolution_time", None), ("backlog", None),
])
def test_count_aware_noise_for_ratios_over_solves(key, scaled):
    assert sample_scaled(CATALOGUE[key]) is scaled


def _series(values, n):
    return DailySeries.from_values(START, [float(v) for v in values], [int(k) for k in n])


def test_solve_day_metrics_learn_a_week_longer():
    rng = np.random.default_rng(1)
    days = 40
    x = 20 * 3600 * (1 + 0.05 * rng.normal(size=days))
    n = [300] * days
    zs = ZoneSettings()
    frt = evaluate_series(_series(x, n), CATALOGUE["first_response_time"], zs)
    res = evaluate_series(_series(x, n), CATALOGUE["resolution_time"], zs)
    first = lambda rs: next(i for i, r in enumerate(rs) if r.zone != "learning")  # noqa: E731
    assert first(frt) == zs.learning_days
    assert first(res) == zs.learning_days + WARM_UP_DAYS
    assert res[first(res) - 1].learning_days == zs.learning_days + WARM_UP_DAYS  # "zones start after 28"


def test_p90_spread_covers_heavier_tails_than_the_mad():
    """Mostly quiet days with a few far ones (a heavy-tailed p90): the MAD sees only the quiet ones."""
    rng = np.random.default_rng(3)
    days = 120
    rel = 0.05 * rng.normal(size=days)
    rel[rng.choice(days, 15, replace=False)] += 0.4  # one day in eight far above
    x = 50 * 3600 * (1 + rel)
    s = _series(x, [300] * days)
    no_tail = level_baseline(s, np.zeros(days, bool), ZoneSettings(), noise="duration")
    tail = level_baseline(s, np.zeros(days, bool), ZoneSettings(), noise="duration", tail_q=0.9)
    last = -1
    assert tail.spread[last] > 2 * no_tail.spread[last]
    assert tail.expected[last] == no_tail.expected[last]
    z_median = evaluate_series(s, CATALOGUE["resolution_time"], ZoneSettings())
    z_p90 = evaluate_series(s, CATALOGUE["resolution_time_p90"], ZoneSettings())
    loud = lambda rs: sum(r.zone in ("watch", "act_now") for r in rs)  # noqa: E731
    assert loud(z_p90) < loud(z_median)


def test_cost_per_resolution_is_wider_on_a_day_with_few_solves():
    rng = np.random.default_rng(5)
    days = 90
    n = rng.poisson(300, days).clip(1)
    n[-1] = 75  # a quarter of the usual solves: the cost per solve is twice as noisy
    x = 3000.0 / n
    s = _series(x, n)
    cost = level_baseline(s, np.zeros(days, bool), ZoneSettings(), noise="ratio", by_sample=True)
    plain = level_baseline(s, np.zeros(days, bool), ZoneSettings(), noise="ratio")
    assert cost.spread[-1] / cost.expected[-1] > 1.8 * cost.spread[-2] / cost.expected[-2]
    assert plain.spread[-1] / plain.expected[-1] == pytest.approx(plain.spread[-2] / plain.expected[-2], rel=0.2)
