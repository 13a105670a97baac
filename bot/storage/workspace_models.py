"""Workspaces as tenants (issue 16): the workspace row, its helpdesk sources, and a history of setting changes.

`workspaces.team_id` is the Slack team id, the same value every other table holds
in `workspace_id`. A single-team install configured only by `signalroom.toml` needs
no row here: these tables are for deployments that serve several workspaces.

`helpdesk_sources.secret_ciphertext` is Fernet ciphertext (bot/credentials.py),
never the secret itself; csv sources have none. Any number of sources per
workspace, two of the same vendor included; the name is unique per workspace.

`settings_changes` is append-only: who changed which setting of a workspace, when,
from what to what (JSON values; never a secret).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow
from bot.storage.models import BigId

SOURCE_TYPES = ("zendesk", "freshdesk", "intercom", "csv")


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)


class HelpdeskSource(Base):
    __tablename__ = "helpdesk_sources"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        CheckConstraint("type IN ('zendesk', 'freshdesk', 'intercom', 'csv')", name="type"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))  # a Slack user id, or "cli"


class SettingsChange(Base):
    __tablename__ = "settings_changes"
    __table_args__ = (Index("ix_settings_changes_workspace_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    old: Mapped[Any | None] = mapped_column(JSONType)
    new: Mapped[Any | None] = mapped_column(JSONType)
    who: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
