"""Tables owned by the metrics core (imported by `target_metadata()` like every `*models*` module)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class MetricWatermark(Base):
    """Per workspace: how far rollups have read ticket changes and computed days.

    `changed_through_at` is the largest `tickets.changed_at` folded into the
    rollups; an incremental run recomputes only the days touched by tickets
    changed after it, plus days completed since `computed_through`.
    """

    __tablename__ = "metric_watermarks"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    changed_through_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_day: Mapped[date | None] = mapped_column(Date)
    computed_through: Mapped[date | None] = mapped_column(Date)
    full_rebuild_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
