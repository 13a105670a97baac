"""The SQL that feeds the rituals. Every query is scoped by workspace; nothing here commits."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.metrics.facts import AreaMatcher
from bot.storage.models import Action, DailyMetric, TicketRow, TriggerRow


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    metric: str
    dimension: str
    segment: str
    value: float | None
    zone: str | None
    expected: float | None
    score: float | None
    n: int
    numerator: float | None
    denominator: float | None
    bands: dict[str, float | None]
    evidence: dict[str, Any] | None = field(default=None, compare=False, repr=False)


def _bands(evidence: dict[str, Any] | None) -> dict[str, float | None]:
    bands = (evidence or {}).get("bands") or {}
    return {k: bands.get(k) for k in ("watch_above", "act_now_above", "watch_below", "act_now_below")}


def _day(row: DailyMetric) -> Day:
    # The value and n a zone was judged on (pooled over the window for rates) live in the evidence;
    # numerator/denominator stay the raw day's, for the before/after tests.
    evidence = row.evidence or {}
    value = evidence.get("value", row.value)
    n = int(evidence.get("n", row.n) or 0)
    return Day(row.day, row.metric, row.dimension, row.segment, value, row.zone, row.expected, row.score, n,
               row.numerator, row.denominator, _bands(evidence), evidence)


def daily(session: Session, *, workspace_id: str, start: date, end: date, metric: str | None = None,
          dimension: str | None = "", segment: str | None = None) -> list[Day]:
    """Daily rows in [start, end], oldest first. dimension None = every dimension."""
    q = select(DailyMetric).where(DailyMetric.workspace_id == workspace_id, DailyMetric.day >= start,
                                  DailyMetric.day <= end)
    if metric is not None:
        q = q.where(DailyMetric.metric == metric)
    if dimension is not None:
        q = q.where(DailyMetric.dimension == dimension)
    if segment is not None:
        q = q.where(DailyMetric.segment == segment)
    return [_day(r) for r in session.scalars(q.order_by(DailyMetric.day, DailyMetric.metric, DailyMetric.id))]


def daily_series(session: Session, *, workspace_id: str, series: Iterable[tuple[str, str, str]], start: date,
                 end: date) -> list[Day]:
    """The daily rows in [start, end] of each (metric, dimension, segment) in `series`, oldest first, in one query."""
    wanted = sorted(set(series))
    if not wanted:
        return []
    match = or_(*(and_(DailyMetric.metric == m, DailyMetric.dimension == d, DailyMetric.segment == s)
                  for m, d, s in wanted))
    q = select(DailyMetric).where(DailyMetric.workspace_id == workspace_id, DailyMetric.day >= start,
                                  DailyMetric.day <= end, match)
    return [_day(r) for r in session.scalars(q.order_by(DailyMetric.day, DailyMetric.metric, DailyMetric.id))]


def latest_metric_day(session: Session, *, workspace_id: str, on_or_before: date) -> date | None:
    return session.scalar(select(func.max(DailyMetric.day)).where(
        DailyMetric.workspace_id == workspace_id, DailyMetric.day <= on_or_before))


def scorecard_day(session: Session, *, workspace_id: str, on_or_before: date | None = None) -> date | None:
    """The latest computed day with overall rows: the day `/metrics`, App Home and the review's "now" read."""
    q = select(func.max(DailyMetric.day)).where(DailyMetric.workspace_id == workspace_id,
                                                DailyMetric.dimension == "")
    if on_or_before is not None:
        q = q.where(DailyMetric.day <= on_or_before)
    return session.scalar(q)


ZONES = ("act_now", "watch", "healthy", "learning", "insufficient_data")


def zone_counts(zones: Iterable[str | None]) -> dict[str, int]:
    """How many series are in each zone (no zone counts as insufficient data), as `/metrics` counts them."""
    listed = [z or "insufficient_data" for z in zones]
    return {z: listed.count(z) for z in ZONES}


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure as every message shows it: the value a zone was judged on, over the window it covers.

    Built from stored evidence (a daily row's or a trigger's), so the alert, the DM, the review and the
    action card of one trigger read the same value, window and segment.
    """
    metric: str
    dimension: str
    segment: str
    day: date  # the last day of the window
    zone: str
    value: float | None
    expected: float | None
    window_days: int = 1  # rates are pooled over several days
    same_weekday: bool = False
    drifting: bool = False
    absolute: bool = False
    score: float | None = None
    n: int = 0
    explanation: str = ""  # the statistics sentence (the "Why?" line)
    annotations: tuple[str, ...] = ()
    since: date | None = None  # a trigger's streak start

    @property
    def side(self) -> str:
        return "above" if (self.value or 0) >= (self.expected or 0) else "below"


def figure(evidence: dict[str, Any] | None, *, metric: str, day: date, dimension: str = "", segment: str = "",
           zone: str | None = None, value: float | None = None, expected: float | None = None,
           score: float | None = None, n: int = 0) -> Figure:
    """A `Figure` from stored evidence; the keyword values fill in what the evidence lacks (older rows
    keep the numbers only)."""
    ev = evidence or {}
    since = ev.get("since")
    return Figure(
        metric, dimension, segment, day, str(zone or ev.get("zone") or "insufficient_data"),
        ev.get("value", value), ev.get("expected", expected), int(ev.get("window_days") or 1),
        bool(ev.get("same_weekday")), bool(ev.get("drifting")), bool(ev.get("absolute")), ev.get("score", score), int(ev.get("n", n) or 0), str(ev.get("explanation") or ""),
        tuple(ev.get("annotations") or ()), date.fromisoformat(since) if since else None)


def row_figure(row: DailyMetric) -> Figure:
    return figure(row.evidence, metric=row.metric, day=row.day, dimension=row.dimension, segment=row.segment,
                  zone=row.zone, value=row.value, expected=row.expected, score=row.score, n=row.n)


def day_figure(d: Day) -> Figure:
    return figure(d.evidence, metric=d.metric, day=d.day, dimension=d.dimension, segment=d.segment, zone=d.zone,
                  value=d.value, expected=d.expected, score=d.score, n=d.n)


def trigger_figure(trig: TriggerRow) -> Figure:
    """The reading a trigger fired on (its stored evidence, on the day it fired)."""
    return figure(trig.evidence, metric=trig.metric, day=trig.fired_on, dimension=trig.dimension,
                  segment=trig.segment, zone=trig.zone)


def triggers(session: Session, *, workspace_id: str, fired_since: date | None = None,
             status: str | None = None) -> list[TriggerRow]:
    q = select(TriggerRow).where(TriggerRow.workspace_id == workspace_id)
    if fired_since is not None:
        q = q.where(TriggerRow.fired_on >= fired_since)
    if status is not None:
        q = q.where(TriggerRow.status == status)
    return list(session.scalars(q.order_by(TriggerRow.fired_on, TriggerRow.id)))


def triggers_by_ids(session: Session, *, workspace_id: str, ids: Iterable[int]) -> list[TriggerRow]:
    ids = list(ids)
    if not ids:
        return []
    return list(session.scalars(select(TriggerRow).where(TriggerRow.workspace_id == workspace_id,
                                                          TriggerRow.id.in_(ids)).order_by(TriggerRow.id)))


def actions(session: Session, *, workspace_id: str, statuses: Sequence[str] | None = None,
            trigger_ids: Iterable[int] | None = None) -> list[Action]:
    q = select(Action).where(Action.workspace_id == workspace_id)
    if statuses is not None:
        q = q.where(Action.status.in_(list(statuses)))
    if trigger_ids is not None:
        q = q.where(Action.trigger_id.in_(list(trigger_ids)))
    return list(session.scalars(q.order_by(Action.due_on, Action.id)))


def actions_created_since(session: Session, *, workspace_id: str, since_at: datetime) -> list[Action]:
    return list(session.scalars(select(Action).where(Action.workspace_id == workspace_id,
                                                     Action.created_at >= since_at).order_by(Action.id)))


@dataclass(frozen=True, slots=True)
class TicketFact:
    id: int
    source: str
    external_id: str
    created_at: datetime
    solved_at: datetime | None
    resolution_seconds: float | None
    organization: str | None
    requester: str | None
    tags: tuple[str, ...]
    subject: str | None
    csat: str | None
    escalated: bool
    reassignments: int
    agent_replies: int | None
    reopens: int
    bot_involved: bool
    bot_resolved: bool
    channel: str | None = None
    priority: str | None = None
    group: str | None = None
    assignee: str | None = None

    def fields(self) -> dict[str, object]:
        """The attributes a `field:value` product-area rule can name (see `AreaMatcher`)."""
        return {name: getattr(self, name) for name in AreaMatcher.FIELDS}


def tickets(session: Session, *, workspace_id: str, created_from: datetime, created_to: datetime) -> list[TicketFact]:
    """Non-deleted tickets created in [created_from, created_to)."""
    t = TicketRow
    rows = session.execute(select(
        t.id, t.source, t.external_id, t.created_at, t.solved_at, t.resolution_seconds, t.organization, t.requester,
        t.tags, t.subject, t.csat, t.escalated, t.reassignments, t.agent_replies, t.reopens, t.bot_involved,
        t.bot_resolved, t.channel, t.priority, t.group_name, t.assignee,
    ).where(t.workspace_id == workspace_id, t.deleted.is_(False), t.outbound.is_(False), t.created_at >= created_from,
            t.created_at < created_to).order_by(t.created_at, t.id))
    return [TicketFact(r.id, r.source, r.external_id, r.created_at, r.solved_at, r.resolution_seconds,
                       r.organization, r.requester, tuple(r.tags or ()), r.subject, r.csat, bool(r.escalated),
                       r.reassignments or 0, r.agent_replies, r.reopens or 0, bool(r.bot_involved),
                       bool(r.bot_resolved), r.channel, r.priority, r.group_name, r.assignee) for r in rows]


def solved_tickets(session: Session, *, workspace_id: str, solved_from: datetime, solved_to: datetime) -> list[TicketFact]:
    t = TicketRow
    ids = select(t.id).where(t.workspace_id == workspace_id, t.deleted.is_(False), t.solved_at >= solved_from,
                             t.solved_at < solved_to)
    first = session.scalar(select(func.min(t.created_at)).where(t.id.in_(ids)))
    if first is None:
        return []
    return [f for f in tickets(session, workspace_id=workspace_id, created_from=first, created_to=solved_to)
            if f.solved_at is not None and solved_from <= f.solved_at < solved_to]
