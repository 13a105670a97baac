"""Queries feeding the metrics core and writing its rollups. Scoped by workspace; never commit.

Ticket facts are read with a narrow column select, instants converted to epoch
seconds in SQL (no per-value datetime parsing in Python), and streamed in
chunks into the numpy column builder, so a million tickets never exist as
Python row objects all at once.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Text, and_, cast, delete, extract, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.metrics.facts import UNSOLVED, ColumnsBuilder, TicketColumns
from bot.metrics.settings import RollupSettings
from bot.storage.metric_models import MetricWatermark
from bot.storage.models import Annotation, DailyMetric, TicketRow, TriggerRow

CHUNK = 50_000


def _epoch(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(extract("epoch", column), Float)


def _fact_columns(session: Session) -> list[Any]:
    t = TicketRow
    e = lambda c: _epoch(session, c)  # noqa: E731
    return [
        t.id, e(t.created_at), t.status, t.source, e(t.first_response_at), e(t.solved_at), t.agent_replies,
        t.reopens, t.reassignments, t.escalated, cast(t.tags, Text), t.channel, t.priority, t.group_name,
        t.assignee, t.organization, t.requester, t.csat, t.bot_involved, t.bot_resolved,
        t.first_response_business_seconds, t.resolution_business_seconds,
    ]


def iter_fact_rows(
    session: Session,
    *,
    workspace_id: str,
    created_before_at: datetime | None = None,
    relevant_since_at: datetime | None = None,
    created_since_at: datetime | None = None,
    chunk: int = CHUNK,
) -> Iterator[Sequence[tuple]]:
    """Chunks of non-deleted ticket rows in `FACT_FIELDS` order.

    With `relevant_since_at`, only tickets that can affect days from then on:
    created since `created_since_at` (repeat-contact lookback), still unsolved,
    or solved since `relevant_since_at`.
    """
    t = TicketRow
    q = select(*_fact_columns(session)).where(t.workspace_id == workspace_id, t.deleted.is_(False))
    if created_before_at is not None:
        q = q.where(t.created_at < created_before_at)
    if relevant_since_at is not None:
        q = q.where(or_(
            t.created_at >= (created_since_at or relevant_since_at),
            t.solved_at.is_(None),
            t.solved_at >= relevant_since_at,
            t.status.in_(sorted(UNSOLVED)),
        ))
    result = session.execute(q.execution_options(yield_per=chunk))
    for part in result.partitions(chunk):
        yield part


def load_ticket_columns(session: Session, *, workspace_id: str, settings: RollupSettings, **filters: Any) -> TicketColumns:
    builder = ColumnsBuilder(settings)
    for part in iter_fact_rows(session, workspace_id=workspace_id, **filters):
        builder.add(part)
    return builder.build()


def ticket_extent(session: Session, *, workspace_id: str) -> tuple[datetime | None, datetime | None, int]:
    """(earliest created_at, latest changed_at, count) of the workspace's tickets."""
    t = TicketRow
    row = session.execute(
        select(func.min(t.created_at), func.max(t.changed_at), func.count()).where(t.workspace_id == workspace_id)
    ).one()
    lo, hi, n = row
    return _aware(lo), _aware(hi), int(n)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates bypass the column type
        value = datetime.fromisoformat(value)
    from datetime import timezone
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def changed_since(session: Session, *, workspace_id: str, since_at: datetime) -> list[tuple]:
    """(created_s, first_response_s, solved_s, status, deleted) of tickets changed after `since_at`."""
    t = TicketRow
    q = select(_epoch(session, t.created_at), _epoch(session, t.first_response_at), _epoch(session, t.solved_at),
               t.status, t.deleted).where(t.workspace_id == workspace_id, t.changed_at > since_at)
    return [tuple(r) for r in session.execute(q)]


# --- daily_metrics ---------------------------------------------------------------------------

def delete_daily(session: Session, *, workspace_id: str, start: date | None = None, end: date | None = None) -> None:
    q = delete(DailyMetric).where(DailyMetric.workspace_id == workspace_id)
    if start is not None:
        q = q.where(DailyMetric.day >= start)
    if end is not None:
        q = q.where(DailyMetric.day < end)
    session.execute(q)


def insert_daily(session: Session, rows: Sequence[dict[str, Any]], *, batch: int = 20_000) -> None:
    for i in range(0, len(rows), batch):
        session.execute(insert(DailyMetric.__table__), list(rows[i:i + batch]))


DAILY_FIELDS = ("day", "metric", "dimension", "segment", "value", "n", "numerator", "denominator", "zone",
                "expected", "score")


def load_daily(
    session: Session,
    *,
    workspace_id: str,
    start: date | None = None,
    end: date | None = None,
    metric: str | None = None,
    dimension: str | None = None,
    segment: str | None = None,
) -> list[tuple]:
    """Rows of `DAILY_FIELDS` for days in [start, end)."""
    d = DailyMetric
    q = select(d.day, d.metric, d.dimension, d.segment, d.value, d.n, d.numerator, d.denominator, d.zone,
               d.expected, d.score).where(d.workspace_id == workspace_id)
    if start is not None:
        q = q.where(d.day >= start)
    if end is not None:
        q = q.where(d.day < end)
    if metric is not None:
        q = q.where(d.metric == metric)
    if dimension is not None:
        q = q.where(d.dimension == dimension)
    if segment is not None:
        q = q.where(d.segment == segment)
    return [tuple(r) for r in session.execute(q.order_by(d.metric, d.dimension, d.segment, d.day))]


def drift_seeds(session: Session, *, workspace_id: str, day: date) -> dict[tuple[str, str, str], float]:
    """EWMA of the score per series on `day` (from the stored evidence)."""
    d = DailyMetric
    q = select(d.metric, d.dimension, d.segment, d.evidence).where(d.workspace_id == workspace_id, d.day == day)
    out = {}
    for m, dim, seg, ev in session.execute(q):
        if ev and ev.get("drift") is not None:
            out[(m, dim, seg)] = float(ev["drift"])
    return out


def latest_day(session: Session, *, workspace_id: str) -> date | None:
    return session.scalar(select(func.max(DailyMetric.day)).where(DailyMetric.workspace_id == workspace_id))


def day_rows(session: Session, *, workspace_id: str, day: date, dimension: str | None = "") -> list[DailyMetric]:
    """The stored rollup rows of one day (the scorecard read): one indexed query."""
    q = select(DailyMetric).where(DailyMetric.workspace_id == workspace_id, DailyMetric.day == day)
    if dimension is not None:
        q = q.where(DailyMetric.dimension == dimension)
    return list(session.scalars(q))


def range_sums(
    session: Session, *, workspace_id: str, start: date, end: date, dimension: str = ""
) -> list[tuple]:
    """(metric, segment, sum value, sum n, sum numerator, sum denominator, days) over [start, end)."""
    d = DailyMetric
    q = (select(d.metric, d.segment, func.sum(d.value), func.sum(d.n), func.sum(d.numerator),
                func.sum(d.denominator), func.count())
         .where(d.workspace_id == workspace_id, d.dimension == dimension, d.day >= start, d.day < end)
         .group_by(d.metric, d.segment))
    return [tuple(r) for r in session.execute(q)]


# --- annotations, watermarks, triggers --------------------------------------------------------

def annotations(session: Session, *, workspace_id: str) -> list[tuple[date, str, str]]:
    q = select(Annotation.day, Annotation.kind, Annotation.label).where(Annotation.workspace_id == workspace_id)
    return [tuple(r) for r in session.execute(q)]


def get_watermark(session: Session, *, workspace_id: str) -> MetricWatermark | None:
    return session.get(MetricWatermark, workspace_id)


def set_watermark(session: Session, *, workspace_id: str, **fields: Any) -> MetricWatermark:
    row = session.get(MetricWatermark, workspace_id)
    if row is None:
        row = MetricWatermark(workspace_id=workspace_id)
        session.add(row)
    for k, v in fields.items():
        setattr(row, k, v)
    session.flush()
    return row


def trigger_rows(session: Session, *, workspace_id: str, rules: Iterable[str]) -> list[TriggerRow]:
    names = list(rules)
    if not names:
        return []
    q = select(TriggerRow).where(TriggerRow.workspace_id == workspace_id, TriggerRow.rule.in_(names))
    return list(session.scalars(q.order_by(TriggerRow.id)))


def add_trigger(session: Session, **fields: Any) -> TriggerRow:
    row = TriggerRow(**fields)
    session.add(row)
    session.flush()
    return row


def recover_trigger(session: Session, *, workspace_id: str, trigger_id: int, day: date) -> None:
    session.execute(update(TriggerRow).where(
        and_(TriggerRow.workspace_id == workspace_id, TriggerRow.id == trigger_id)
    ).values(status="recovered", recovered_on=day))
