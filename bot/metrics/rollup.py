"""Rollups: daily values and zones of every series written to `daily_metrics`, then triggers.

The service owns the transaction (`session_factory.begin()`); store functions in
`bot/storage/metrics.py` never commit. Days are complete local days: the
rollups run through yesterday in the team's timezone (intraday signals come
from `spikes`).

Full rebuild: every day from the first ticket (no horizon: a 2016 import is
rolled up from 2016); a segment's days start on its own first ticket.
Incremental: only the days touched by tickets whose `changed_at` is after the
workspace's watermark — for a changed ticket, the local days from its creation
to its solve (or the last day while unsolved), and the repeat-contact window
after its creation — plus days completed since the last run. Zones of those
days are judged against the stored history; triggers are evaluated on the result.
A backfill of older history (touches bounded in time, see `TicketTouch.touched_until`)
recomputes its own days, any never-computed gap before the earlier first day, and
the days whose baselines read them, not every day since: later days keep their
stored values, which did not change.
"""
from __future__ import annotations

import dataclasses
import time as _time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from bot.annotations import for_metric
from bot.metrics.baselines import DailySeries, whole_weeks
from bot.catalogue import CATALOGUE, MetricDef
from bot.metrics.daily_rows import StretchWriter, build_rows, row_order, write_rows
from bot.metrics.facts import QUIET_SEGMENT_DAYS, DailyBlock, daily_blocks, local_day, local_midnight_at
from bot.metrics.known_days import known_change_days
from bot.metrics.rules import DayZone, RuleEvent
from bot.metrics.series_state import LAYOUT as STATE_LAYOUT
from bot.metrics.series_state import Key, SeriesState, zone_code
from bot.metrics.series_state import empty as empty_state
from bot.metrics.series_state import pack as pack_state
from bot.metrics.series_state import unpack as unpack_state
from bot.metrics.settings import ChangeDay, RollupSettings
from bot.metrics.ticket_columns import load_ticket_columns
from bot.metrics.triggers import fire_triggers
from bot.metrics.zones import ZoneResult, evaluate_batch
from bot.storage import metrics as store
from bot.storage.reference import ids_for_names

EXPLAIN_DAYS = 35  # stored evidence keeps its sentence for this many recent days
STATE_SLACK_DAYS = 35  # packed states also serve late changes up to five weeks back
BATCH_CELLS = 2_000_000  # lagged-matrix cells judged at once (~16 MB per array): bounds a full rebuild's memory
STRETCH_DAYS = 61  # a full rebuild judges and writes this many days of every series at a time


@dataclass(frozen=True, slots=True)
class RollupReport:
    mode: str  # full | incremental | noop
    first_day: date | None
    last_day: date | None
    days: int
    rows: int
    changed_tickets: int
    fired: tuple[RuleEvent, ...] = ()
    recovered: tuple[RuleEvent, ...] = ()
    seconds: float = 0.0

    def summary(self) -> str:
        if self.mode == "noop":
            return "rollups: nothing to do"
        span = f"{self.first_day}..{self.last_day}" if self.first_day else "-"
        return (f"rollups ({self.mode}): {self.days} days {span}, {self.rows} rows, "
                f"{self.changed_tickets} changed tickets, {len(self.fired)} triggers fired, "
                f"{len(self.recovered)} recovered in {self.seconds:.1f}s")


def last_complete_day(now_at: datetime, settings: RollupSettings) -> date:
    return local_day(now_at, settings.tz) - timedelta(days=1)


def subject(mdef: MetricDef, dimension: str, segment: str) -> str:
    if not dimension:
        return mdef.label
    return f"{mdef.label} for {subject_tail(dimension, segment)}"


def subject_tail(dimension: str, segment: str) -> str:
    return f"{dimension.replace('_', ' ')} {segment}"


def run_rollup(
    session_factory: sessionmaker,
    *,
    workspace_id: str,
    settings: RollupSettings,
    now_at: datetime | None = None,
    full: bool = False,
    alerts_channel: str | None = None,
) -> RollupReport:
    """Recompute rollups, zones and triggers in one transaction (incremental unless `full`)."""
    t0 = _time.perf_counter()
    now_at = now_at or datetime.now(timezone.utc)
    with session_factory.begin() as session:
        settings = _rules_by_id(session, workspace_id, settings)
        report = _rollup(session, workspace_id=workspace_id, settings=settings, now_at=now_at, full=full,
                         alerts_channel=alerts_channel)
    return dataclasses.replace(report, seconds=_time.perf_counter() - t0)


def _rules_by_id(session: Session, workspace_id: str, settings: RollupSettings) -> RollupSettings:
    """Rules name segments as people read them (`group = \"Billing\"`); stored segments of API sources are ids."""
    rules = []
    for rule in settings.rules:
        ids = ids_for_names(session, workspace_id=workspace_id, dimension=rule.dimension or "", names=rule.segments)
        rules.append(dataclasses.replace(rule, segments=(*rule.segments, *sorted(ids - set(rule.segments))))
                     if ids - set(rule.segments) else rule)
    return dataclasses.replace(settings, rules=tuple(rules)) if rules != list(settings.rules) else settings


def _span(settings: RollupSettings) -> int:
    """Days of history before a judged day that any metric's baseline reads."""
    return max(whole_weeks(zs.baseline_days) + zs.window_days
               for zs in [settings.metrics.defaults, *settings.metrics.per_metric.values()])


def _rollup(session: Session, *, workspace_id: str, settings: RollupSettings, now_at: datetime, full: bool,
            alerts_channel: str | None) -> RollupReport:
    tz = settings.tz
    as_of = last_complete_day(now_at, settings)
    first_at, max_changed_at = store.ticket_extent(session, workspace_id=workspace_id)
    if first_at is None:
        return RollupReport("noop", None, None, 0, 0, 0)
    wm = store.get_watermark(session, workspace_id=workspace_id)
    history_start = local_day(first_at, tz)  # all of history: every day from the first ticket
    changes = known_change_days(session, workspace_id, settings)
    end = as_of + timedelta(days=1)
    if history_start > as_of:
        return RollupReport("noop", None, None, 0, 0, 0)
    span = _span(settings)
    state_days = span + 7 + STATE_SLACK_DAYS

    if full or wm is None or wm.computed_through is None or wm.changed_through_at is None or wm.first_day is None:
        cols = load_ticket_columns(session, workspace_id=workspace_id, settings=settings,
                                   created_before_at=local_midnight_at(end, tz))
        series = _series(daily_blocks(cols, start=history_start, end=end, settings=settings), history_start, end)
        del cols
        store.delete_daily(session, workspace_id=workspace_id)
        # Days are judged and written a stretch at a time, in day order (the unique index's order, so
        # inserts append instead of scattering over three years); only what triggers and the packed
        # states read afterwards is kept (every day of rule-watched series, the state window of the
        # others), so years of history never hold all their ZoneResults and rows at once.
        keep_from = end - timedelta(days=state_days)
        explain_from = as_of - timedelta(days=EXPLAIN_DAYS)
        watched = {key for key in series if any(rule.matches(*key) for rule in settings.rules)}
        writer = StretchWriter(session)

        def sink(part: dict[Key, list[ZoneResult]]) -> dict[Key, list[ZoneResult]]:
            writer.put(sorted(build_rows(workspace_id, series, part, history_start, explain_from, now_at), key=row_order))
            return {key: rs if key in watched else [r for r in rs if r.day >= keep_from] for key, rs in part.items()}

        try:
            results = _evaluate_all(series, settings, changes, from_index=0, seeds={}, stretch=STRETCH_DAYS,
                                    sink=sink)
        finally:
            written = writer.close()
        zones = _zone_history({}, results, settings, start=history_start, until=history_start)
        fired, recovered = fire_triggers(session, workspace_id=workspace_id, settings=settings, zones=zones,
                                        results=results, as_of=as_of, alerts_channel=alerts_channel)
        store.replace_series_states(session, workspace_id=workspace_id, rows=_state_rows(
            series, results, {}, first=history_start, end=end, days=state_days))
        store.set_watermark(session, workspace_id=workspace_id, changed_through_at=max_changed_at,
                            first_day=history_start, computed_through=as_of, full_rebuild_at=now_at)
        store.prune_touches(session, workspace_id=workspace_id, through_at=max_changed_at)
        return RollupReport("full", history_start, as_of, (end - history_start).days, written,
                            store.ticket_count(session, workspace_id=workspace_id), tuple(fired), tuple(recovered))

    # incremental: the days the recorded changes touched (an import of older history: its own days,
    # the gap up to what was computed before, and the days whose baselines read them), then new days
    touched_at, changed = store.changes_since(session, workspace_id=workspace_id, since_at=wm.changed_through_at)
    history_start = min(history_start, wm.first_day)
    windows = _windows(touched_at, store.touched_until(session, workspace_id=workspace_id,
                                                       since_at=wm.changed_through_at) if touched_at else None,
                       settings=settings, computed_through=wm.computed_through, computed_from=wm.first_day,
                       as_of=as_of, history_start=history_start, tail=span + 7, reach=state_days)
    if not windows:
        store.set_watermark(session, workspace_id=workspace_id, changed_through_at=max_changed_at)
        store.prune_touches(session, workspace_id=workspace_id, through_at=max_changed_at)
        return RollupReport("noop", None, None, 0, 0, changed)
    rows_n, days_n, fired, recovered = 0, 0, [], []
    for first, stop in windows:
        n, f, r = _recompute(session, workspace_id=workspace_id, settings=settings, changes=changes, now_at=now_at,
                             first=first, stop=stop, end=end, as_of=as_of, history_start=history_start,
                             computed_through=wm.computed_through, span=span, state_days=state_days,
                             alerts_channel=alerts_channel)
        rows_n, days_n = rows_n + n, days_n + (stop - first).days
        fired += f
        recovered += r
    store.set_watermark(session, workspace_id=workspace_id, changed_through_at=max_changed_at, computed_through=as_of,
                        first_day=history_start)
    store.prune_touches(session, workspace_id=workspace_id, through_at=max_changed_at)
    return RollupReport("incremental", windows[0][0], as_of, days_n, rows_n, changed, tuple(fired), tuple(recovered))


def _recompute(session: Session, *, workspace_id: str, settings: RollupSettings, changes: Mapping[date, ChangeDay],
               now_at: datetime, first: date, stop: date, end: date, as_of: date, history_start: date,
               computed_through: date, span: int, state_days: int,
               alerts_channel: str | None) -> tuple[int, list[RuleEvent], list[RuleEvent]]:
    """Values and zones of days [first, stop) from the tickets, judged against the stored days before.

    A window that reaches `end` also writes the packed states and evaluates triggers; a window of
    older days (a backfill) leaves both alone: its days are older than any state or rule window.
    """
    tz = settings.tz
    lookback = timedelta(days=settings.definitions.repeat_contact_days + 1)
    since_at = local_midnight_at(first, tz)
    cols = load_ticket_columns(
        session, workspace_id=workspace_id, settings=settings,
        created_before_at=local_midnight_at(stop, tz),
        relevant_since_at=since_at,
        created_since_at=since_at,
        lookback_from_at=since_at - lookback,  # repeat-contact history: slim rows only
    )
    hist_start = max(history_start, first - timedelta(days=span + 7))
    old, exact_drift = _history(session, workspace_id, computed_through=computed_through, hist_start=hist_start,
                                first=first, load_start=max(history_start, min(hist_start, end - timedelta(days=state_days))))
    values = daily_blocks(cols, start=first, end=stop, settings=settings,
                          started=_started(old, start=hist_start, until=first))
    series = _series(values, hist_start, stop, old=old, old_until=first, values_start=first)
    del cols, values
    seeds, complete = _drift_seeds(old, first - timedelta(days=1))
    if not (exact_drift and complete):
        seeds = store.drift_seeds(session, workspace_id=workspace_id, day=first - timedelta(days=1))
    from_index = (first - hist_start).days
    results = _evaluate_all(series, settings, changes, from_index=from_index, seeds=seeds)
    store.delete_daily(session, workspace_id=workspace_id, start=first, end=stop)
    written = write_rows(session, build_rows(workspace_id, series, results, hist_start,
                                              as_of - timedelta(days=EXPLAIN_DAYS), now_at))
    if stop < end:
        return written, [], []
    zones = _zone_history(old, results, settings, start=hist_start, until=first)
    fired, recovered = fire_triggers(session, workspace_id=workspace_id, settings=settings, zones=zones,
                                     results=results, as_of=as_of, alerts_channel=alerts_channel)
    store.replace_series_states(session, workspace_id=workspace_id, rows=_state_rows(
        series, results, old, first=first, end=end, days=state_days))
    return written, fired, recovered


# --- history of earlier days: packed series states, or daily_metrics when those do not fit ----------

def _history(session: Session, workspace_id: str, *, computed_through: date, hist_start: date, first: date,
             load_start: date) -> tuple[dict[Key, SeriesState], bool]:
    """Earlier days per series (at least [hist_start, first)) and whether their drift EWMAs are known.

    The packed states serve when they are current (written by the run that computed
    `computed_through`) and reach back to `hist_start`; otherwise (first run after an
    upgrade, a late change older than the states) the rows of `daily_metrics` from
    `load_start` are packed instead, and the next run finds fitting states again.
    """
    states: dict[Key, SeriesState] = {}
    usable = True
    for m, dim, seg, start, through, layout, data in store.load_series_states(session, workspace_id=workspace_id):
        if layout != STATE_LAYOUT or through != computed_through or start > hist_start:
            usable = False
            break
        try:
            states[(m, dim, seg)] = unpack_state(start, through, data)
        except ValueError:
            usable = False
            break
    if usable and states:
        return states, True
    stored = store.load_daily(session, workspace_id=workspace_id, start=load_start, end=first, ordered=False)
    return _states_from_rows(stored, load_start, first), False


def _started(old: Mapping[Key, SeriesState], *, start: date, until: date) -> dict[str, set[str]]:
    """Segments ({dimension: labels}) with a volume or backlog row in days [start, until): begun before
    an incremental window, their rows in it start on its first day (a full rebuild's rows run on from
    the segment's first ticket); the others start on their first ticket in the window."""
    out: dict[str, set[str]] = defaultdict(set)
    for (m, dim, seg), st in old.items():
        if dim and m in ("ticket_volume", "backlog") and seg not in out[dim]:
            lo, hi = max(0, (start - st.start).days), min(st.days, (until - st.start).days)
            if lo < hi and st.m[4, lo:hi].any():
                out[dim].add(seg)
    return out


def _states_from_rows(stored: Iterable[tuple], start: date, end: date) -> dict[Key, SeriesState]:
    """Pack `load_daily` rows of days [start, end) (drift unknown: the rows do not carry it)."""
    T = (end - start).days
    out: dict[Key, SeriesState] = {}
    for day, m, dim, seg, value, n, num, den, zone, *_ in stored:
        st = out.get((m, dim, seg))
        if st is None:
            st = out[(m, dim, seg)] = SeriesState(start, empty_state(start, T))
        i = (day - start).days
        if 0 <= i < T:
            st.m[:, i] = (np.nan if value is None else value, n or 0, np.nan if num is None else num,
                          np.nan if den is None else den, 1.0, np.nan, zone_code(zone))
    return out


def _drift_seeds(old: Mapping[Key, SeriesState], day: date) -> tuple[dict[Key, float], bool]:
    """Drift EWMA per series on `day`, and whether every series with a row that day had one (days
    packed from daily_metrics rows carry none: then the caller reads them from the evidence)."""
    seeds = {}
    complete = True
    for k, st in old.items():
        d = st.drift_at(day)
        if d is not None:
            seeds[k] = d
        elif st.has_row(day):
            complete = False
    return seeds, complete


def _zone_history(old: Mapping[Key, SeriesState], results: Mapping[Key, list[ZoneResult]], settings: RollupSettings,
                  *, start: date, until: date) -> dict[Key, list[DayZone]]:
    """Zones of days [start, until) from `old`, then the new results, for the series some rule
    watches (the others need none)."""
    out: dict[Key, list[DayZone]] = {}
    if not settings.rules:
        return out
    for k in old.keys() | results.keys():
        if not any(r.matches(*k) for r in settings.rules):
            continue
        zs = out[k] = []
        st = old.get(k)
        if st is not None:
            for i in range(max(0, (start - st.start).days), min(st.days, (until - st.start).days)):
                z = st.zone_at(i)
                if z is not None:
                    zs.append(DayZone(st.start + timedelta(days=i), z))
        zs.extend(DayZone(r.day, r.zone) for r in results.get(k, ()))
    return out


def _state_rows(series: Mapping[Key, tuple[DailySeries, np.ndarray]], results: Mapping[Key, list[ZoneResult]],
                old: Mapping[Key, SeriesState], *, first: date, end: date, days: int) -> list[dict[str, Any]]:
    """Packed states of the trailing `days` days through `end` − 1: earlier days from `old`, days from
    `first` on from the series and their results. Series with no row left in the window are dropped."""
    starts = [s.start for s, _ in series.values()] + [st.start for st in old.values()]
    if not starts:
        return []
    start = max(end - timedelta(days=days), min(starts))
    T = (end - start).days
    through = end - timedelta(days=1)
    rows = []
    for key in series.keys() | old.keys():
        m = empty_state(start, T)
        st = old.get(key)
        if st is not None:
            lo, hi = max(start, st.start), min(first, st.end)
            if lo < hi:
                a, b, n = (lo - start).days, (lo - st.start).days, (hi - lo).days
                m[:, a:a + n] = st.m[:, b:b + n]
        got = series.get(key)
        if got is not None:
            s, _has = got
            lo = max(start, first)
            a, b, n = (lo - start).days, (lo - s.start).days, (end - lo).days
            m[0, a:a + n] = s.values[b:b + n]
            m[1, a:a + n] = s.n[b:b + n]
            m[2, a:a + n] = s.numerator[b:b + n]
            m[3, a:a + n] = s.denominator[b:b + n]
            m[4, a:a + n] = 0.0
            for r in results.get(key, ()):  # a result is a row in daily_metrics
                i = (r.day - start).days
                if 0 <= i < T:
                    m[4, i] = 1.0
                    m[5, i] = np.nan if r.drift is None else r.drift
                    m[6, i] = zone_code(r.zone)
        if not m[4].any():
            continue
        rows.append({"metric": key[0], "dimension": key[1], "segment": key[2], "start_day": start,
                     "through_day": through, "layout": STATE_LAYOUT, "data": pack_state(SeriesState(start, m))})
    return rows


def _windows(touched_at: datetime | None, touched_until_at: datetime | None, *, settings: RollupSettings,
             computed_through: date, computed_from: date, as_of: date, history_start: date, tail: int,
             reach: int) -> list[tuple[date, date]]:
    """Half-open day windows to recompute, oldest first ([] : nothing to do).

    Touched days [lo, hi] move their own values and the zones of the next `tail` days (baselines
    read back that far), and repeat contacts up to `repeat_contact_days` later; days never computed
    (before `computed_from`, after `computed_through`) are computed. A window that comes within
    `reach` days of the end (the packed states' span) runs through to the end instead, so the
    states and triggers are rebuilt from it; older windows stop and leave later days as stored.
    """
    end = as_of + timedelta(days=1)
    spans: list[tuple[date, date]] = []
    if history_start < computed_from:
        spans.append((history_start, computed_from - timedelta(days=1)))
    if touched_at is not None:
        lo = max(local_day(touched_at, settings.tz), history_start)
        hi = as_of if touched_until_at is None else min(
            as_of, local_day(touched_until_at, settings.tz) + timedelta(days=settings.definitions.repeat_contact_days))
        if lo <= as_of:
            spans.append((lo, max(lo, hi)))
    if computed_through < as_of:
        spans.append((computed_through + timedelta(days=1), as_of))
    windows: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        stop = min(end, hi + timedelta(days=tail + 1))
        if stop >= end - timedelta(days=reach):
            stop = end
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
        else:
            windows.append((lo, stop))
    return windows


def _series(blocks: Iterable[DailyBlock], start: date, end: date, *, old: Mapping[Key, SeriesState] | None = None,
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


def _evaluate_all(series: Mapping[Key, tuple[DailySeries, np.ndarray]], settings: RollupSettings,
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
        size = max(1, BATCH_CELLS // ((b - a) * (_span(settings) + 7)))  # cells of one lagged matrix
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

