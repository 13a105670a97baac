"""Packed per-series history: what an incremental rollup needs from earlier days.

A baseline for day D reads up to ~100 earlier days of one series (13 weeks of
same-weekday values, the pooling window of rates), the drift EWMA of day D−1,
and triggers read recent zones. Reading those from `daily_metrics` costs one
row per series and day (~120k rows for 1,110 series); packing the trailing days
of each series into one float64 matrix costs one row per series.

Rows of the matrix, one column per day from `start`:
value, n, numerator, denominator, has (a stored row exists), drift EWMA, zone code.
NaN means "none" everywhere except `has` (0/1). Pure: no database here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.metrics.zone_names import ACT_NOW, HEALTHY, INSUFFICIENT_DATA, LEARNING, WATCH

Key = tuple[str, str, str]  # a series: metric, dimension, segment
LAYOUT = 1  # bump when the packed rows change; older states are then rebuilt from daily_metrics
ROWS = ("value", "n", "numerator", "denominator", "has", "drift", "zone")
ZONE_CODES = (HEALTHY, WATCH, ACT_NOW, INSUFFICIENT_DATA, LEARNING)  # stored codes: append, never reorder
_ZONE_INDEX = {z: float(i) for i, z in enumerate(ZONE_CODES)}


@dataclass(frozen=True, slots=True)
class SeriesState:
    """Trailing days [start, start + days) of one series; `m` has the rows of `ROWS`."""

    start: date
    m: np.ndarray  # shape (len(ROWS), days)

    @property
    def days(self) -> int:
        return int(self.m.shape[1])

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)

    def zone_at(self, i: int) -> str | None:
        code = self.m[6, i]
        return None if code != code else ZONE_CODES[int(code)]

    def has_row(self, day: date) -> bool:
        i = (day - self.start).days
        return 0 <= i < self.days and bool(self.m[4, i] > 0)

    def drift_at(self, day: date) -> float | None:
        i = (day - self.start).days
        if not 0 <= i < self.days:
            return None
        v = float(self.m[5, i])
        return None if v != v else v


def zone_code(zone: str | None) -> float:
    return np.nan if not zone else _ZONE_INDEX[zone]


def pack(state: SeriesState) -> bytes:
    return np.ascontiguousarray(state.m, dtype="<f8").tobytes()


def unpack(start: date, through: date, data: bytes) -> SeriesState:
    """The state of days [start, through]; ValueError when the bytes do not fit that span."""
    days = (through - start).days + 1
    flat = np.frombuffer(data, dtype="<f8")
    if days <= 0 or flat.size != len(ROWS) * days:
        raise ValueError(f"packed series state holds {flat.size} values, expected {len(ROWS)} x {days} days")
    return SeriesState(start, flat.reshape(len(ROWS), days))


def empty(start: date, days: int) -> np.ndarray:
    m = np.full((len(ROWS), days), np.nan)
    m[1] = 0.0
    m[4] = 0.0
    return m
