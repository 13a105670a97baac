"""Exact order statistics, robust spread and binomial intervals.

Quantiles use linear interpolation between order statistics (numpy's default,
Hyndman & Fan type 7), so a p90 is reproducible with any spreadsheet's
PERCENTILE.INC. Nothing here is approximate (no sketches, no sampling).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MAD_TO_SD = 1.4826  # scales the MAD to a standard deviation under normality


def quantile(values: Sequence[float], q: float) -> float:
    """The exact q-quantile (0 ≤ q ≤ 1) with linear interpolation; NaN when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must be within [0, 1], got {q}")
    xs = sorted(float(v) for v in values)
    if not xs:
        return math.nan
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    frac = pos - lo
    if frac == 0.0:
        return xs[lo]
    return xs[lo] + frac * (xs[lo + 1] - xs[lo])


def median(values: Sequence[float]) -> float:
    return quantile(values, 0.5)


def p90(values: Sequence[float]) -> float:
    return quantile(values, 0.9)


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median (unscaled); NaN when empty."""
    xs = [float(v) for v in values]
    if not xs:
        return math.nan
    m = median(xs)
    return median([abs(x - m) for x in xs])


def robust_sd(values: Sequence[float]) -> float:
    """MAD scaled to a standard deviation (1.4826 × MAD)."""
    return MAD_TO_SD * mad(values)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial share; (0, 1) when n == 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- grouped (vectorised) statistics for rollups -------------------------------------------

def grouped_quantiles(
    keys: np.ndarray, values: np.ndarray, qs: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact per-key quantiles. Returns (unique keys, counts, array[len(qs), n_keys])."""
    keys = np.asarray(keys)
    values = np.asarray(values, dtype=np.float64)
    if keys.size == 0:
        return keys[:0], np.zeros(0, dtype=np.int64), np.zeros((len(qs), 0))
    by_value = np.argsort(values, kind="stable")
    return value_ordered_quantiles(keys[by_value], values[by_value], qs)


def value_ordered_quantiles(
    kv: np.ndarray, vv: np.ndarray, qs: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`grouped_quantiles` of pairs already in stable ascending value order (one value sort can then
    serve several groupings of the same values)."""
    if kv.size == 0:
        return kv[:0], np.zeros(0, dtype=np.int64), np.zeros((len(qs), 0))
    # Stably by key: radix sort when the keys fit 16 bits (days × segments).
    small = 0 <= kv.min() and kv.max() < 32767
    order = np.argsort(kv.astype(np.int16) if small else kv, kind="stable")
    return sorted_group_quantiles(kv[order], vv[order], qs)


def sorted_group_quantiles(
    k: np.ndarray, v: np.ndarray, qs: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`grouped_quantiles` of keys already in groups (ascending) with values ascending (NaN last) in each."""
    if k.size == 0:
        return k[:0], np.zeros(0, dtype=np.int64), np.zeros((len(qs), 0))
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    counts = np.diff(np.r_[starts, k.size])
    out = np.empty((len(qs), starts.size))
    for i, q in enumerate(qs):
        pos = q * (counts - 1)
        lo = np.floor(pos).astype(np.int64)
        frac = pos - lo
        hi = np.minimum(lo + 1, counts - 1)
        a = v[starts + lo]
        b = v[starts + hi]
        out[i] = a + frac * (b - a)
    return k[starts], counts, out


# --- calibrated cut-offs and count noise (issue 12.8: a quiet watch zone) -------------------

def one_sided_tail(z: float) -> float:
    """P(Z ≥ z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """z with P(Z ≤ z) = p (0 < p < 1)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def two_sided_cutoff(z: float) -> float:
    """The cut-off that gives a metric watched on both sides the false-alarm rate per day that `z`
    gives a one-sided one: each side gets half the tail (2 → 2.29, 3.5 → 3.72)."""
    if z <= 0:
        return z
    return normal_quantile(1.0 - one_sided_tail(z) / 2.0)


def poisson_score(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """How surprising a count x is for a Poisson mean mu, in standard deviations (Anscombe's
    variance-stabilising transform: 2·(√(x + 3/8) − √(mu + 3/8))). Close to the exact tail at small
    counts, where (x − mu)/√mu calls a 4 → 8 day a 2-sigma event though it happens 5 % of days."""
    with np.errstate(invalid="ignore"):
        return 2.0 * (np.sqrt(np.maximum(x, 0.0) + 0.375) - np.sqrt(np.maximum(mu, 0.0) + 0.375))


def poisson_edge(mu: np.ndarray | float, z: np.ndarray | float) -> np.ndarray:
    """The count whose `poisson_score` against mu is z (the inverse of `poisson_score`; 0 at the floor)."""
    r = np.sqrt(np.maximum(mu, 0.0) + 0.375) + np.asarray(z) / 2.0
    return np.where(r > 0, np.maximum(r * r - 0.375, 0.0), 0.0)


def poisson_edge_at(mu: float, z: float) -> float:
    """Scalar `poisson_edge` (bands are drawn one day at a time)."""
    r = math.sqrt(max(mu, 0.0) + 0.375) + z / 2.0
    return max(r * r - 0.375, 0.0) if r > 0 else 0.0
