"""The read model: a stored daily row (or a trigger's stored evidence) read as every surface shows it.

A `Reading` is the value a zone was judged on (pooled over the window for rates), that window, the zone
(`zone_names.DEFAULT` when none was stored), the expected value and bands, and the evidence they came from.
The scorecard (`/metrics`, App Home, the CLI), the weekly review, alerts and action cards all format from it,
and "the latest computed day" is `latest_computed_day`. Nothing here formats or commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics.zone_names import zone_or_default
from bot.storage import metrics as store
from bot.storage.models import DailyMetric, TriggerRow


@dataclass(frozen=True, slots=True)
class Reading:
    """One series on one day, as judged. `day` is the last day of the window the value covers."""
    day: date
    metric: str
    dimension: str
    segment: str
    value: float | None  # the value the zone was judged on (pooled over `window_days` for rates)
    zone: str
    expected: float | None
    score: float | None = None
    n: int = 0  # the tickets behind `value`
    numerator: float | None = None  # the raw day's, for the before/after tests (None for a trigger's reading)
    denominator: float | None = None
    bands: dict[str, float | None] = field(default_factory=dict)  # as stored: {} for older rows
    window_days: int = 1  # rates are pooled over several days
    same_weekday: bool = False
    drifting: bool = False
    absolute: bool = False
    explanation: str = ""  # the statistics sentence (the "Why?" line); "" for older rows
    annotations: tuple[str, ...] = ()
    since: date | None = None  # a trigger's streak start
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def side(self) -> str:
        return "above" if (self.value or 0) >= (self.expected or 0) else "below"


def from_evidence(evidence: dict[str, Any] | None, *, metric: str, day: date, dimension: str = "",
                  segment: str = "", zone: str | None = None, value: float | None = None,
                  expected: float | None = None, score: float | None = None, n: int | None = 0,
                  numerator: float | None = None, denominator: float | None = None) -> Reading:
    """A `Reading` from stored evidence; the keyword values (a row's columns) fill in what it lacks (older
    rows keep the numbers only, and no zone)."""
    ev = evidence or {}
    since = ev.get("since")
    return Reading(
        day, metric, dimension, segment, ev.get("value", value), zone_or_default(zone or ev.get("zone")),
        ev.get("expected", expected), ev.get("score", score), int(ev.get("n", n) or 0), numerator, denominator,
        ev.get("bands") or {}, int(ev.get("window_days") or 1), bool(ev.get("same_weekday")),
        bool(ev.get("drifting")), bool(ev.get("absolute")), str(ev.get("explanation") or ""),
        tuple(ev.get("annotations") or ()), date.fromisoformat(since) if since else None, ev)


def reading(row: DailyMetric) -> Reading:
    """A stored `daily_metrics` row as read."""
    return from_evidence(row.evidence, metric=row.metric, day=row.day, dimension=row.dimension,
                         segment=row.segment, zone=row.zone, value=row.value, expected=row.expected,
                         score=row.score, n=row.n, numerator=row.numerator, denominator=row.denominator)


def trigger_reading(trig: TriggerRow) -> Reading:
    """The reading a trigger fired on: its stored evidence, on the day it fired."""
    return from_evidence(trig.evidence, metric=trig.metric, day=trig.fired_on, dimension=trig.dimension,
                         segment=trig.segment, zone=trig.zone)


def latest_computed_day(session: Session, *, workspace_id: str, on_or_before: date | None = None,
                        metric: str | None = None) -> date | None:
    """The latest day the rollups computed (a day with overall rows), on or before a day, of one metric or any:
    what `/metrics`, App Home, the CLI, the review's "now", verdicts and charts call "now"."""
    return store.computed_day(session, workspace_id=workspace_id, on_or_before=on_or_before, metric=metric)


def computed_span(session: Session, *, workspace_id: str) -> tuple[date | None, date | None]:
    """(first, latest) computed day: what a range can be asked about."""
    latest = latest_computed_day(session, workspace_id=workspace_id)
    if latest is None:
        return None, None
    return store.computed_day(session, workspace_id=workspace_id, first=True), latest


def day_readings(session: Session, *, workspace_id: str, day: date, dimension: str | None = "",
                 metric: str | None = None) -> list[Reading]:
    """Every stored reading of one day (overall by default; dimension None: every dimension), of one metric or all."""
    return [reading(r) for r in store.day_rows(session, workspace_id=workspace_id, day=day, dimension=dimension,
                                               metric=metric)]


def latest_reading(session: Session, *, workspace_id: str, metric: str, dimension: str = "",
                   segment: str = "") -> Reading | None:
    """The series' most recent reading with a value (what an action records as its value at open)."""
    row = store.latest_row(session, workspace_id=workspace_id, metric=metric, dimension=dimension, segment=segment)
    return None if row is None else reading(row)
