"""Helpdesk reference data per source: agents, groups, organizations, brands and contact links.

Tickets keep the vendor's ids (`group_name`, `assignee`, `organization` hold ids
for API sources, names for CSV imports); these rows turn ids into names when
read, so a renamed group shows its new name on old days too.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow
from bot.storage.models import BigId

KINDS = ("agent", "group", "organization", "brand", "contact")


class ReferenceEntity(Base):
    """One agent, group, organization, brand or contact of one source, by the vendor's id.

    `contact` rows hold only the contact → organization link (Intercom contact → company): never a
    customer's name or email.
    """

    __tablename__ = "reference_entities"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "kind", "external_id"),
        # The resolver's lookup: ids of one kind across the workspace's sources.
        Index("ix_reference_entities_lookup", "workspace_id", "kind", "external_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(254))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool | None] = mapped_column(Boolean)
    domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    organization_id: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
