"""Reads of the stored rollups: the scorecard of a day (from `readings`, the one read model), a range's
scorecard, a metric's daily series, and backtests over the stored values. Segment values read as the names
the source reports today.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.annotations import for_metric
from bot.metrics.backtest import BacktestResult, backtest
from bot.metrics.baselines import DailySeries
from bot.metrics.catalogue import CATALOGUE, DIMENSIONS
from bot.metrics.judging import subject_tail
from bot.metrics.known_days import known_change_days
from bot.metrics.readings import Reading, day_readings, latest_computed_day
from bot.metrics.settings import RollupSettings
from bot.metrics.zone_names import BAD, SCORECARD_ORDER
from bot.metrics.zones import format_value
from bot.storage import metrics as store
from bot.storage.reference import display_names


@dataclass(frozen=True, slots=True)
class ScorecardEntry:
    key: str
    label: str
    segment: dict[str, str]
    value: float | None
    unit: str
    n: int
    zone: str
    expected: float | None
    bands: dict[str, float | None]
    explanation: str
    score: float | None = None
    denominator: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    currency: str | None = None  # [metrics].currency, for cost per resolution
    # The vendor id behind a segment value that reads as a name (JSON `segment_id`): {dimension: id}.
    segment_id: dict[str, str] = field(default_factory=dict)

    @property
    def display_value(self) -> str:
        return format_value(self.value, self.unit, currency=self.currency)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "segment": self.segment, "value": self.value, "unit": self.unit, "n": self.n,
                "zone": self.zone, "expected": self.expected, "bands": self.bands,
                "explanation": self.explanation, "label": self.label, "score": self.score,
                "denominator": self.denominator, "display_value": self.display_value,
                "annotations": self.evidence.get("annotations", []), "drifting": self.evidence.get("drifting", False),
                **({"segment_id": self.segment_id} if self.segment_id else {})}


@dataclass(frozen=True, slots=True)
class Scorecard:
    as_of: date | None
    timezone: str
    entries: tuple[ScorecardEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat() if self.as_of else None, "timezone": self.timezone,
                "metrics": [e.to_dict() for e in self.entries]}


def _entry(r: Reading, currency: str | None = None) -> ScorecardEntry:
    mdef = CATALOGUE.get(r.metric)
    return ScorecardEntry(
        key=r.metric, label=mdef.label if mdef else r.metric, segment={r.dimension: r.segment} if r.dimension else {},
        value=r.value, unit=mdef.unit if mdef else "", n=r.n, zone=r.zone, expected=r.expected, bands=r.bands,
        explanation=r.explanation, score=r.score, denominator=mdef.denominator if mdef else "", evidence=r.evidence,
        currency=currency,
    )


def _named(session: Session, workspace_id: str, entries: list[ScorecardEntry]) -> list[ScorecardEntry]:
    """Segment values as the names the source reports today (ids stay in `segment_id`), explanations too."""
    values: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        for dim, value in e.segment.items():
            values[dim].add(value)
    names = {dim: display_names(session, workspace_id=workspace_id, dimension=dim, ids=vs) for dim, vs in values.items()}
    out = []
    for e in entries:
        named = {dim: names[dim].get(value, value) for dim, value in e.segment.items()}
        if named == e.segment:
            out.append(e)
            continue
        ids = {dim: value for dim, value in e.segment.items() if named[dim] != value}
        text = e.explanation
        for dim, value in ids.items():  # the stored text names the segment as `rollup.subject` wrote it
            text = text.replace(subject_tail(dim, value), subject_tail(dim, named[dim]))
        out.append(dataclasses.replace(e, segment=named, segment_id=ids, explanation=text))
    return out


def _catalogue_order(key: str) -> int:
    return list(CATALOGUE).index(key) if key in CATALOGUE else 999


def scorecard(session: Session, *, workspace_id: str, settings: RollupSettings, day: date | None = None,
              dimension: str | None = None) -> Scorecard:
    """Stored zones of one day (default: the latest computed), non-healthy first. One indexed read."""
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r} (known: {', '.join(DIMENSIONS)})")
    day = day or latest_computed_day(session, workspace_id=workspace_id)
    if day is None:
        return Scorecard(None, settings.timezone, ())
    found = day_readings(session, workspace_id=workspace_id, day=day, dimension=dimension or "")
    entries = sorted(_named(session, workspace_id, [_entry(r, settings.definitions.currency) for r in found]),
                     key=lambda e: (SCORECARD_ORDER.get(e.zone, 9), -(e.score or 0.0) if e.zone in BAD else 0,
                                    _catalogue_order(e.key), tuple(e.segment.values())))
    return Scorecard(day, settings.timezone, tuple(entries))


def range_scorecard(session: Session, *, workspace_id: str, settings: RollupSettings, start: date, end: date,
                    dimension: str | None = None) -> Scorecard:
    """Each metric over [start, end]: counts summed, rates pooled, medians of daily medians.

    Durations over a range are the n-weighted mean of daily medians (exact medians over a
    range would need the tickets; `explanation` says so).
    """
    stop = end + timedelta(days=1)
    rows = store.load_daily(session, workspace_id=workspace_id, start=start, end=stop, dimension=dimension or "")
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for r in rows:
        groups[(r[1], r[3])].append(r)
    entries = []
    days = (stop - start).days
    for (m, seg), rs in groups.items():
        mdef = CATALOGUE.get(m)
        if mdef is None:
            continue
        vals = [r for r in rs if r[4] is not None]
        n = int(sum(r[5] or 0 for r in vals))
        if mdef.kind == "rate":
            num = sum(r[6] or 0 for r in vals)
            den = sum(r[7] or 0 for r in vals)
            value = num / den if den else None
            n = int(den)
            how = f"{num:.0f} of {den:.0f} {mdef.denominator}"
        elif mdef.key == "ticket_volume":
            value = float(sum(r[4] for r in vals))
            how = f"tickets created in the {days} days"
        elif mdef.key in ("backlog", "backlog_age"):
            last = max(vals, key=lambda r: r[0]) if vals else None
            value = last[4] if last else None
            how = f"at the end of {last[0].isoformat()}" if last else "no data"
        elif mdef.key in ("tickets_per_agent", "cost_per_resolution"):
            num = sum(r[6] or 0 for r in vals)
            den = sum(r[7] or 0 for r in vals)
            value = num / den if den else None
            how = "pooled over the range"
        else:
            w = sum(r[5] or 0 for r in vals)
            value = sum((r[4] or 0) * (r[5] or 0) for r in vals) / w if w else None
            how = f"n-weighted mean of daily {mdef.aggregate}s over {len(vals)} days"
        currency = settings.definitions.currency
        text = (f"{mdef.label} from {start.isoformat()} to {end.isoformat()}: "
                f"{format_value(value, mdef.unit, currency=currency)} ({how}).")
        entries.append(ScorecardEntry(m, mdef.label, {dimension: seg} if dimension else {}, value, mdef.unit, n,
                                      "n/a", None, {}, text, None, mdef.denominator, currency=currency))
    entries = _named(session, workspace_id, entries)
    entries.sort(key=lambda e: (_catalogue_order(e.key), tuple(e.segment.values())))
    return Scorecard(end, settings.timezone, tuple(entries))


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    day: date
    value: float | None
    zone: str | None
    expected: float | None
    score: float | None
    n: int


def metric_series(session: Session, *, workspace_id: str, metric: str, dimension: str = "", segment: str = "",
                  start: date | None = None, end: date | None = None) -> list[SeriesPoint]:
    """Stored daily points of one metric/segment over [start, end) — for charts."""
    rows = store.load_daily(session, workspace_id=workspace_id, start=start, end=end, metric=metric,
                            dimension=dimension, segment=segment)
    return [SeriesPoint(r[0], r[4], r[8], r[9], r[10], int(r[5] or 0)) for r in rows]


def backtest_stored(session: Session, *, workspace_id: str, settings: RollupSettings, metric: str,
                    dimension: str = "") -> list[tuple[str, BacktestResult]]:
    """Backtests of a metric from the stored daily values: overall, or each segment of `dimension`."""
    mdef = CATALOGUE[metric]
    rows = store.load_daily(session, workspace_id=workspace_id, metric=metric, dimension=dimension)
    by_seg: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        by_seg[r[3]].append(r)
    changes = known_change_days(session, workspace_id, settings)
    rules = [r for r in settings.rules if r.metric == metric and (r.dimension or "") == dimension]
    out = []
    for seg, rs in sorted(by_seg.items()):
        pts = [(r[0], r[4], r[5], r[6], r[7]) for r in rs]
        series = DailySeries.from_points(pts)
        seg_rules = [r for r in rules if r.matches(metric, dimension, seg)]
        out.append((seg, backtest(series, mdef, settings.metrics.for_metric(metric), rules=seg_rules,
                                  drift=settings.metrics.drift, change_days=for_metric(changes, metric),
                                  dimension=dimension,
                                  segment=seg)))
    return out
