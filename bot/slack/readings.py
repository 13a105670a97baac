"""What the Slack views read: the scorecard, one metric's trend and segments, agent figures.

Formats the read model (`bot.metrics.readings`: the stored rows as read, and the latest computed day) for
Slack, and, for the App Home agent panel, aggregates over `tickets`. Results are frozen dataclasses that
templates read. Every query filters on `workspace_id`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.metrics import readings as metric_readings
from bot.metrics import zone_names
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.zone_names import zone_or_default
from bot.metrics.zones import format_value
from bot.rituals import windows, words
from bot.storage import metrics as store
from bot.storage.models import TicketRow
from bot.storage.reference import agent_keys_for_email, display_names, named_text

SPARK = "▁▂▃▄▅▆▇█"
MAX_SEGMENTS = 15


@dataclass(frozen=True)
class Reading:
    metric: str
    label: str
    zone: str
    value: str
    expected: str
    explanation: str
    n: int
    dimension: str = ""
    segment: str = ""
    window: str = ""  # the days `value` covers, in words: "Thu 26 Nov", "7 days to Thu 26 Nov"
    words: str = ""  # "far above its usual range for a Thursday" (mrkdwn-safe); `explanation` is the "Why?" line
    pooled: bool = False  # `value` covers several days (a rate's window)

    @property
    def zone_label(self) -> str:
        """'Act now', 'Not enough data': the zone's words (`zone_names.WORDS`) as a label."""
        said = zone_names.words(self.zone)
        return said[:1].upper() + said[1:] if self.zone in zone_names.WORDS else said

    @property
    def emoji(self) -> str:
        return zone_names.emoji(self.zone)


@dataclass(frozen=True)
class ScorecardView:
    as_of: date | None
    readings: tuple[Reading, ...]

    @property
    def as_of_words(self) -> str:
        return windows.day(self.as_of) if self.as_of else ""

    def in_zone(self, *zones: str) -> list[Reading]:
        return [r for r in self.readings if r.zone in zones]

    @property
    def counts(self) -> dict[str, int]:
        """Series per zone, counted as the weekly review counts its "now" (`zone_names.counts`)."""
        return zone_names.counts(r.zone for r in self.readings)


@dataclass(frozen=True)
class MetricDetail:
    metric: str
    label: str
    definition: str
    days: int
    by: str | None
    latest: Reading | None
    first_day: date | None
    last_day: date | None
    sparkline: str
    low: str
    high: str
    start_value: str
    end_value: str
    segments: tuple[Reading, ...] = ()
    more_segments: int = 0
    annotations: tuple[tuple[date, str, str], ...] = field(default=())

    @property
    def span_words(self) -> str:
        """'Fri 13 Nov to Thu 19 Nov': the days the sparkline covers."""
        return windows.span(self.first_day, self.last_day) if self.first_day and self.last_day else ""

    @property
    def annotation_days(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((windows.day(day), kind, label) for day, kind, label in self.annotations)


@dataclass(frozen=True)
class AgentFigures:
    volume: int
    fcr: str
    csat: str


def _reading(r: metric_readings.Reading, currency: str | None = None) -> Reading:
    """One stored reading as every message shows it (`rituals.words.said`): the value its zone was judged on
    (pooled over the window for rates), that window in words, and plain words."""
    definition = CATALOGUE.get(r.metric)
    said = words.said(r, today=None, currency=currency)
    return Reading(
        metric=r.metric,
        label=definition.label if definition else r.metric,
        zone=r.zone,
        value=said.value,
        expected=said.expected if r.expected is not None else "n/a",
        explanation=said.why,
        n=r.n,
        dimension=r.dimension,
        segment=r.segment,
        window=said.window,
        words=said.words,
        pooled=r.window_days > 1,
    )


def scorecard(session: Session, *, workspace_id: str, currency: str | None = None) -> ScorecardView:
    """Every metric's overall zone on the latest computed day (the day the weekly review calls "now"), in
    catalogue order."""
    day = metric_readings.latest_computed_day(session, workspace_id=workspace_id)
    if day is None:
        return ScorecardView(None, ())
    found = metric_readings.day_readings(session, workspace_id=workspace_id, day=day, dimension="")
    order = {key: i for i, key in enumerate(CATALOGUE)}
    shown = sorted((_reading(r, currency) for r in found), key=lambda r: order.get(r.metric, len(order)))
    return ScorecardView(day, tuple(shown))


def sparkline(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(" " if v is None else SPARK[min(7, int((v - low) / span * 7.999))] for v in values)


def metric_detail(session: Session, *, workspace_id: str, metric: str, days: int, by: str | None,
                  annotations: list[tuple[date, str, str]] | None = None, currency: str | None = None) -> MetricDetail:
    definition = CATALOGUE[metric]
    last = metric_readings.latest_computed_day(session, workspace_id=workspace_id, metric=metric)
    if last is None:
        return MetricDetail(metric, definition.label, definition.definition, days, by, None, None, None, "", "n/a",
                            "n/a", "n/a", "n/a")
    first = last - timedelta(days=days - 1)
    # the sparkline draws each day's own value (DAILY_FIELDS: day, …, value)
    by_day = {r[0]: r[4] for r in store.load_daily(session, workspace_id=workspace_id, start=first,
                                                    end=last + timedelta(days=1), metric=metric, dimension="",
                                                    segment="")}
    series = [by_day.get(first + timedelta(days=i)) for i in range(days)]
    known = [v for v in series if v is not None]
    unit = definition.unit
    segments: list[Reading] = []
    more = 0
    if by:
        seg_rows = store.day_rows(session, workspace_id=workspace_id, day=last, dimension=by, metric=metric)
        zone_rank = {z: i for i, z in enumerate(zone_names.LISTED)}
        seg_rows.sort(key=lambda r: (zone_rank[zone_or_default(r.zone)], -(r.n or 0), r.segment))
        shown = seg_rows[:MAX_SEGMENTS]
        names = display_names(session, workspace_id=workspace_id, dimension=by, ids=[r.segment for r in shown])
        segments = [_named(_reading(metric_readings.reading(r), currency), names.get(r.segment, r.segment))
                    for r in shown]
        more = max(0, len(seg_rows) - MAX_SEGMENTS)
    return MetricDetail(
        metric=metric, label=definition.label, definition=definition.definition, days=days, by=by,
        latest=next((_reading(r, currency) for r in metric_readings.day_readings(
            session, workspace_id=workspace_id, day=last, metric=metric)), None),
        first_day=first, last_day=last, sparkline=sparkline(series),
        low=format_value(min(known), unit, currency=currency) if known else "n/a",
        high=format_value(max(known), unit, currency=currency) if known else "n/a",
        start_value=format_value(next((v for v in series if v is not None), None), unit, currency=currency),
        end_value=format_value(known[-1] if known else None, unit, currency=currency),
        segments=tuple(segments), more_segments=more,
        annotations=tuple(a for a in (annotations or []) if first <= a[0] <= last),
    )


def _named(reading: Reading, name: str) -> Reading:
    """A segment reading under the name its source reports today (the stored explanation names the id)."""
    if name == reading.segment:
        return reading
    return dataclasses.replace(reading, segment=name, explanation=named_text(
        reading.explanation, reading.dimension, reading.segment, name))


def _assigned_to(session: Session, workspace_id: str, email: str) -> Any:
    """Tickets of this agent: by the email a CSV import stores, or by the ids of the agents synced with it."""
    keys = agent_keys_for_email(session, workspace_id=workspace_id, email=email)
    by_email = func.lower(TicketRow.assignee_email) == email.lower()
    return (by_email | TicketRow.assignee.in_(keys)) if keys else by_email


def latest_value(session: Session, *, workspace_id: str, metric: str, dimension: str = "",
                 segment: str = "") -> float | None:
    """The metric's most recent value for a segment as `/metrics` shows it (the value its zone was judged on,
    pooled over the window for rates): the value recorded on an action."""
    found = metric_readings.latest_reading(session, workspace_id=workspace_id, metric=metric, dimension=dimension,
                                           segment=segment)
    return None if found is None else found.value


def agent_figures(session: Session, *, workspace_id: str, since_at: datetime, until_at: datetime,
                  email: str | None = None) -> AgentFigures:
    """Solved volume, FCR and CSAT over [since_at, until_at), for one agent (by email) or the team."""
    rated = case((TicketRow.csat.in_(("satisfied", "unsatisfied")), 1), else_=0)
    satisfied = case((TicketRow.csat == "satisfied", 1), else_=0)
    known_replies = case((TicketRow.agent_replies.is_not(None), 1), else_=0)
    one_touch = case(((TicketRow.agent_replies <= 1) & (TicketRow.reopens == 0), 1), else_=0)
    query = select(func.count(), func.sum(rated), func.sum(satisfied), func.sum(known_replies),
                   func.sum(one_touch)).where(
        TicketRow.workspace_id == workspace_id, TicketRow.deleted.is_(False),
        TicketRow.solved_at >= since_at, TicketRow.solved_at < until_at)
    if email is not None:
        query = query.where(_assigned_to(session, workspace_id, email))
    count, n_rated, n_sat, n_known, n_one = session.execute(query).one()
    return AgentFigures(
        volume=int(count or 0),
        fcr=format_value(n_one / n_known, "share") if n_known else "n/a",
        csat=format_value(n_sat / n_rated, "share") if n_rated else "n/a",
    )


def is_agent(session: Session, *, workspace_id: str, email: str) -> bool:
    return session.scalar(select(TicketRow.id).where(
        TicketRow.workspace_id == workspace_id, _assigned_to(session, workspace_id, email)).limit(1)) is not None
