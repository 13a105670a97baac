"""Slow drift: an EWMA of the daily score, confirmed by a sustained run of a real size.

A metric that is a little worse every day never crosses a daily band, but its
scores keep the same sign. The EWMA  s_t = λ·z_t + (1 − λ)·s_{t−1}  of the
signed scores accumulates that; above `limit` (default 1.0, three standard
deviations of the EWMA of unit-variance scores at λ = 0.2) the metric may be
drifting. Days without a score (learning, insufficient data) carry the previous
EWMA forward unchanged.

The EWMA alone is noisy wherever scores are correlated from day to day (a backlog
is a stock, a pooled rate shares six of its seven days with yesterday's, one
spike keeps it up for a week), so drift is reported (zone `watch`) only when the
run confirms it: the last `RUN_DAYS` days' scores are worse on all but one day,
worse by at least `MIN_EFFECT` spreads on average, and today by as much (a day
back to normal after a spike is not drifting). Pooled rates are sampled at
days whose windows do not overlap (today and one window earlier), each worse by
`MIN_EFFECT`.
"""
from __future__ import annotations

import numpy as np

from bot.metrics.settings import DriftSettings

SCORE_CLIP = 6.0  # one extreme day must not dominate the drift for weeks
RUN_DAYS = 7  # a drift is a week of worse days, not a spike
MIN_EFFECT = 1.0  # …worse by at least one spread on average
SHORT_DAYS = 3  # or a short run: three days, each worse by MIN_EFFECT
SHORT_EFFECT = 1.5  # …and by this much on average (iid noise: ~0.3 % of days)
STOCK_EFFECT = 1.5  # a stock (backlog) carries yesterday's excess into today: a week of +1 is one excess


def ewma(scores: np.ndarray, lam: float, *, start: float | np.ndarray = 0.0) -> np.ndarray:
    """EWMA of signed scores along the last axis (NaN = no score that day: the previous value
    carries over); `start` per series when there are leading axes."""
    z = np.clip(scores, -SCORE_CLIP, SCORE_CLIP)
    out = np.empty(z.shape)
    s = np.broadcast_to(np.asarray(start, dtype=np.float64), z.shape[:-1]).copy()
    for i in range(z.shape[-1]):
        zi = z[..., i]
        s = np.where(np.isnan(zi), s, lam * zi + (1.0 - lam) * s)
        out[..., i] = s
    return out


def sustained(signed: np.ndarray, *, step: int = 1, points: int = RUN_DAYS,
              min_effect: float = MIN_EFFECT) -> np.ndarray:
    """Per day: +1 where the scores at that day and `points − 1` earlier days `step` apart are worse
    (positive) on all but one of them and by `min_effect` on average, that day itself by `min_effect`
    (with fewer than five points: every one of them worse by `min_effect`), −1 where the same holds
    for negative scores, else 0.
    Days whose run is not fully scored (or reaches before the start) are 0."""
    T = signed.shape[-1]
    lags = np.arange(points) * step
    idx = np.arange(T)[:, None] - lags[None, :]
    M = np.where(idx >= 0, signed[..., np.clip(idx, 0, None)], np.nan)  # ... × T × points
    scored = np.all(~np.isnan(M), axis=-1)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(np.isnan(M), 0.0, M), axis=-1)
        pos = np.sum(M > 0, axis=-1)
        neg = np.sum(M < 0, axis=-1)
    if points >= 5:  # …and today itself worse by min_effect: a day back to normal is not drifting
        up = scored & (pos >= points - 1) & (mean >= min_effect) & (M[..., 0] >= min_effect)
        down = scored & (neg >= points - 1) & (mean <= -min_effect) & (M[..., 0] <= -min_effect)
    else:
        up = scored & np.all(M >= min_effect, axis=-1)
        down = scored & np.all(M <= -min_effect, axis=-1)
    return up.astype(np.int8) - down.astype(np.int8)


def short_run(signed: np.ndarray, *, days: int = SHORT_DAYS, min_each: float = MIN_EFFECT,
              min_mean: float = SHORT_EFFECT) -> np.ndarray:
    """Per day: +1 where that day and the `days − 1` before it are each worse by `min_each` and by
    `min_mean` on average, −1 for the same below, else 0 (not fully scored: 0)."""
    T = signed.shape[-1]
    idx = np.arange(T)[:, None] - np.arange(days)[None, :]
    M = np.where(idx >= 0, signed[..., np.clip(idx, 0, None)], np.nan)
    scored = np.all(~np.isnan(M), axis=-1)
    with np.errstate(invalid="ignore"):
        mean = np.where(scored, np.nansum(M, axis=-1) / days, 0.0)
        up = scored & np.all(M >= min_each, axis=-1) & (mean >= min_mean)
        down = scored & np.all(M <= -min_each, axis=-1) & (mean <= -min_mean)
    return up.astype(np.int8) - down.astype(np.int8)


def drifting(
    signed: np.ndarray, settings: DriftSettings, *, two_sided: bool, eligible: np.ndarray,
    seed: float | np.ndarray = 0.0, lead: int = 0, step: int = 1, points: int = RUN_DAYS,
    run_scores: np.ndarray | None = None, short_runs: bool = False, min_effect: float = MIN_EFFECT,
) -> tuple[np.ndarray, np.ndarray]:
    """(ewma, flag) per day from index `lead` on (earlier days only feed the run). `eligible` marks
    days with enough scored history (the caller decides: past the learning period by `min_days`);
    `seed` continues an earlier EWMA from the day before index `lead`; `step` and `points` shape the
    confirming run (pooled rates: `step` = the window, two points); `run_scores` are the scores
    the run reads (default `signed`; NaN breaks a run: the caller marks known change days).
    `short_runs`: also report `short_run`s of `signed`, without the EWMA (for series whose days are
    about independent: not stocks such as a backlog, not pooled rates); `min_effect` of the run
    (stocks: `STOCK_EFFECT`)."""
    e = ewma(signed[..., lead:], settings.lam, start=seed)
    run = sustained(signed if run_scores is None else run_scores, step=step, points=points,
                    min_effect=min_effect)[..., lead:]
    up = (e > settings.limit) & (run > 0)
    down = (e < -settings.limit) & (run < 0)
    if short_runs:  # a short run of clearly worse days is evidence enough on its own
        short = short_run(signed)[..., lead:]
        up, down = up | (short > 0), down | (short < 0)
    flag = up | down if two_sided else up
    flag = settings.enabled & flag & eligible
    return e, flag
