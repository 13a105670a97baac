"""Rows of `daily_metrics` from judged series: built in `store.DAILY_COLUMNS` order, evidence as JSON
text, and written in batches (during a full rebuild, on a second thread while the next stretch is judged).
"""
from __future__ import annotations

import itertools
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from bot.metrics.baselines import DailySeries
from bot.metrics.series_state import Key
from bot.metrics.zones import ZoneResult
from bot.storage import metrics as store

ROW_BATCH = 50_000  # daily rows built and written at a time: three years of 1,110 series never exist at once


def write_rows(session: Session, rows: Iterable[tuple]) -> int:
    it = iter(rows)
    written = 0
    while chunk := list(itertools.islice(it, ROW_BATCH)):
        store.insert_daily(session, chunk)
        written += len(chunk)
    return written


class StretchWriter:
    """Writes each stretch's rows on a second thread while the next stretch is judged: the database
    driver releases the GIL while SQLite or PostgreSQL works, so on two cores writing overlaps judging.
    One stretch waits at most; the session is not used by the caller until `close`."""

    def __init__(self, session: Session) -> None:
        session.connection()  # the transaction's connection exists before the thread uses it
        self.session = session
        self.written = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[tuple] | None] = queue.Queue(maxsize=1)
        self.thread = threading.Thread(target=self._run, name="rollup-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.written += write_rows(self.session, rows)
                except BaseException as e:  # re-raised by put/close in the caller's thread
                    self.error = e

    def put(self, rows: list[tuple]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def close(self) -> int:
        """Waits for the rows still queued; raises what the writer raised."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.written


def row_order(row: tuple) -> tuple:
    return row[1], row[2], row[3], row[4]  # day, metric, dimension, segment: the unique index


def build_rows(workspace_id: str, series: Mapping[Key, tuple[DailySeries, np.ndarray]],
          results: Mapping[Key, list[ZoneResult]], start: date, explain_from: date, now_at: datetime) -> Iterator[tuple]:
    """Rows for `daily_metrics` in `store.DAILY_COLUMNS` order, evidence as JSON text; evidence carries
    its sentence for days from `explain_from` on (older days keep the numbers only — backtests rebuild
    sentences when asked). Generated: the caller writes them in batches."""
    compact: Callable[[ZoneResult], str] | None = None
    for key, rs in results.items():
        if not rs:
            continue
        compact = compact or _compact_encoder(rs[0])
        s, _has = series[key]
        m, dim, seg = key
        lo = (rs[0].day - start).days
        hi = (rs[-1].day - start).days + 1
        values, ns, nums, dens = (a[lo:hi].tolist() for a in (s.values, s.n, s.numerator, s.denominator))
        for r in rs:
            i = (r.day - start).days - lo
            ev = json.dumps(r.to_dict()) if r.day >= explain_from else compact(r)
            v, num, den = values[i], nums[i], dens[i]
            yield (workspace_id, r.day, m, dim, seg, None if v != v else v, ns[i], None if num != num else num,
                   None if den != den else den, r.zone, r.expected, r.score, ev, now_at)


def _compact_json(r: ZoneResult) -> str:
    """`json.dumps(r.compact())` written out directly (the evidence of ~1M older days in a full rebuild):
    the same text, ~10x faster. `_compact_encoder` compares the two once per run."""
    ann = json.dumps(list(r.annotations)) if r.annotations else "[]"
    return (f'{{"value": {_jnum(r.value)}, "expected": {_jnum(r.expected)}, "spread": {_jnum(r.spread)}, '
            f'"score": {_jnum(r.score)}, "n": {_jnum(r.n)}, "drift": {_jnum(r.drift)}, "annotations": {ann}}}')


def _jnum(x: Any) -> str:
    if x is None:
        return "null"
    t = type(x)
    if (t is float and x == x and x != _INF and x != -_INF) or t is int:
        return repr(x)
    return json.dumps(x)


_INF = float("inf")


def _compact_encoder(r: ZoneResult) -> Callable[[ZoneResult], str]:
    """`_compact_json` when it writes what `json.dumps(r.compact())` writes, else `json.dumps` itself."""
    if _compact_json(r) == json.dumps(r.compact()):
        return _compact_json
    return lambda z: json.dumps(z.compact())

