"""Zone boundaries in the metric's unit: the cut-offs and the bands drawn from expected and spread.

Cut-offs (default watch 2, act now 3.5 robust deviations) are one-sided tails; a metric judged on
both sides (volume) splits each between them. Counts take the further of the spread's edge and the
Poisson edge (as their score does). Durations read from tickets created before the day (solved that
day, open at its end) have multiplicative noise: their bands are expected × exp(±cut-off × σ), σ the
relative spread. Absolute limits tighten the bands they override. Charts redraw a stored day's bands
with `bands_for`, from its expected and spread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.catalogue import MetricDef
from bot.metrics.settings import ZoneSettings
from bot.metrics.stats import poisson_edge, two_sided_cutoff


@dataclass(frozen=True, slots=True)
class Bands:
    """Zone boundaries in the metric's unit (None where a side does not apply)."""

    watch_above: float | None = None
    act_now_above: float | None = None
    watch_below: float | None = None
    act_now_below: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        return {"watch_above": self.watch_above, "act_now_above": self.act_now_above,
                "watch_below": self.watch_below, "act_now_below": self.act_now_below}


def _f(x: float) -> float | None:
    return None if x != x else float(x)


def log_scale(metric: MetricDef) -> bool:
    """Whether residuals are read on the log scale: durations read from tickets created before the day
    (resolution times of the day's solves, the age of what is open at its end). A day's solves mix
    today's quick tickets with the long tail of earlier days, so their noise is multiplicative and
    skewed to the right. First response stays linear: the first reply mostly comes the day the ticket
    was created, and a median across channels (minutes on chat, hours on email) moves with the mix,
    about as far up as down."""
    return metric.kind == "duration" and metric.attributed_to in ("solved", "end_of_day")


def cutoffs(metric: MetricDef, zs: ZoneSettings) -> tuple[float, float]:
    """(watch, act now) cut-offs in robust deviations. The settings are one-sided tails; a metric
    judged on both sides splits each tail between them, so it is not in watch twice as often."""
    if metric.direction == "both":
        return _two_sided(zs.watch), _two_sided(zs.act_now)
    return zs.watch, zs.act_now


_TWO_SIDED: dict[float, float] = {}


def _two_sided(z: float) -> float:
    if z not in _TWO_SIDED:
        _TWO_SIDED[z] = two_sided_cutoff(z)
    return _TWO_SIDED[z]


def band_arrays(metric: MetricDef, e: np.ndarray, s: np.ndarray, zs: ZoneSettings, *,
                clip: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(watch above, act now above, watch below, act now below) for arrays of expected and spread; NaN
    where a side does not apply or there is no baseline (then only the absolute limits, if any)."""
    e = np.asarray(e, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    d = metric.direction
    w, n = cutoffs(metric, zs)
    nan = np.full(np.broadcast(e, s).shape, np.nan)
    up, down = (e + w * s, e + n * s), (e - w * s, e - n * s)
    if log_scale(metric):  # expected × exp(±cut-off × relative spread), as the score reads it (linear, as
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # the score, where expected <= 0)
            rel = s / e
            up = tuple(np.where(e > 0, e * np.exp(c * rel), lin) for c, lin in zip((w, n), up))
            down = tuple(np.where(e > 0, e * np.exp(-c * rel), lin) for c, lin in zip((w, n), down))
    if d != "lower_is_worse":
        wa, aa = up
        if metric.kind == "count":  # as the score: the further of the spread's edge and the Poisson edge
            wa, aa = np.fmax(wa, poisson_edge(e, w)), np.fmax(aa, poisson_edge(e, n))
        if clip:
            wa, aa = np.minimum(wa, 1.0), np.minimum(aa, 1.0)
    else:
        wa = aa = nan
    if d != "higher_is_worse":
        wb, ab = down
        if metric.kind == "count":
            wb, ab = np.fmin(wb, poisson_edge(e, -w)), np.fmin(ab, poisson_edge(e, -n))
        if clip:
            wb, ab = np.maximum(wb, 0.0), np.maximum(ab, 0.0)
    else:
        wb = ab = nan
    none = np.isnan(e) | np.isnan(s)
    out = [np.where(none, np.nan, x) for x in (wa, aa, wb, ab)]
    a = zs.absolute
    if a is not None:  # absolute limits tighten the bands they override (and stand alone without a baseline)
        limits = (a.watch_above, a.act_now_above, a.watch_below, a.act_now_below)
        tighten = (np.fmin, np.fmin, np.fmax, np.fmax)
        out = [x if y is None else f(x, y) for x, y, f in zip(out, limits, tighten)]
    return out[0], out[1], out[2], out[3]


def _bands(metric: MetricDef, e: float | None, s: float | None, zs: ZoneSettings, *, clip: bool) -> Bands:
    """`band_arrays` for one day."""
    arrays = band_arrays(metric, np.nan if e is None else e, np.nan if s is None else s, zs, clip=clip)
    return Bands(*(_f(float(x)) for x in arrays))


def bands_for(metric: MetricDef, expected: float | None, spread: float | None, settings: ZoneSettings) -> Bands:
    """The zone boundaries of a day from its stored expected and spread (charts redraw past days with it)."""
    return _bands(metric, expected, spread, settings, clip=metric.kind == "rate")
