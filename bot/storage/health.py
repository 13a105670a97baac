"""SQL for source health (bot/storage/health_models.py). Functions take a session and never commit.

Counters change in SQL (`consecutive_failures + 1`), never read-modify-write, so two
processes recording at once both count.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert as sa_insert, select, update
from sqlalchemy.orm import Session

from bot.storage.health_models import SourceHealth
from bot.storage.models import QuarantinedRecord, TicketRow


def _ensure(session: Session, *, workspace_id: str, source: str, type: str, now: datetime) -> None:
    values = {"workspace_id": workspace_id, "source": source, "type": type, "consecutive_failures": 0,
              "last_fetched": 0, "last_quarantined": 0, "updated_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two supported backends above
        if session.scalar(_row(workspace_id, source)) is None:
            session.execute(sa_insert(SourceHealth).values(**values))
        return
    session.execute(insert(SourceHealth).values(**values)
                    .on_conflict_do_nothing(index_elements=["workspace_id", "source"]))


def _row(workspace_id: str, source: str):
    return select(SourceHealth).where(SourceHealth.workspace_id == workspace_id, SourceHealth.source == source)


def _where(workspace_id: str, source: str):
    return update(SourceHealth).where(SourceHealth.workspace_id == workspace_id, SourceHealth.source == source) \
        .execution_options(synchronize_session=False)


def note_success(session: Session, *, workspace_id: str, source: str, type: str, now: datetime, fetched: int,
                 quarantined: int) -> None:
    _ensure(session, workspace_id=workspace_id, source=source, type=type, now=now)
    session.execute(_where(workspace_id, source).values(
        type=type, consecutive_failures=0, failing_since=None, last_attempt_at=now, last_success_at=now,
        last_error=None, last_error_kind=None, last_fetched=fetched, last_quarantined=quarantined, updated_at=now))


def note_failure(session: Session, *, workspace_id: str, source: str, type: str, now: datetime, kind: str,
                 error: str, fetched: int, quarantined: int) -> None:
    _ensure(session, workspace_id=workspace_id, source=source, type=type, now=now)
    session.execute(_where(workspace_id, source).values(
        type=type, consecutive_failures=SourceHealth.consecutive_failures + 1,
        failing_since=func.coalesce(SourceHealth.failing_since, now), last_attempt_at=now, last_error=error[:500],
        last_error_kind=kind[:32], last_fetched=fetched, last_quarantined=quarantined, updated_at=now))


def health_rows(session: Session, *, workspace_id: str) -> dict[str, SourceHealth]:
    rows = session.scalars(select(SourceHealth).where(SourceHealth.workspace_id == workspace_id))
    return {row.source: row for row in rows}


def ticket_counts(session: Session, *, workspace_id: str) -> dict[str, int]:
    """Stored tickets per source (deleted ones included: they were synced)."""
    rows = session.execute(select(TicketRow.source, func.count()).where(TicketRow.workspace_id == workspace_id)
                           .group_by(TicketRow.source))
    return {source: count for source, count in rows}


def quarantine_counts(session: Session, *, workspace_id: str) -> dict[str, int]:
    rows = session.execute(select(QuarantinedRecord.source, func.count())
                           .where(QuarantinedRecord.workspace_id == workspace_id).group_by(QuarantinedRecord.source))
    return {source: count for source, count in rows}


def open_alert(session: Session, *, workspace_id: str, source: str, period: str, reason: str, channel: str,
               ts: str | None, now: datetime) -> None:
    """Remember the alert posted for this incident (unless one is already remembered)."""
    session.execute(_where(workspace_id, source).where(SourceHealth.alert_period.is_(None)).values(
        alert_period=period, alert_reason=reason[:48], alert_channel=channel, alert_ts=ts, updated_at=now))


def close_alert(session: Session, *, workspace_id: str, source: str, period: str, now: datetime) -> None:
    session.execute(_where(workspace_id, source).where(SourceHealth.alert_period == period).values(
        alert_period=None, alert_reason=None, alert_channel=None, alert_ts=None, updated_at=now))


def open_alerts(session: Session, *, workspace_id: str) -> list[SourceHealth]:
    """The workspace's health rows with an open alert, configured sources or not (a removed one keeps its row)."""
    return list(session.scalars(select(SourceHealth).where(SourceHealth.workspace_id == workspace_id,
                                                          SourceHealth.alert_period.is_not(None))
                                .order_by(SourceHealth.source)))


def health_by_source(session: Session, *, workspace_id: str | None = None) -> dict[tuple[str, str], SourceHealth]:
    """Health rows by (workspace, source): one workspace's, or every workspace's (`source list`)."""
    query = select(SourceHealth)
    if workspace_id is not None:
        query = query.where(SourceHealth.workspace_id == workspace_id)
    return {(row.workspace_id, row.source): row for row in session.scalars(query)}
