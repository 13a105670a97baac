"""Drift: an EWMA confirmed by a sustained run, or a short run of clearly worse days (tables)."""
import numpy as np
import pytest

from bot.metrics.drift import drifting, short_run, sustained
from bot.metrics.settings import DriftSettings

N = np.nan


@pytest.mark.parametrize(("scores", "expected"), [
    # seven days, all worse, by 1.0 on average and today too → +1 on the seventh day only (earlier runs
    # reach before the start)
    ([1.0] * 7, [0, 0, 0, 0, 0, 0, 1]),
    # today back under one spread: no
    ([1.5] * 6 + [0.8], [0] * 7),
    # one day of seven not worse is allowed…
    ([1.5, 1.5, 1.5, -0.5, 1.5, 1.5, 1.5], [0, 0, 0, 0, 0, 0, 1]),
    # …two are not
    ([1.5, 1.5, -0.1, -0.5, 1.5, 1.5, 1.5], [0] * 7),
    # worse every day but by less than one spread on average: noise that leans, not a drift
    ([0.9] * 7, [0] * 7),
    # a day without a score breaks the run
    ([1.0, 1.0, 1.0, N, 1.0, 1.0, 1.0], [0] * 7),
    # the other side
    ([-1.2] * 7, [0, 0, 0, 0, 0, 0, -1]),
])
def test_sustained_week(scores, expected):
    assert sustained(np.array(scores)).tolist() == expected


@pytest.mark.parametrize(("scores", "expected"), [
    # pooled rates: today and one window earlier (step 7), each worse by one spread
    ([1.0] + [0.0] * 6 + [1.2], [0] * 7 + [1]),
    ([1.0] + [0.0] * 6 + [0.8], [0] * 8),
])
def test_sustained_two_points(scores, expected):
    assert sustained(np.array(scores), step=7, points=2).tolist() == expected


@pytest.mark.parametrize(("scores", "expected"), [
    ([1.3, 2.1, 1.4], [0, 0, 1]),  # each ≥ 1, mean 1.6 ≥ 1.5
    ([1.0, 1.0, 2.4], [0, 0, 0]),  # each ≥ 1 but mean 1.47 < 1.5
    ([0.9, 3.0, 3.0], [0, 0, 0]),  # one day under one spread
    ([-2.0, -1.2, -1.5], [0, 0, -1]),
])
def test_short_run(scores, expected):
    assert short_run(np.array(scores)).tolist() == expected


def test_a_spike_does_not_linger_as_drift():
    # Four days far above (in act now by their own bands, clipped at the watch cut-off here) and then
    # days back to normal: the EWMA stays above its limit for days, but none of those days is itself a
    # spread worse, so none is drifting.
    signed = np.array([0.0] * 10 + [2.0] * 4 + [0.5, 0.8, 0.3, 0.9, 0.6, 0.2, 0.4])
    ew, flag = drifting(signed, DriftSettings(), two_sided=False, eligible=np.ones(signed.size, bool))
    assert ew[14] > 1.0  # the EWMA alone would have called it drift
    assert not flag[14:].any()
    # still a spread worse a week on: that is drifting
    signed[14:] = [1.2, 1.1, 1.3, 1.0, 1.4, 1.2, 1.1]
    _, flag = drifting(signed, DriftSettings(), two_sided=False, eligible=np.ones(signed.size, bool))
    assert flag[15:].all()  # (day 14: the run still holds two ordinary days)


def test_a_slow_creep_is_drift():
    signed = np.array([0.0] * 10 + [0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8])
    ew, flag = drifting(signed, DriftSettings(), two_sided=False, eligible=np.ones(signed.size, bool))
    assert flag[-1] and not flag[:15].any()
