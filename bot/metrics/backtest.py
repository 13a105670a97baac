"""Backtest: every day's zone over history and which rules would have fired.

Pure: a daily series in, per-day zones and rule events out, so a team can
calibrate cut-offs and rules before alerts go live.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.metrics.baselines import DailySeries
from bot.metrics.catalogue import MetricDef
from bot.metrics.rules import DayZone, RuleEvent, evaluate_rule
from bot.metrics.settings import ChangeDay, DriftSettings, Rule, ZoneSettings
from bot.metrics.zones import ZoneResult, evaluate_series


class SeriesFormatError(ValueError):
    """An uploaded series that cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class BacktestDay:
    result: ZoneResult
    rules: tuple[str, ...]  # rules that fired on this day
    recovered: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "date": r.day.isoformat(), "value": r.value, "zone": r.zone, "expected": r.expected,
            "score": r.score, "rule": ", ".join(self.rules) or None, "rules": list(self.rules),
            "recovered": list(self.recovered), "n": r.n, "bands": r.bands.to_dict(),
            "explanation": r.explanation,
        }


@dataclass(frozen=True, slots=True)
class BacktestResult:
    metric: str
    days: tuple[BacktestDay, ...]
    events: tuple[RuleEvent, ...]

    def zone_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.days:
            out[d.result.zone] = out.get(d.result.zone, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "days": [d.to_dict() for d in self.days],
            "events": [{"kind": e.kind, "rule": e.rule, "date": e.day.isoformat(), "since": e.since.isoformat()}
                       for e in self.events],
            "zone_counts": self.zone_counts(),
        }


def backtest(
    series: DailySeries,
    metric: MetricDef,
    settings: ZoneSettings,
    *,
    rules: Sequence[Rule] = (),
    drift: DriftSettings = DriftSettings(),
    change_days: Mapping[date, ChangeDay] | None = None,
    dimension: str = "",
    segment: str = "",
) -> BacktestResult:
    results = evaluate_series(series, metric, settings, drift=drift, change_days=change_days)
    dz = [DayZone(r.day, r.zone) for r in results]
    events: list[RuleEvent] = []
    for rule in rules:
        evs, _ = evaluate_rule(rule, dz, dimension=dimension, segment=segment)
        events.extend(evs)
    fired: dict[date, list[str]] = {}
    recovered: dict[date, list[str]] = {}
    for e in events:
        (fired if e.kind == "fire" else recovered).setdefault(e.day, []).append(e.rule)
    days = tuple(BacktestDay(r, tuple(fired.get(r.day, ())), tuple(recovered.get(r.day, ()))) for r in results)
    return BacktestResult(metric.key, days, tuple(sorted(events, key=lambda e: (e.day, e.rule))))


def read_series_csv(text: str) -> DailySeries:
    """Parse `date,value` CSV (header required; blank value = no value that day)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["date", "value"]:
        raise SeriesFormatError(f"line 1: expected header 'date,value', got {','.join(header)!r}")
    points: dict[date, float | None] = {}
    for lineno, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise SeriesFormatError(f"line {lineno}: expected 2 columns")
        try:
            d = date.fromisoformat(row[0].strip())
        except ValueError:
            raise SeriesFormatError(f"line {lineno}: bad date {row[0]!r} (want YYYY-MM-DD)") from None
        raw = row[1].strip()
        try:
            v = float(raw) if raw else None
        except ValueError:
            raise SeriesFormatError(f"line {lineno}: bad value {raw!r}") from None
        if d in points:
            raise SeriesFormatError(f"line {lineno}: duplicate date {d.isoformat()}")
        points[d] = v
    if not points:
        raise SeriesFormatError("no data rows")
    return DailySeries.from_points((d, v, None, None, None) for d, v in points.items())
