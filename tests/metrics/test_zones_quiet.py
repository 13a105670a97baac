"""A quiet watch zone (issue 12.8): calibrated cut-offs, count noise, trend-following baselines, and
a long stationary run that stays out of watch on at least 95 % of its days."""
from datetime import date

import numpy as np
import pytest

from bot.metrics.baselines import DailySeries
from bot.metrics.catalogue import CATALOGUE, adhoc_metric
from bot.metrics.settings import ZoneSettings
from bot.metrics.stats import one_sided_tail, poisson_edge, poisson_edge_at, poisson_score, two_sided_cutoff
from bot.metrics.bands import cutoffs
from bot.metrics.zones import evaluate_series

START = date(2025, 1, 6)  # a Monday
WEEKDAY = np.array([1.15, 1.10, 1.05, 1.0, 0.9, 0.45, 0.35])  # the demo's weekday load
VOLUME = CATALOGUE["ticket_volume"]
BACKLOG = CATALOGUE["backlog"]
FRT = CATALOGUE["first_response_time"]
CSAT = CATALOGUE["csat"]


@pytest.mark.parametrize(("z", "cut"), [(2.0, 2.2776), (3.5, 3.6807), (3.0, 3.2052), (0.0, 0.0)])
def test_two_sided_cutoff_splits_the_tail(z, cut):
    assert two_sided_cutoff(z) == pytest.approx(cut, abs=1e-4)
    if z > 0:
        assert 2 * one_sided_tail(two_sided_cutoff(z)) == pytest.approx(one_sided_tail(z))


@pytest.mark.parametrize(("direction", "watch", "act_now"), [
    ("both", 2.2776, 3.6807), ("higher_is_worse", 2.0, 3.5), ("lower_is_worse", 2.0, 3.5),
])
def test_cutoffs_per_direction(direction, watch, act_now):
    w, a = cutoffs(adhoc_metric(direction), ZoneSettings())
    assert (w, a) == (pytest.approx(watch, abs=1e-4), pytest.approx(act_now, abs=1e-4))


@pytest.mark.parametrize(("x", "mu", "score"), [
    (8, 4, 1.6046),   # exact P(X ≥ 8 | 4) = 5.1 % ≈ z 1.63; (x − mu)/√mu would say 2.0
    (4, 4, 0.0),
    (1, 4, -1.8381),
    (330, 300, 1.6898),  # large counts: close to (x − mu)/√mu = 1.73
])
def test_poisson_score_table(x, mu, score):
    assert poisson_score(np.array([float(x)]), np.array([float(mu)]))[0] == pytest.approx(score, abs=1e-4)


@pytest.mark.parametrize(("mu", "z"), [(4.0, 2.0), (4.0, -1.5), (300.0, 2.2776), (0.5, 3.5)])
def test_poisson_edge_inverts_the_score(mu, z):
    edge = poisson_edge(mu, z)
    assert poisson_edge_at(mu, z) == pytest.approx(float(edge))
    if edge > 0:
        assert poisson_score(np.array([float(edge)]), np.array([mu]))[0] == pytest.approx(z)


def counts(values):
    x = [float(v) for v in values]
    return DailySeries.from_values(START, x, [int(v) for v in x])


def test_small_counts_use_the_poisson_tail():
    # A segment with four tickets every day: eight is a 5 % day under Poisson noise, not a 2-sigma one.
    series = [4.0] * 63
    eight = evaluate_series(counts(series + [8.0]), BACKLOG, ZoneSettings())[-1]
    assert eight.zone == "healthy" and eight.score == pytest.approx(1.6046, abs=1e-3)
    assert eight.bands.watch_above == pytest.approx(float(poisson_edge(4.0, 2.0)))
    twelve = evaluate_series(counts(series + [12.0]), BACKLOG, ZoneSettings())[-1]
    assert twelve.zone == "watch"


def test_volume_watch_band_is_two_sided():
    r = evaluate_series(counts([300.0] * 63 + [300.0]), VOLUME, ZoneSettings())[-1]
    # spread: the Poisson floor √300 = 17.32; watch at 2.2776 spreads each side, or the Poisson edge where
    # that is further: above 340.77 (not 339.45), below 260.55 (the Poisson edge 261.82 is nearer)
    assert r.spread == pytest.approx(np.sqrt(300.0))
    assert r.bands.watch_above == pytest.approx(340.77, abs=0.01)
    assert r.bands.watch_below == pytest.approx(300 - 2.2776 * np.sqrt(300.0), abs=0.01)


def test_a_slow_trend_is_followed_not_flagged():
    # Volume growing 0.3 % a day (≈ 9 % a month) with a weekday pattern: the trend line keeps up with it.
    rng = np.random.default_rng(3)
    days = 182
    x = 300 * np.resize(WEEKDAY, days) * (1 + 0.003 * np.arange(days)) + rng.normal(0, 6, days)
    results = evaluate_series(counts(np.round(x)), VOLUME, ZoneSettings())
    judged = results[91:]
    assert float(np.median([abs(r.value / r.expected - 1) for r in judged])) < 0.02
    assert all(r.zone == "healthy" for r in judged)


def test_a_step_is_caught_and_becomes_the_new_normal():
    rng = np.random.default_rng(5)
    days = 150
    x = 300 * np.resize(WEEKDAY, days) * rng.normal(1, 0.03, days)
    x[120:] *= 1.3
    results = evaluate_series(counts(np.round(x)), VOLUME, ZoneSettings())
    assert all(r.zone in ("watch", "act_now") for r in results[120:125])


# --- long stationary runs: watch (or worse) on fewer than 5 % of days --------------------------

def stationary(kind: str, seed: int, days: int):
    rng = np.random.default_rng(seed)
    load = np.resize(WEEKDAY, days)
    if kind == "volume, Poisson":
        x = rng.poisson(280 * load).astype(float)
        return counts(x), VOLUME
    if kind == "volume, overdispersed":
        return counts(rng.poisson(280 * load * rng.gamma(50, 1 / 50, days))), VOLUME
    if kind == "backlog, small counts":
        return counts(rng.poisson(4 * load)), BACKLOG
    if kind == "level, AR(0.6)":
        e = np.zeros(days)
        w = rng.normal(0, 1, days)
        for i in range(1, days):
            e[i] = 0.6 * e[i - 1] + w[i]
        x = 100 + 8 * e + 20 * (load - 1)
        return DailySeries.from_values(START, list(x), [50] * days), adhoc_metric("higher_is_worse")
    if kind == "median duration":
        n = rng.poisson(200 * load)
        x = [float(np.median(rng.lognormal(np.log(3600), 0.8, max(k, 1)))) for k in n]
        return DailySeries.from_values(START, x, [int(k) for k in n]), FRT
    if kind == "csat, binomial":
        den = rng.poisson(80 * load).astype(float)
        num = rng.binomial(den.astype(int), 0.9).astype(float)
        with np.errstate(invalid="ignore"):
            return DailySeries(START, num / den, den.astype(np.int64), num, den), CSAT
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["volume, Poisson", "volume, overdispersed", "backlog, small counts",
                                  "level, AR(0.6)", "median duration", "csat, binomial"])
def test_a_stationary_series_is_rarely_in_watch(kind):
    shares = []
    for seed in (0, 1, 2):
        series, metric = stationary(kind, seed, 540)
        judged = [r for r in evaluate_series(series, metric, ZoneSettings())
                  if r.zone in ("healthy", "watch", "act_now")]
        assert len(judged) > 400
        shares.append(sum(r.zone != "healthy" for r in judged) / len(judged))
    assert float(np.median(shares)) < 0.05, shares
