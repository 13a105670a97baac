"""Baselines and zones: hand-computed tables and hypothesis properties."""
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from bot.metrics.baselines import DailySeries
from bot.metrics.catalogue import CATALOGUE, adhoc_metric
from bot.metrics.settings import AbsoluteThreshold, ChangeDay, DriftSettings, ZoneSettings
from bot.metrics.zone_names import RANK
from bot.metrics.zones import evaluate_batch, evaluate_series, format_value

START = date(2024, 1, 1)  # a Monday
FRT = CATALOGUE["first_response_time"]
CSAT = CATALOGUE["csat"]
NO_DRIFT = DriftSettings(enabled=False)


def last(values, metric=FRT, zs=ZoneSettings(), n=50, **kw):
    s = DailySeries.from_values(START, values, [n] * len(values))
    return evaluate_series(s, metric, zs, **kw)[-1]


# 28 days: Mondays 100, other days 130 — weekday medians 100 or 130, residuals 0.
ALT = [100.0 if i % 7 == 0 else 130.0 for i in range(28)]


@pytest.mark.parametrize(("today", "zone", "expected", "score"), [
    # day 28 is a Monday → usual 100 (four Mondays); spread = max(MAD 0, 5 % of 100) = 5
    (100.0, "healthy", 100.0, 0.0),
    (109.0, "healthy", 100.0, 1.8),
    (110.0, "watch", 100.0, 2.0),
    (117.0, "watch", 100.0, 3.4),
    (117.5, "act_now", 100.0, 3.5),
    (80.0, "healthy", 100.0, -4.0),  # faster is never worse
])
def test_level_zone_table(today, zone, expected, score):
    r = last(ALT + [today])
    assert (r.zone, r.expected, r.score) == (zone, expected, pytest.approx(score))
    assert r.bands.watch_above == pytest.approx(110.0)
    assert r.bands.act_now_above == pytest.approx(117.5)
    assert r.bands.watch_below is None
    assert r.same_weekday


def test_robust_spread_from_mad():
    # Four weeks of 90, 100, 100, 110 → every weekday median 100, level 100 (a duration: flat), relative
    # residuals ±0.1 (14 days) and 0 (14 days) → MAD 0.05 → robust SD 1.4826 × 0.05 × 100 = 7.413.
    # Widened for an expected value estimated from 4 same-weekday values and 28 days:
    # × √(1 + (π/2 + 1)/4 + 4·(π/2)/28) = 1.3664 → 10.129.
    vals = [[90.0, 100.0, 100.0, 110.0][i // 7] for i in range(28)]
    r = last(vals + [120.0], zs=ZoneSettings(relative_floor=0.0), drift=NO_DRIFT)
    assert r.expected == 100.0
    assert r.spread == pytest.approx(10.129, abs=1e-3)
    assert (r.zone, round(r.score, 2)) == ("healthy", 1.97)
    r = last(vals + [125.0], zs=ZoneSettings(relative_floor=0.0), drift=NO_DRIFT)
    assert (r.zone, round(r.score, 2)) == ("watch", 2.47)


@pytest.mark.parametrize(("length", "zone"), [(5, "learning"), (21, "learning"), (22, "healthy")])
def test_learning_until_21_days_of_history(length, zone):
    assert last([100.0] * length).zone == zone


def test_insufficient_sample_is_never_a_guess():
    r = last(ALT + [500.0], n=3)
    assert r.zone == "insufficient_data"
    assert "fewer than the 5 needed" in r.explanation


def test_absolute_threshold_overrides_bands_even_while_learning():
    zs = ZoneSettings(absolute=AbsoluteThreshold(act_now_above=4 * 3600))
    r = last([3600.0] * 5 + [5 * 3600.0], zs=zs)
    assert r.zone == "act_now" and r.absolute
    assert "configured act-now limit of 4.0 h" in r.explanation
    assert last(ALT + [100.0], zs=zs).zone == "healthy"


def test_change_days_are_excluded_and_annotated():
    vals = ALT + [100.0]
    vals[14] = 10_000.0  # an outage day in history
    changes = {START + timedelta(days=14): ChangeDay(START + timedelta(days=14), "outage", "incident"),
               START + timedelta(days=28): ChangeDay(START + timedelta(days=28), "release 2.3", "release")}
    s = DailySeries.from_values(START, vals, [50] * 29)
    r = evaluate_series(s, FRT, ZoneSettings(), change_days=changes)[-1]
    assert r.expected == 100.0 and r.zone == "healthy"
    assert r.annotations == ("release: release 2.3",)
    assert "release 2.3" in r.explanation


def test_rates_pool_over_the_window_with_wilson():
    # 40 days of 80/100 satisfied, then 7 days of 60/100.
    num = [80.0] * 40 + [60.0] * 7
    den = [100.0] * 47
    s = DailySeries(START, np.array(num) / 100, np.array(den, dtype=np.int64), np.array(num), np.array(den))
    r = evaluate_series(s, CSAT, ZoneSettings())[-1]
    assert r.value == pytest.approx(0.6) and r.n == 700 and r.expected == pytest.approx(0.8)
    assert r.zone == "act_now"
    lo, hi = r.interval
    assert lo < 0.6 < hi
    assert "over the 7 days to" in r.explanation


def test_rates_below_min_sample_are_insufficient():
    num = [4.0] * 30
    den = [4.0] * 30
    s = DailySeries(START, np.ones(30), np.full(30, 4), np.array(num), np.array(den))
    assert evaluate_series(s, CSAT, ZoneSettings())[-1].zone == "insufficient_data"  # 28 < 30


def test_slow_drift_is_caught():
    # +0.8 % a day: each day stays within the bands, but the scores keep the same sign.
    vals = [1000.0] * 30 + [1000.0 * (1.012 ** i) for i in range(1, 40)]
    s = DailySeries.from_values(START, vals, [50] * len(vals))
    results = evaluate_series(s, FRT, ZoneSettings(watch=6.0, act_now=9.0))
    assert any(r.drifting and r.zone == "watch" for r in results)
    assert all(r.zone in ("healthy", "learning", "watch") for r in results)


def test_both_directions_for_volume():
    vol = CATALOGUE["ticket_volume"]
    assert last(ALT + [40.0], metric=vol).zone == "act_now"
    assert last(ALT + [180.0], metric=vol).zone == "act_now"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (42.0, "seconds", "42 s"), (1800.0, "seconds", "30 min"), (7200.0, "seconds", "2.0 h"),
    (3 * 86400.0, "seconds", "3.0 days"), (0.8421, "share", "84.2 %"), (1234.0, "tickets", "1,234 tickets"),
    (None, "share", "n/a"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


# --- properties --------------------------------------------------------------------------------

series_values = st.lists(st.integers(min_value=1, max_value=10_000), min_size=22, max_size=70)
directions = st.sampled_from(["higher_is_worse", "lower_is_worse", "both"])


@given(value=st.floats(min_value=0.0, max_value=1e9, allow_nan=False), length=st.integers(1, 80), direction=directions)
def test_constant_series_is_always_healthy(value, length, direction):
    s = DailySeries.from_values(START, [value] * length)
    zones = {r.zone for r in evaluate_series(s, adhoc_metric(direction), ZoneSettings())}
    assert zones <= {"healthy", "learning"}


@given(vals=series_values, k=st.integers(-6, 10), direction=directions)
@hsettings(max_examples=60, deadline=None)
def test_scaling_does_not_change_zones(vals, k, direction):
    m = adhoc_metric(direction)
    scale = 2.0 ** k  # exact in binary floating point
    a = evaluate_series(DailySeries.from_values(START, vals), m, ZoneSettings())
    b = evaluate_series(DailySeries.from_values(START, [v * scale for v in vals]), m, ZoneSettings())
    assert [r.zone for r in a] == [r.zone for r in b]


@given(vals=series_values, worse=st.integers(0, 10_000), direction=st.sampled_from(["higher_is_worse", "lower_is_worse"]))
@hsettings(max_examples=80, deadline=None)
def test_a_worse_day_never_improves_the_zone(vals, worse, direction):
    m = adhoc_metric(direction)
    today = vals[-1]
    bad = today + worse if direction == "higher_is_worse" else max(0, today - worse)
    a = evaluate_series(DailySeries.from_values(START, vals), m, ZoneSettings())[-1]
    b = evaluate_series(DailySeries.from_values(START, vals[:-1] + [bad]), m, ZoneSettings())[-1]
    assert RANK[b.zone] >= RANK[a.zone]
    assert (b.score or 0) >= (a.score or 0) - 1e-9


@given(vals=series_values, from_index=st.integers(0, 60))
@hsettings(max_examples=40, deadline=None)
def test_partial_evaluation_matches_full(vals, from_index):
    m = adhoc_metric("higher_is_worse")
    s = DailySeries.from_values(START, vals)
    full = evaluate_series(s, m, ZoneSettings())
    i = min(from_index, len(vals) - 1)
    seed = full[i - 1].drift if i > 0 else 0.0
    part = evaluate_series(s, m, ZoneSettings(), from_index=i, drift_seed=seed)
    assert [(r.zone, r.score) for r in part] == [(r.zone, r.score) for r in full[i:]]


@given(rows=st.lists(series_values, min_size=2, max_size=4), from_index=st.integers(0, 40),
       direction=st.sampled_from(["higher_is_worse", "lower_is_worse", "both"]))
@hsettings(max_examples=30, deadline=None)
def test_batch_matches_one_series_at_a_time(rows, from_index, direction):
    m = adhoc_metric(direction)
    T = min(len(r) for r in rows)
    series = [DailySeries.from_values(START, r[:T]) for r in rows]
    i = min(from_index, T - 1)
    seeds = np.linspace(-0.5, 0.5, len(series))
    batch = evaluate_batch(DailySeries(START, *(np.stack([getattr(s, f) for s in series])
                                                for f in ("values", "n", "numerator", "denominator"))),
                           m, ZoneSettings(), subjects=[None] * len(series), from_index=i, drift_seeds=seeds)
    for s, seed, got in zip(series, seeds, batch):
        one = evaluate_series(s, m, ZoneSettings(), from_index=i, drift_seed=float(seed))
        assert [(r.day, r.zone, r.score, r.expected, r.drift) for r in got] == \
               [(r.day, r.zone, r.score, r.expected, r.drift) for r in one]
