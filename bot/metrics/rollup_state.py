"""The rollup's memory of earlier days: packed series states (`series_states`), or the rows of
`daily_metrics` when the states do not fit, and what an incremental run reads from them (which segments
had begun, drift seeds, the zone history triggers read) and writes back (the new packed states)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from bot.metrics.baselines import DailySeries
from bot.metrics.rules import DayZone
from bot.metrics.series_state import LAYOUT as STATE_LAYOUT
from bot.metrics.series_state import Key, SeriesState, zone_code
from bot.metrics.series_state import empty as empty_state
from bot.metrics.series_state import pack as pack_state
from bot.metrics.series_state import unpack as unpack_state
from bot.metrics.settings import RollupSettings
from bot.metrics.zones import ZoneResult
from bot.storage import metrics as store


def history(session: Session, workspace_id: str, *, computed_through: date, hist_start: date, first: date,
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
    return states_from_rows(stored, load_start, first), False


def started_segments(old: Mapping[Key, SeriesState], *, start: date, until: date) -> dict[str, set[str]]:
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


def states_from_rows(stored: Iterable[tuple], start: date, end: date) -> dict[Key, SeriesState]:
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


def drift_seeds(old: Mapping[Key, SeriesState], day: date) -> tuple[dict[Key, float], bool]:
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


def zone_history(old: Mapping[Key, SeriesState], results: Mapping[Key, list[ZoneResult]], settings: RollupSettings,
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


def state_rows(series: Mapping[Key, tuple[DailySeries, np.ndarray]], results: Mapping[Key, list[ZoneResult]],
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
