"""Per-workspace settings (issue 16): one document of TOML-shaped overrides per workspace.

`overrides` holds only the keys a workspace changed, shaped like `signalroom.toml`
(e.g. `{"channels": {"review": "#support"}, "rituals": {"weekly_review": {"time": "10:00"}}}`).
The effective settings are the TOML file deep-merged with this document and validated by
the same model as the file (bot/workspaces/settings.py). `version` counts writes, so a
writer that read version N can refuse to overwrite a newer document. Never a secret:
credentials live in `helpdesk_sources.secret_ciphertext` and the environment.
Each write also appends one `settings_changes` row per key (bot/storage/workspace_models.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow


class WorkspaceSettings(Base):
    __tablename__ = "workspace_settings"

    workspace_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))  # a Slack user id, or "cli"

    # A write that read version N updates only a row still at N (else StaleDataError, and it retries).
    __mapper_args__ = {"version_id_col": version}
