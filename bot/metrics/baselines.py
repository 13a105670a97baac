"""Baselines: what a day's value is expected to be, and how much it usually moves.

Levels (counts, durations, ratios, uploaded series): the same-weekday median of
the trailing baseline window (whole weeks, default 13 weeks ≈ 90 days), falling
back to the median of all days when a weekday has too few samples; the spread is
1.4826 × the median absolute residual from those weekday medians (a robust SD).

Rates: pooled over a trailing window (default 7 days) so one quiet day does not
swing them; the baseline is the median of past pooled rates whose windows do not
overlap today's, the spread the larger of their robust SD and the sampling
uncertainty of today's pooled share (half-width of its Wilson interval at z = 1).

Change days (releases, holidays, incidents) and days without a value never enter
a baseline. Everything is vectorised over the whole series: one matrix of lagged
values per series, `nanmedian` along the lag axis. Arrays may carry leading axes
(several series of one metric, judged in one pass); time is always the last axis.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.metrics.settings import ZoneSettings
from bot.metrics.stats import MAD_TO_SD, normal_quantile


@dataclass(frozen=True, slots=True)
class DailySeries:
    """One metric for one segment over consecutive local days (NaN = no value that day).

    A batch of series over the same days has 2-D arrays (series × days)."""

    start: date
    values: np.ndarray
    n: np.ndarray
    numerator: np.ndarray  # NaN where not a rate
    denominator: np.ndarray

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(len(self))]

    def __len__(self) -> int:
        return int(self.values.shape[-1])

    @classmethod
    def from_points(
        cls,
        points: Iterable[tuple[date, float | None, int | None, float | None, float | None]],
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> DailySeries:
        """(day, value, n, numerator, denominator) points → a gap-filled series over [start, end)."""
        pts = sorted(points, key=lambda p: p[0])
        if start is None:
            start = pts[0][0] if pts else date(1970, 1, 1)
        if end is None:
            end = pts[-1][0] + timedelta(days=1) if pts else start
        T = max(0, (end - start).days)
        values = np.full(T, np.nan)
        n = np.zeros(T, np.int64)
        num = np.full(T, np.nan)
        den = np.full(T, np.nan)
        for day, v, k, a, b in pts:
            i = (day - start).days
            if 0 <= i < T:
                values[i] = np.nan if v is None else v
                n[i] = 0 if k is None else k
                num[i] = np.nan if a is None else a
                den[i] = np.nan if b is None else b
        return cls(start, values, n, num, den)

    @classmethod
    def from_values(cls, start: date, values: Sequence[float | None], n: Sequence[int] | None = None) -> DailySeries:
        v = np.array([np.nan if x is None else float(x) for x in values], dtype=np.float64)
        k = np.zeros(v.size, np.int64) if n is None else np.asarray(n, dtype=np.int64)
        return cls(start, v, k, np.full(v.size, np.nan), np.full(v.size, np.nan))


@dataclass(frozen=True, slots=True)
class Baseline:
    """Per-day arrays: the judged value, its expectation and spread, sample size, history length."""

    value: np.ndarray
    expected: np.ndarray
    spread: np.ndarray
    n: np.ndarray
    history: np.ndarray  # usable days of history before each day
    same_weekday: np.ndarray  # bool: expected is a same-weekday median
    interval_low: np.ndarray  # Wilson 95 % interval of a pooled rate (NaN for levels)
    interval_high: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray


def whole_weeks(days: int) -> int:
    return max(7, int(math.ceil(days / 7.0)) * 7)


def _lagged(x: np.ndarray, lags: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """M[..., r, j] = x[..., rows[r] - lags[j]] (NaN before the start)."""
    idx = rows[:, None] - lags[None, :]
    return np.where(idx >= 0, x[..., np.clip(idx, 0, None)], np.nan)


def _history(usable: np.ndarray, from_index: int) -> np.ndarray:
    """Usable days before each day (counted from the series start)."""
    before = np.cumsum(usable, axis=-1) - usable
    return before[..., from_index:].astype(np.int64)


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """Exact median along one axis ignoring NaN (NaN where nothing is left); sort-based, vectorised."""
    a = np.moveaxis(a, axis, -1)
    s = np.sort(a, axis=-1)  # NaN sorts last
    cnt = np.sum(~np.isnan(a), axis=-1)
    lo = np.maximum((cnt - 1) // 2, 0)[..., None]
    hi = np.maximum(cnt // 2, 0)[..., None]
    hi = np.minimum(hi, a.shape[-1] - 1) if a.shape[-1] else hi
    if a.shape[-1] == 0:
        return np.full(a.shape[:-1], np.nan)
    v = (np.take_along_axis(s, lo, -1)[..., 0] + np.take_along_axis(s, hi, -1)[..., 0]) / 2.0
    return np.where(cnt > 0, v, np.nan)


def tail_sd(abs_resid: np.ndarray, q: float) -> np.ndarray:
    """The SD a normal would need for the q-quantile of its |residuals| to be the one observed, along
    the last axis (NaN ignored; NaN where nothing is left)."""
    a = np.sort(abs_resid, axis=-1)  # NaN last
    cnt = np.sum(~np.isnan(abs_resid), axis=-1)
    pos = q * np.maximum(cnt - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
    frac = pos - lo
    if a.shape[-1] == 0:
        return np.full(a.shape[:-1], np.nan)
    v_lo = np.take_along_axis(a, lo[..., None], -1)[..., 0]
    v_hi = np.take_along_axis(a, hi[..., None], -1)[..., 0]
    return np.where(cnt > 0, v_lo + frac * (v_hi - v_lo), np.nan) / normal_quantile(0.5 + q / 2.0)


LOG_FLOOR = 1e-3  # a value under a thousandth of its expectation reads as that (log of 0 is no score)


def log_ratio(value: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """log(value / expected): the residual of a series whose noise is multiplicative and skewed to the
    right. On the linear scale a day 2 spreads above the usual on the log scale reads 2 + 2σ spreads
    (σ the relative spread), so the upper band fires more often than its nominal tail; on the log
    scale both sides are alike. `spread` stays expected × σ (the linear spread near the centre) and
    the bands are expected × exp(±cut-off × σ)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.maximum(value / expected, LOG_FLOOR))


TREND_WEEKS = 6  # weeks of history before a trend is fitted (fewer: a flat level)
MEDIAN_VAR = math.pi / 2  # variance of a sample median ≈ (π/2)·σ²/n under normal noise


def level_baseline(
    series: DailySeries, excluded: np.ndarray, settings: ZoneSettings, *, poisson_floor: bool = False,
    from_index: int = 0, noise: str = "level", by_sample: bool | None = None, tail_q: float | None = None,
    log_residuals: bool = False,
) -> Baseline:
    """Baseline arrays for days [from_index, T) of the series.

    expected = today's level × weekday factor. The weekday factor is the same-weekday median of the
    baseline window over the median of the seven weekday medians (an offset instead of a factor for
    series that are not all positive, such as uploaded ones). The level is the median of the window
    with the weekday pattern taken out, each day moved along a robust trend line (Theil–Sen through
    the weekly medians, from six weeks of history) for counts and levels, so a slow trend (volume
    growing a few % a month) does not read as "above usual" for weeks; durations follow staffing
    rather than growth, and uploaded series are anyone's: both get a flat level, which earlier
    episodes cannot tilt (a line through three weeks of a shift at the end of the window would).

    The spread is the robust SD (scaled MAD) of the residuals against that fit: for positive series
    relative to the expected
    (`noise` "count", "level", "ratio": never below the additive spread), for "duration" also scaled
    by the day's sample size (a median of 80 tickets is noisier than one of 300). It is widened for
    the uncertainty of the expected value itself (few weeks of history → wider bands).
    `by_sample` overrides whether relative residuals are scaled by the sample size (default: durations
    only). `tail_q` (p90 metrics, whose day-to-day tails are heavier than a MAD assumes): the relative
    spread is at least the one whose normal would put that quantile of past |residuals| where it is.
    `log_residuals` (relative spreads only): residuals are `log_ratio`s, for multiplicative noise.
    """
    full = series.values.astype(np.float64)
    usable_full = ~np.isnan(full) & ~excluded
    rows = np.arange(from_index, full.shape[-1])
    B = whole_weeks(settings.baseline_days)
    # [..., day, week, offset]; week 0 is the last seven days, offset 6 = same weekday as the day
    W = _lagged(np.where(usable_full, full, np.nan), np.arange(1, B + 1), rows).reshape(
        *full.shape[:-1], rows.size, B // 7, 7)
    counts, same, factor, offset, relative = _weekday_pattern(W, settings, noise)
    level, slope = _level(W, factor, offset, noise)
    lags = np.arange(1, B + 1, dtype=np.float64).reshape(B // 7, 7)
    expected = level * factor[..., 6] + offset[..., 6]
    fitted = (level[..., None, None] - slope[..., None, None] * lags) * factor[..., None, :] + offset[..., None, :]
    n_scale = None
    if noise == "duration" if by_sample is None else by_sample:  # relative residuals at today's sample size
        n_hist = _lagged(series.n.astype(np.float64), np.arange(1, B + 1), rows).reshape(W.shape)
        n_ref = np.maximum(series.n[..., from_index:].astype(np.float64), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_scale = np.sqrt(np.where(n_hist > 0, n_hist, np.nan) / n_ref[..., None, None])
    spread = _spread(W, fitted, expected, relative, noise, n_scale=n_scale, tail_q=tail_q,
                     log_residuals=log_residuals)
    spread = _widened(spread, np.where(same, counts[..., 6], 0), np.sum(counts, axis=-1), expected, settings,
                      poisson_floor=poisson_floor)
    x = full[..., from_index:]
    nan = np.full(x.shape, np.nan)
    return Baseline(x, expected, spread, series.n[..., from_index:].astype(np.int64),
                    _history(usable_full, from_index), same, nan, nan,
                    series.numerator[..., from_index:], series.denominator[..., from_index:])


def _weekday_pattern(W: np.ndarray, settings: ZoneSettings, noise: str) -> tuple[np.ndarray, ...]:
    """(samples per weekday, same weekday usable, factor, offset, relative) from the lagged window
    W[..., day, week, offset]: the same-weekday medians over the median of the seven."""
    *lead, R, nW, _ = W.shape
    counts = np.sum(~np.isnan(W), axis=-2)  # ... × R × 7
    med_k = _nanmedian(W, axis=-2)  # ... × R × 7
    overall = _nanmedian(W.reshape(*lead, R, nW * 7), axis=-1)
    ok_k = counts >= settings.min_weekday_samples
    same = ok_k[..., 6]
    centre = np.where(ok_k & same[..., None], med_k, overall[..., None])
    mid = _nanmedian(centre, axis=-1)[..., None]
    # Positive series have a multiplicative weekday pattern (Monday 3× Sunday moves 3× as much): factors;
    # others (uploaded series around zero) additive offsets. No weekday pattern: factor 1, offset 0.
    positive = np.all(np.nan_to_num(centre, nan=1.0) > 0, axis=-1)
    relative = (noise in ("count", "level", "ratio", "duration")) & positive
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(relative[..., None], centre / mid, 1.0)
    offset = np.where(relative[..., None], 0.0, centre - mid)
    return counts, same, factor, offset, relative


def _level(W: np.ndarray, factor: np.ndarray, offset: np.ndarray, noise: str) -> tuple[np.ndarray, np.ndarray]:
    """(level read at today, slope per day) of the window with the weekday pattern taken out."""
    *lead, R, nW, _ = W.shape
    D = (W - offset[..., None, :]) / factor[..., None, :]  # weekday pattern taken out
    # The level and its trend: a Theil–Sen line through the weekly medians of the deseasonalised days
    # (the median of the slopes between every two weeks), read at today; a story of a week or two
    # does not tilt it. Durations and uploaded series: flat.
    if noise in ("count", "level", "ratio"):
        weekly = _nanmedian(D, axis=-1)  # ... × R × nW
        weekly = np.where(np.sum(~np.isnan(D), axis=-1) >= 4, weekly, np.nan)
        age = 7.0 * np.arange(nW) + 4.0  # days between today and the middle of each past week
        i, j = np.triu_indices(nW, 1)
        slopes = (weekly[..., i] - weekly[..., j]) / (age[j] - age[i])  # rise per day towards today
        n_weeks = np.sum(~np.isnan(weekly), axis=-1)
    else:
        n_weeks = np.zeros(D.shape[:-2], np.int64)
    trend = (n_weeks >= TREND_WEEKS) & (noise in ("count", "level", "ratio"))
    lags = np.arange(1, nW * 7 + 1, dtype=np.float64).reshape(nW, 7)
    if trend.any():
        slope = np.where(trend, np.nan_to_num(_nanmedian(slopes, axis=-1)), 0.0)
        level = _nanmedian((D + slope[..., None, None] * lags).reshape(*lead, R, nW * 7), axis=-1)  # moved to today
    else:
        slope = np.zeros(D.shape[:-2])
        level = _nanmedian(D.reshape(*lead, R, nW * 7), axis=-1)
    return level, slope


def _spread(W: np.ndarray, fitted: np.ndarray, expected: np.ndarray, relative: np.ndarray, noise: str, *,
            n_scale: np.ndarray | None, tail_q: float | None, log_residuals: bool) -> np.ndarray:
    """The robust SD of the residuals against the fit (see `level_baseline`), before any widening."""
    *lead, R, nW, _ = W.shape
    resid = W - fitted
    # The MAD, not a higher percentile: earlier episodes (a twelve-day staffing gap, three weeks of a
    # level shift) are up to a third of the window and would own any upper percentile, hiding the next.
    sd_rel = sd_abs = np.full(expected.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        if relative.any():
            rel = log_ratio(W, fitted) if log_residuals else resid / fitted
            if n_scale is not None:
                rel = rel * n_scale
            abs_rel = np.abs(rel).reshape(*lead, R, nW * 7)
            sd_rel = MAD_TO_SD * _nanmedian(abs_rel, axis=-1)
            if tail_q is not None:
                sd_rel = np.fmax(sd_rel, tail_sd(abs_rel, tail_q))
        if noise != "duration" or not relative.all():
            sd_abs = MAD_TO_SD * _nanmedian(np.abs(resid).reshape(*lead, R, nW * 7), axis=-1)
    # Relative noise (a Monday with 3× Sunday's tickets moves 3× as much), but for counts and levels never
    # below the additive spread: noise does not always scale (a quiet Sunday can move as many tickets as a
    # Monday). Durations: relative, scaled by the sample size.
    with np.errstate(invalid="ignore"):
        spread = np.where(relative, sd_rel * np.abs(expected), sd_abs)
    if noise in ("count", "level", "ratio"):
        spread = np.fmax(spread, sd_abs)
    return spread


def _widened(spread: np.ndarray, n_k: np.ndarray, n_level: np.ndarray, expected: np.ndarray,
             settings: ZoneSettings, *, poisson_floor: bool) -> np.ndarray:
    """The spread widened for the uncertainty of the expected value, at least its floors, never 0."""
    # Today's value is not among the medians its expected value comes from, the past days were: widen by
    # the variance of a weekday median of n_k values (in and out of sample) and of the level.
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n_k > 0, (MEDIAN_VAR + 1.0) / n_k, 0.0)
        # the level: a median (or a line read at its end) of days that are not independent of each other:
        # about 4× the variance of a median of independent days
        var = var + 4.0 * MEDIAN_VAR / np.maximum(n_level, 1)
    spread = spread * np.sqrt(1.0 + var)
    floor = settings.relative_floor * np.abs(expected)
    if poisson_floor:
        floor = np.maximum(floor, np.sqrt(np.maximum(np.abs(expected), 1.0)))
    spread = np.fmax(np.nan_to_num(spread, nan=0.0), np.nan_to_num(floor, nan=0.0))
    return np.where(spread > 0, spread, 1e-12)


def wilson_arrays(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson interval (NaN where n == 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * np.sqrt(np.maximum(p * (1 - p), 0.0) / n + z2 / (4 * n * n)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    bad = ~(n > 0)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return lo, hi


def rate_baseline(series: DailySeries, excluded: np.ndarray, settings: ZoneSettings, *, from_index: int = 0) -> Baseline:
    """Pooled-rate baseline arrays for days [from_index, T) of the series."""
    num = np.nan_to_num(series.numerator.astype(np.float64), nan=0.0)
    den = np.nan_to_num(series.denominator.astype(np.float64), nan=0.0)
    T = num.shape[-1]
    w = settings.window_days
    zero = np.zeros(num.shape[:-1] + (1,))
    cn = np.concatenate([zero, np.cumsum(num, axis=-1)], axis=-1)
    cd = np.concatenate([zero, np.cumsum(den, axis=-1)], axis=-1)
    lo_idx = np.maximum(np.arange(T) + 1 - w, 0)
    pn = cn[..., 1:] - cn[..., lo_idx]
    pd = cd[..., 1:] - cd[..., lo_idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.where(pd > 0, pn / pd, np.nan)
    # A pooled rate enters baselines only when its window had enough sample and is not a change day.
    min_n = settings.effective_min_sample("rate")
    has_day = den > 0
    usable = has_day & ~excluded
    hist_p = np.where(usable & (pd >= max(min_n, 1)), pooled, np.nan)
    B = whole_weeks(settings.baseline_days)
    rows = np.arange(from_index, T)
    W = _lagged(hist_p, np.arange(w, w + B), rows)
    pooled, pn, pd = pooled[..., from_index:], pn[..., from_index:], pd[..., from_index:]
    expected = _nanmedian(W, axis=-1)
    spread = MAD_TO_SD * _nanmedian(np.abs(W - expected[..., None]), axis=-1)
    # The expected value is a median of past pooled rates that overlap: about one independent value per
    # window. Widen for its own uncertainty (a short history → wider bands).
    independent = np.maximum(np.sum(~np.isnan(W), axis=-1) / max(w, 1), 1.0)
    lo1, hi1 = wilson_arrays(pn, pd, 1.0)
    sampling = (hi1 - lo1) / 2.0
    spread = np.fmax(np.nan_to_num(spread, nan=0.0), np.nan_to_num(sampling, nan=0.0))
    spread = spread * np.sqrt(1.0 + MEDIAN_VAR / independent)
    spread = np.fmax(spread, settings.relative_floor * np.nan_to_num(np.minimum(expected, 1 - expected), nan=0.0))
    spread = np.where(spread > 0, spread, 1e-12)
    lo95, hi95 = wilson_arrays(pn, pd, 1.96)
    return Baseline(pooled, expected, spread, pd.astype(np.int64), _history(usable, from_index),
                    np.zeros(pooled.shape, bool), lo95, hi95, pn, pd)
