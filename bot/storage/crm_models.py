"""CRM companies (HubSpot) and which helpdesk organization each one is (issue 17; bot/crm).

`crm_companies` holds one row per company and workspace as of the last sync: the properties the team
chose (`properties`, as the CRM sent them), the account's value, tier, lifecycle stage and company owner,
and `high_value` as the `[crm] high_value` rule last judged it (at the sync, and again over the stored
properties at the worker's hourly check, so a changed rule takes effect without a sync: bot/crm/sync.rejudge).
`crm_matches` ties a helpdesk organization (the key tickets carry: the vendor's id, or the name for CSV
imports) to one company, by `domain` or normalized `name`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow
from bot.storage.models import BigId

MATCH_METHODS = ("domain", "name")


class CrmCompany(Base):
    __tablename__ = "crm_companies"
    __table_args__ = (
        UniqueConstraint("workspace_id", "crm", "crm_id"),
        Index("ix_crm_companies_normalized", "workspace_id", "normalized_name"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    crm: Mapped[str] = mapped_column(String(16), default="hubspot")
    crm_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(254), default="")
    domain: Mapped[str | None] = mapped_column(String(254))
    normalized_name: Mapped[str] = mapped_column(String(254), default="")
    properties: Mapped[dict] = mapped_column(JSONType, default=dict)
    value: Mapped[float | None] = mapped_column(Float)
    tier: Mapped[str | None] = mapped_column(String(100))
    lifecycle: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    owner_email: Mapped[str | None] = mapped_column(String(254))
    owner_name: Mapped[str | None] = mapped_column(String(254))
    high_value: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CrmMatch(Base):
    __tablename__ = "crm_matches"
    __table_args__ = (
        UniqueConstraint("workspace_id", "organization"),
        CheckConstraint("method IN ('domain', 'name')", name="method"),
        Index("ix_crm_matches_company", "workspace_id", "crm_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    organization: Mapped[str] = mapped_column(String(254))  # the key tickets carry (vendor id, or CSV name)
    organization_name: Mapped[str] = mapped_column(String(254), default="")
    crm_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
