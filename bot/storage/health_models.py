"""Per-source sync health: the streak of failed syncs, the last success, and the alert that was posted.

One row per (workspace, source). `last_error` is the sync's one-line error as the
adapters word it (the source, the HTTP status or error class, the variable to
check): never a response body, a record's text or a credential. `alert_*` name
the alert posted for the current incident (its ledger period, channel and ts),
so a recovery edits that message and a source still failing is never alerted twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow
from bot.storage.models import BigId


class SourceHealth(Base):
    __tablename__ = "source_health"
    __table_args__ = (UniqueConstraint("workspace_id", "source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first failure after the last success
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_kind: Mapped[str | None] = mapped_column(String(32))  # auth, rate_limited, server, … (bot/sync/health.py)
    last_fetched: Mapped[int] = mapped_column(Integer, default=0)
    last_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    # The open alert of the current incident: its ledger period, what it was about ("failing:auth", "lagging").
    alert_period: Mapped[str | None] = mapped_column(String(64))
    alert_reason: Mapped[str | None] = mapped_column(String(48))
    alert_channel: Mapped[str | None] = mapped_column(String(32))
    alert_ts: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
