"""Themes state: the per-ticket embedding cache and the themes last seen (for stable identities)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow


class ThemeVector(Base):
    """One ticket text's embedding, keyed by embedder and `ticket id:text digest` (float32 bytes)."""

    __tablename__ = "theme_vectors"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StoredTheme(Base):
    """A theme from the latest run: what the next run matches against, and what digests read."""

    __tablename__ = "themes"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    embedder: Mapped[str] = mapped_column(String(64))
    centroid: Mapped[bytes] = mapped_column(LargeBinary)
    key_phrases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    first_seen: Mapped[date | None] = mapped_column(Date)
    # Member tickets (row ids as strings) of the latest run: identity matching and digests.
    ticket_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    shown: Mapped[bool] = mapped_column(Boolean, default=True)  # False: merged away, kept for matching
    label: Mapped[str | None] = mapped_column(String(200))
    representative: Mapped[str | None] = mapped_column(Text)
    product_area: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(16))
    weeks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
