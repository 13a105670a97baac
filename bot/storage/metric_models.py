"""Tables owned by the metrics core (imported by `target_metadata()` like every `*models*` module)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
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


class MetricSeriesState(Base):
    """Per series (metric, dimension, segment): the trailing days an incremental run needs.

    A packed copy of the last days of `daily_metrics` for one series (value, n,
    numerator, denominator, whether a row exists, drift EWMA and zone; see
    `bot.metrics.series_state`), so an incremental run reads one row per series
    instead of ~100 rows of baseline history. Written in the same transaction as
    the rows it mirrors; used only when `through_day` equals the watermark's
    `computed_through` and `layout` is current, otherwise rebuilt from `daily_metrics`.
    """

    __tablename__ = "metric_series_state"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    segment: Mapped[str] = mapped_column(String(254), primary_key=True)
    start_day: Mapped[date] = mapped_column(Date)
    through_day: Mapped[date] = mapped_column(Date)
    layout: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
