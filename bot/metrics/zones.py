"""Zones: healthy, watch, act_now, insufficient_data, learning — each with its evidence.

score = (value − expected) / spread, signed so that positive means worse (for
metrics where both directions matter, the absolute deviation); durations read from
tickets created before the day (multiplicative noise) score log(value / expected)
in relative spreads (`bot.metrics.bands.log_scale`). Counts take the
less surprising of that and their Poisson score (Anscombe), so a segment with four
tickets a day is not in watch on every eighth. Cut-offs per metric (default watch
2, act-now 3.5 robust deviations) are one-sided tails: a metric judged on both
sides (volume) splits each tail between them (2 → 2.28, 3.5 → 3.68), so it is not
in watch twice as often. Order of decisions:

1. fewer than `learning_days` days of usable history → `learning`;
2. sample below `min_sample` (pooled for rates) → `insufficient_data` — never a guess;
3. score ≥ act_now → `act_now`, ≥ watch → `watch`, else `healthy`;
4. drift turns `healthy` into `watch`: an EWMA of the score above the drift limit
   confirmed by a sustained run (`bot.metrics.drift`), or three clearly worse days;
5. an explicit absolute threshold raises the zone to at least its level (also while learning).

Known change days are excluded from the baselines of other days and annotated
on their own evidence.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from bot import weekdays
from bot.metrics.bands import Bands, band_arrays, cutoffs, log_scale
from bot.metrics.baselines import Baseline, DailySeries, level_baseline, log_ratio, rate_baseline
from bot.metrics.catalogue import MetricDef
from bot.metrics.drift import RUN_DAYS, STOCK_EFFECT, drifting
from bot.metrics.settings import AbsoluteThreshold, ChangeDay, DriftSettings, ZoneSettings
from bot.metrics.stats import poisson_score
from bot.metrics.zone_names import ACT_NOW, HEALTHY, INSUFFICIENT_DATA, LEARNING, RANK, WATCH


@dataclass(frozen=True, slots=True)
class ZoneResult:
    """A zone and its evidence for one metric on one day."""

    metric: str
    day: date
    zone: str
    value: float | None
    expected: float | None
    spread: float | None
    score: float | None
    n: int
    bands: Bands
    unit: str = ""
    numerator: float | None = None
    denominator: float | None = None
    interval: tuple[float, float] | None = None
    window_days: int = 1
    history_days: int = 0
    same_weekday: bool = False
    drift: float | None = None
    drifting: bool = False
    absolute: bool = False
    absolute_limit: float | None = None
    annotations: tuple[str, ...] = field(default=())
    # context for the explanation sentence (built on demand: most historical days never need it)
    subject: str = ""
    kind: str = "value"
    denominator_label: str = ""
    min_sample: int = 0
    learning_days: int = 21
    baseline_days: int = 90
    currency: str | None = None  # [metrics].currency, for money figures in the explanation

    @property
    def explanation(self) -> str:
        return explain(self)

    def compact(self) -> dict[str, Any]:
        """The numbers only (stored for older days; `to_dict` has everything)."""
        return {"value": self.value, "expected": self.expected, "spread": self.spread, "score": self.score,
                "n": self.n, "drift": self.drift, "annotations": list(self.annotations)}

    def to_dict(self, *, explain: bool = True) -> dict[str, Any]:
        return {
            "metric": self.metric, "day": self.day.isoformat(), "zone": self.zone, "value": self.value,
            "expected": self.expected, "spread": self.spread, "score": self.score, "n": self.n,
            "bands": self.bands.to_dict(), "explanation": self.explanation if explain else None, "unit": self.unit,
            "numerator": self.numerator, "denominator": self.denominator,
            "interval": list(self.interval) if self.interval else None, "window_days": self.window_days,
            "history_days": self.history_days, "same_weekday": self.same_weekday, "drift": self.drift,
            "drifting": self.drifting, "absolute": self.absolute, "annotations": list(self.annotations),
        }


def format_value(value: float | None, unit: str, *, currency: str | None = None) -> str:
    """Human figure: 42 min, 3.1 h, 2.4 days, 84.2 %, 1,234 tickets, 12.40 EUR (`currency`: [metrics].currency)."""
    if value is None or value != value:
        return "n/a"
    if unit == "seconds":
        v = abs(value)
        if v < 90:
            return f"{value:.0f} s"
        if v < 90 * 60:
            return f"{value / 60:.0f} min"
        if v < 48 * 3600:
            return f"{value / 3600:.1f} h"
        return f"{value / 86400:.1f} days"
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "tickets":
        return f"{value:,.0f} tickets"
    if unit == "tickets/agent":
        return f"{value:.1f} tickets/agent"
    if unit == "currency":
        return f"{value:,.2f} {currency}" if currency else f"{value:,.2f}"
    return f"{value:,.4g}"


def evaluate_series(
    series: DailySeries,
    metric: MetricDef,
    settings: ZoneSettings,
    *,
    drift: DriftSettings = DriftSettings(),
    change_days: Mapping[date, ChangeDay] | None = None,
    subject: str | None = None,
    from_index: int = 0,
    drift_seed: float = 0.0,
) -> list[ZoneResult]:
    """Zones with evidence for every day of the series from `from_index` on.

    With `from_index` > 0 only those days are judged (earlier days serve as
    history); `drift_seed` is the EWMA of the score on the day before.
    """
    batch = DailySeries(series.start, *(np.asarray(a)[None, :] for a in
                                        (series.values, series.n, series.numerator, series.denominator)))
    return evaluate_batch(batch, metric, settings, drift=drift, change_days=change_days, subjects=[subject],
                          from_index=from_index, drift_seeds=np.array([drift_seed]))[0]


def evaluate_batch(
    series: DailySeries,
    metric: MetricDef,
    settings: ZoneSettings,
    *,
    drift: DriftSettings = DriftSettings(),
    change_days: Mapping[date, ChangeDay] | None = None,
    subjects: Sequence[str | None],
    from_index: int = 0,
    drift_seeds: np.ndarray | None = None,
    currency: str | None = None,
) -> list[list[ZoneResult]]:
    """`evaluate_series` for a batch: segments of one metric over the same days, arrays series × days.

    One pass of array arithmetic for all of them (a daily run judges ~1,000 series);
    results per series in the order of the rows.
    """
    changes = change_days or {}
    excluded = np.array([d in changes and changes[d].exclude for d in series.days], dtype=bool)
    # The drift run reads the scores of a few days before `from_index`: judge from there, keep from_index on.
    ext = max(0, from_index - max(RUN_DAYS - 1, settings.window_days if metric.kind == "rate" else 0))
    j = _judge(series, metric, settings, drift, excluded, ext=ext, lead=from_index - ext, drift_seeds=drift_seeds)
    judged_days = series.days[from_index:]
    notes = [() if (c := changes.get(day)) is None else (f"{c.kind}: {c.label}",) for day in judged_days]
    return _results(j, metric, settings, judged_days, notes, subjects,
                    currency if metric.unit == "currency" else None)


@dataclass(frozen=True, slots=True)
class _Judged:
    """A batch's arrays (series × judged days) once scored: what `_results` turns into ZoneResults."""

    base: Baseline
    score: np.ndarray
    learning: np.ndarray
    insufficient: np.ndarray
    judged: np.ndarray
    ewma: np.ndarray
    drifting: np.ndarray
    window: int
    min_n: int
    learning_days: int


def _scores(base: Baseline, metric: MetricDef) -> np.ndarray:
    """Deviations from the expected value in spreads (positive: above)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = (base.value - base.expected) / base.spread
        if log_scale(metric):  # multiplicative noise: the residual on the log scale, in relative spreads
            rel = log_ratio(base.value, base.expected) / (base.spread / base.expected)
            dev = np.where(base.expected > 0, rel, dev)
        if metric.kind == "count":  # small counts: the Poisson tail, where it is less surprising than the spread says
            pois = poisson_score(base.value, base.expected)
            dev = np.where(np.abs(pois) < np.abs(dev), pois, dev)
    return dev


def _judge(series: DailySeries, metric: MetricDef, settings: ZoneSettings, drift: DriftSettings,
           excluded: np.ndarray, *, ext: int, lead: int, drift_seeds: np.ndarray | None) -> _Judged:
    """Baseline, scores, learning and drift for days [ext, T); the first `lead` of them only feed the drift run."""
    if metric.kind == "rate":
        base: Baseline = rate_baseline(series, excluded, settings, from_index=ext)
        window = settings.window_days
    else:
        base = level_baseline(series, excluded, settings, poisson_floor=metric.kind == "count",
                              from_index=ext, noise=metric.kind, by_sample=sample_scaled(metric),
                              tail_q=TAIL_Q if metric.aggregate == "p90" else None,
                              log_residuals=log_scale(metric))
        window = 1
    dev = _scores(base, metric)
    signed = -dev if metric.direction == "lower_is_worse" else dev
    min_n = settings.effective_min_sample(metric.kind)
    learning_days = settings.learning_days + warm_up_days(metric)
    learning = base.history < learning_days
    insufficient = (base.n < min_n) | np.isnan(base.value) | np.isnan(base.expected)
    judged = ~learning & ~insufficient
    # Drift watches what the daily bands miss: scores are capped at the watch cut-off, so one
    # severe episode (already alerted by its own bands) does not linger as "drift" afterwards.
    drift_score = np.where(judged, np.clip(signed, -settings.watch, settings.watch), np.nan)
    eligible = (base.history >= learning_days + drift.min_days)[..., lead:]
    seeds = np.zeros(base.value.shape[0]) if drift_seeds is None else np.asarray(drift_seeds, dtype=np.float64)
    # A backlog (end of day) carries yesterday into today; what counts on the solve day shares its
    # tickets' creation days with the days around it; an uploaded series may do anything: short runs
    # only where each day is its own tickets (created, first answered).
    stock = metric.attributed_to == "end_of_day"
    own_days = metric.attributed_to in ("created", "first_response") and metric.kind != "value"
    run = (dict(step=window, points=2) if metric.kind == "rate"
           else dict(short_runs=False, min_effect=STOCK_EFFECT) if stock else dict(short_runs=own_days))
    # Known change days break a run: they are not the metric's own behaviour.
    ew, flag = drifting(drift_score, drift, run_scores=np.where(excluded[ext:], np.nan, drift_score),
                        two_sided=metric.direction == "both", eligible=eligible, seed=seeds, lead=lead, **run)
    if lead:
        base = Baseline(*(getattr(base, f.name)[..., lead:] for f in dataclasses.fields(base)))
        dev, signed, learning, insufficient, judged = (a[..., lead:] for a in (dev, signed, learning, insufficient,
                                                                             judged))
    score = np.abs(dev) if metric.direction == "both" else signed
    return _Judged(base, score, learning, insufficient, judged, ew, flag, window, min_n, learning_days)


def _results(j: _Judged, metric: MetricDef, settings: ZoneSettings, judged_days: list[date],
             notes: list[tuple[str, ...]], subjects: Sequence[str | None], currency: str | None,
             ) -> list[list[ZoneResult]]:
    """ZoneResults per series from the judged arrays."""
    base = j.base
    # Python lists once: per-element numpy scalar access dominates otherwise.
    L = lambda a: [[None if x != x else x for x in row] for row in a.tolist()]  # noqa: E731
    vs, es, ss, scs = L(base.value), L(base.expected), L(base.spread), L(j.score)
    nss, hss, swss = base.n.tolist(), base.history.tolist(), base.same_weekday.tolist()
    numss, denss = L(base.numerator), L(base.denominator)
    ilos, ihis = L(base.interval_low), L(base.interval_high)
    ewss, dfls, lrns, inss, jdgs = (j.ewma.tolist(), j.drifting.tolist(), j.learning.tolist(),
                                    j.insufficient.tolist(), j.judged.tolist())
    bands = [L(x) for x in band_arrays(metric, base.expected, base.spread, settings, clip=metric.kind == "rate")]
    cut_watch, cut_act = cutoffs(metric, settings)
    a = settings.absolute
    batch: list[list[ZoneResult]] = []
    for k in range(len(vs)):
        label = subjects[k] or metric.label
        v_, e_, s_, sc_, n_, h_, sw_ = vs[k], es[k], ss[k], scs[k], nss[k], hss[k], swss[k]
        num_, den_, ilo, ihi = numss[k], denss[k], ilos[k], ihis[k]
        ew_, dfl, lrn, ins, jdg = ewss[k], dfls[k], lrns[k], inss[k], jdgs[k]
        wa_, aa_, wb_, ab_ = (b[k] for b in bands)
        out: list[ZoneResult] = []
        for i, day in enumerate(judged_days):
            v = v_[i]
            sc = sc_[i] if jdg[i] else None
            if lrn[i]:
                zone = LEARNING
            elif ins[i]:
                zone = INSUFFICIENT_DATA
            elif sc is not None and sc >= cut_act:
                zone = ACT_NOW
            elif sc is not None and sc >= cut_watch:
                zone = WATCH
            else:
                zone = HEALTHY
            is_drift = zone == HEALTHY and dfl[i]
            if is_drift:
                zone = WATCH
            absolute, limit = False, None
            if a is not None and v is not None and zone != INSUFFICIENT_DATA:
                zone, absolute, limit = _absolute(a, v, zone)
            out.append(ZoneResult(
                metric.key, day, zone, v, e_[i], s_[i], sc, n_[i], Bands(wa_[i], aa_[i], wb_[i], ab_[i]),
                metric.unit, num_[i], den_[i], None if ilo[i] is None else (ilo[i], ihi[i]), j.window, h_[i],
                sw_[i], ew_[i], is_drift, absolute, limit, notes[i],
                label, metric.kind, metric.denominator, j.min_n, j.learning_days, settings.baseline_days, currency,
            ))
        batch.append(out)
    return batch


def _absolute(a: AbsoluteThreshold, v: float, zone: str) -> tuple[str, bool, float | None]:
    """(zone, raised by an absolute limit?, that limit): an explicit limit raises the zone to at least its level."""
    abs_zone = a.zone_for(v)
    if abs_zone is None or RANK[abs_zone] <= RANK[zone]:
        return zone, False, None
    if abs_zone == ACT_NOW:
        limit = a.act_now_above if a.act_now_above is not None and v > a.act_now_above else a.act_now_below
    else:
        limit = a.watch_above if a.watch_above is not None and v > a.watch_above else a.watch_below
    return abs_zone, True, limit


WARM_UP_DAYS = 7  # a series' first week: nothing was open or solved before its first day
TAIL_Q = 0.9  # p90 metrics: the spread also covers this quantile of past |residuals| (heavier tails)


def warm_up_days(metric: MetricDef) -> int:
    """Extra days of learning for metrics that read tickets created before the day: what is solved that
    day or still open at its end (and ratios over the agents active, who are counted from solves). A
    sample's first days have nothing open or solved from before its start, so the backlog and the
    resolution times build up over the first week; those days are not yet the metric's level."""
    return WARM_UP_DAYS if metric.attributed_to in ("solved", "end_of_day") or metric.kind == "ratio" else 0


def sample_scaled(metric: MetricDef) -> bool | None:
    """Whether the relative spread scales with 1/√n (None: the default of the kind, durations). A ratio over
    the day's solved tickets (cost per resolution: a fixed daily cost ÷ tickets solved) is noisier on a
    day with few solves: count-aware noise."""
    if metric.kind == "ratio" and metric.attributed_to == "solved":
        return True
    return None


def explain(r: ZoneResult) -> str:
    """One sentence that says why the zone is what it is."""
    def fv(value: float | None, unit: str) -> str:
        return format_value(value, unit, currency=r.currency)
    u = r.unit
    label = r.subject or r.metric
    min_n = r.min_sample
    wd = weekdays.NAMES[r.day.weekday()]
    when = f"over the {r.window_days} days to {r.day.isoformat()}" if r.window_days > 1 else f"on {wd} {r.day.isoformat()}"
    usual = f"the usual {fv(r.expected, u)}" + (f" for a {wd}" if r.same_weekday else "")
    note = f" Known change day ({'; '.join(r.annotations)})." if r.annotations else ""
    if r.absolute:
        limit = r.absolute_limit
        text = (f"{label} was {fv(r.value, u)} {when}, past the configured {r.zone.replace('_', '-')} "
                f"limit of {fv(limit, u)} (n={r.n}).")
    elif r.zone == LEARNING:
        text = (f"{label} was {fv(r.value, u)} {when}; only {r.history_days} days of history, "
                f"zones start after {r.learning_days}.")
    elif r.zone == INSUFFICIENT_DATA:
        what = r.denominator_label if r.kind == "rate" else "tickets"
        if r.value is None:
            text = f"{label} has no value {when}."
        elif r.expected is None:
            text = f"{label} was {fv(r.value, u)} {when}; no usable baseline in the last {r.baseline_days} days."
        else:
            text = (f"{label} was {fv(r.value, u)} {when} from only {r.n} {what}, fewer than the "
                    f"{min_n} needed to judge it.")
    elif r.drifting:
        text = (f"{label} was {fv(r.value, u)} {when}, inside its daily bands, but has "
                f"drifted worse for days (EWMA of the score {r.drift:.1f}).")
    elif r.zone == HEALTHY:
        edge = r.bands.watch_above if r.bands.watch_above is not None else r.bands.watch_below
        around = fv(r.expected, u) + (f" for a {wd}" if r.same_weekday else "")
        text = f"{label} was {fv(r.value, u)} {when}, within the usual range around {around} (watch from {fv(edge, u)})."
    else:
        side = "above" if (r.value or 0) >= (r.expected or 0) else "below"
        edges = [x for x in ((r.bands.watch_above, r.bands.act_now_above) if side == "above"
                             else (r.bands.watch_below, r.bands.act_now_below))]
        text = (f"{label} was {fv(r.value, u)} {when}, {side} {usual} by {r.score:.1f} robust deviations "
                f"(watch from {fv(edges[0], u)}, act now from {fv(edges[1], u)}; n={r.n}).")
    return text + note

