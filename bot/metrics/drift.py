"""Slow drift: an EWMA of the daily score.

A metric that is a little worse every day never crosses a daily band, but its
scores keep the same sign. The EWMA  s_t = λ·z_t + (1 − λ)·s_{t−1}  of the
signed scores accumulates that; above `limit` (default 1.0, three standard
deviations of the EWMA of unit-variance scores at λ = 0.2) the metric is
reported as drifting (zone `watch`). Days without a score (learning,
insufficient data) carry the previous EWMA forward unchanged.
"""
from __future__ import annotations

import numpy as np

from bot.metrics.settings import DriftSettings

SCORE_CLIP = 6.0  # one extreme day must not dominate the drift for weeks


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


def drifting(
    signed: np.ndarray, settings: DriftSettings, *, two_sided: bool, eligible: np.ndarray,
    seed: float | np.ndarray = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(ewma, flag) per day. `eligible` marks days with enough scored history (the caller
    decides: past the learning period by `min_days`); `seed` continues an earlier EWMA."""
    e = ewma(signed, settings.lam, start=seed)
    level = np.abs(e) if two_sided else e
    flag = settings.enabled & (level > settings.limit) & eligible
    return e, flag
