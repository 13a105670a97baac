"""Judging the rollup's series: daily blocks stacked into one `DailySeries` per (metric, dimension,
segment), then zones for every day from a given index, all segments of a metric in one batch, a
stretch of days at a time when asked (a full rebuild's memory stays bounded)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date

import numpy as np

from bot.annotations import for_metric
from bot.catalogue import CATALOGUE, MetricDef
from bot.metrics.baselines import DailySeries, whole_weeks
from bot.metrics.daily import DailyBlock
from bot.metrics.facts import QUIET_SEGMENT_DAYS
from bot.metrics.series_state import Key, SeriesState
from bot.metrics.settings import ChangeDay, RollupSettings
from bot.metrics.zones import ZoneResult, evaluate_batch

BATCH_CELLS = 2_000_000  # lagged-matrix cells judged at once (~16 MB per array): bounds a full rebuild's memory


def subject(mdef: MetricDef, dimension: str, segment: str) -> str:
    if not dimension:
        return mdef.label
    return f"{mdef.label} for {subject_tail(dimension, segment)}"


def subject_tail(dimension: str, segment: str) -> str:
    return f"{dimension.replace('_', ' ')} {segment}"


def span_days(settings: RollupSettings) -> int:
    """Days of history before a judged day that any metric's baseline reads."""
    return max(whole_weeks(zs.baseline_days) + zs.window_days
               for zs in [settings.metrics.defaults, *settings.metrics.per_metric.values()])


def series_from_blocks(blocks: Iterable[DailyBlock], start: date, end: date, *, old: Mapping[Key, SeriesState] | None = None,
            old_until: date | None = None, values_start: date | None = None,
            ) -> dict[Key, tuple[DailySeries, np.ndarray]]:
    """Series per key over [start, end): earlier days from `old` (before `old_until`), then the blocks'
    values (their day 0 is `values_start`, default `start`). `has` marks days that have a stored or
    computed row."""
    T = (end - start).days
    shift = ((values_start or start) - start).days
    acc: dict[Key, list[np.ndarray]] = {}

    def slot(k: Key) -> list[np.ndarray]:
        s = acc.get(k)
        if s is None:
            s = acc[k] = [np.full(T, np.nan), np.zeros(T, np.int64), np.full(T, np.nan), np.full(T, np.nan),
                          np.zeros(T, bool)]
        return s

    for k, st in (old or {}).items():
        lo, hi = max(start, st.start), min(end, st.end, old_until or end)
        if lo >= hi:
            continue
        s = slot(k)
        a, b, n = (lo - start).days, (lo - st.start).days, (hi - lo).days
        s[0][a:a + n] = st.m[0, b:b + n]
        s[1][a:a + n] = st.m[1, b:b + n]
        s[2][a:a + n] = st.m[2, b:b + n]
        s[3][a:a + n] = st.m[3, b:b + n]
        s[4][a:a + n] = st.m[4, b:b + n] > 0
    for blk in blocks:
        seg, day = np.divmod(blk.keys, blk.days)
        day += shift
        cuts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1], True])  # runs of one segment
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            s = slot((blk.metric, blk.dimension, blk.labels[int(seg[lo])]))
            d = day[lo:hi]
            s[0][d] = blk.values[lo:hi]
            s[1][d] = blk.n[lo:hi]
            s[2][d] = np.nan if blk.numerator is None else blk.numerator[lo:hi]
            s[3][d] = np.nan if blk.denominator is None else blk.denominator[lo:hi]
            s[4][d] = True
    return {k: (DailySeries(start, a[0], a[1], a[2], a[3]), a[4]) for k, a in acc.items()}


def evaluate_all(series: Mapping[Key, tuple[DailySeries, np.ndarray]], settings: RollupSettings,
                  changes: Mapping[date, ChangeDay], *, from_index: int, seeds: Mapping[Key, float],
                  stretch: int | None = None,
                  sink: Callable[[dict[Key, list[ZoneResult]]], Mapping[Key, list[ZoneResult]]] | None = None,
                  ) -> dict[Key, list[ZoneResult]]:
    """Zones of days from `from_index` on, for every series with a row there; all segments of a
    metric in one batch. A series that starts later is judged from its first row (the days
    before it carry no value, so they change neither its baseline nor its drift).

    With `stretch`, days are judged `stretch` at a time, every series of a stretch before the next
    (each against all of its earlier days, its drift EWMA carried from the stretch before: the same
    results as in one pass). `sink` receives each stretch's results and returns what to keep of them.
    """
    by_metric: dict[str, list[tuple[Key, int, int]]] = defaultdict(list)
    for key, (s, has) in series.items():
        present = np.flatnonzero(has)
        if present.size == 0:
            continue
        # Judged from its first row until QUIET_SEGMENT_DAYS after its last day with a sample (n > 0),
        # or through its last row if that is later: a series that fell silent (a 2016 import's response
        # times in 2026) gets no decade of "insufficient data" days, and a segment's volume and backlog,
        # whose zero days already run QUIET_SEGMENT_DAYS past its last ticket (`compute_daily`), stop there.
        sampled = np.flatnonzero(has & (s.n > 0))
        stop = max(int(present[-1]), int(sampled[-1]) + QUIET_SEGMENT_DAYS if sampled.size else -1)
        if stop < from_index:
            continue
        by_metric[key[0]].append((key, max(from_index, int(present[0])), stop))
    out: dict[Key, list[ZoneResult]] = {}
    T = max((len(s) for s, _ in series.values()), default=0)
    step = max(1, stretch or (T - from_index))
    drift = dict(seeds)
    for a in range(from_index, T, step):
        b = min(T, a + step)
        part: dict[Key, list[ZoneResult]] = {}
        size = max(1, BATCH_CELLS // ((b - a) * (span_days(settings) + 7)))  # cells of one lagged matrix
        for m, group in by_metric.items():
            group = [g for g in group if g[1] < b and g[2] >= a]
            mdef = CATALOGUE[m]
            for i in range(0, len(group), size):
                members = group[i:i + size]
                first = series[members[0][0]][0]
                stacked = [np.stack([getattr(series[k][0], f)[:b] for k, _, _ in members])
                           for f in ("values", "n", "numerator", "denominator")]
                batch = evaluate_batch(DailySeries(first.start, *stacked), mdef, settings.metrics.for_metric(m),
                                       drift=settings.metrics.drift, change_days=for_metric(changes, m),
                                       subjects=[subject(mdef, k[1], k[2]) for k, _, _ in members], from_index=a,
                                       drift_seeds=np.array([drift.get(k, 0.0) for k, _, _ in members]),
                                       currency=settings.definitions.currency)
                for (key, start_i, stop_i), results in zip(members, batch):
                    if b < T and results and results[-1].drift is not None:
                        drift[key] = results[-1].drift  # the EWMA on the stretch's last day seeds the next
                    part[key] = results[max(start_i, a) - a:stop_i + 1 - a]
                del batch
        for key, rs in (part if sink is None else sink(part)).items():
            if rs:
                out.setdefault(key, []).extend(rs)
    # In the order of one pass (metric, then series): triggers fire in that order.
    return {key: out[key] for group in by_metric.values() for key, _, _ in group if key in out}
