"""The SQL that feeds the rituals. Every query is scoped by workspace; nothing here commits. Daily rows come
back as `bot.metrics.readings.Reading`s, the one read model."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.metrics.facts import AreaMatcher
from bot.metrics.readings import Reading, reading
from bot.storage.models import Action, DailyMetric, TicketRow, TriggerRow


def daily(session: Session, *, workspace_id: str, start: date, end: date, metric: str | None = None,
          dimension: str | None = "", segment: str | None = None) -> list[Reading]:
    """Daily rows in [start, end], oldest first. dimension None = every dimension."""
    q = select(DailyMetric).where(DailyMetric.workspace_id == workspace_id, DailyMetric.day >= start,
                                  DailyMetric.day <= end)
    if metric is not None:
        q = q.where(DailyMetric.metric == metric)
    if dimension is not None:
        q = q.where(DailyMetric.dimension == dimension)
    if segment is not None:
        q = q.where(DailyMetric.segment == segment)
    return [reading(r) for r in session.scalars(q.order_by(DailyMetric.day, DailyMetric.metric, DailyMetric.id))]


def _grouped(session: Session, workspace_id: str, columns: tuple[Any, ...], keys: Iterable[tuple],
             *where: Any) -> dict[tuple, list[Reading]]:
    """The rows whose `columns` hold one of `keys`, in one query: {key: its rows, oldest first} ([] for none)."""
    wanted = sorted(set(keys))
    out: dict[tuple, list[Reading]] = {k: [] for k in wanted}
    if not wanted:
        return out
    match = or_(*(and_(*(c == v for c, v in zip(columns, key))) for key in wanted))
    q = select(DailyMetric).where(DailyMetric.workspace_id == workspace_id, match, *where)
    for r in session.scalars(q.order_by(DailyMetric.day, DailyMetric.metric, DailyMetric.id)):
        out[tuple(getattr(r, c.key) for c in columns)].append(reading(r))
    return out


def daily_series(session: Session, *, workspace_id: str, series: Iterable[tuple[str, str, str]], start: date,
                 end: date) -> dict[tuple[str, str, str], list[Reading]]:
    """The daily rows in [start, end] of each (metric, dimension, segment) in `series`, in one query."""
    d = DailyMetric
    return _grouped(session, workspace_id, (d.metric, d.dimension, d.segment), series, d.day >= start, d.day <= end)


def segment_days(session: Session, *, workspace_id: str,
                 keys: Iterable[tuple[date, str, str]]) -> dict[tuple[date, str, str], list[Reading]]:
    """Every segment's row of each (day, metric, dimension) in `keys`, in one query."""
    d = DailyMetric
    return _grouped(session, workspace_id, (d.day, d.metric, d.dimension), keys)


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
