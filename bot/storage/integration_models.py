"""Per-workspace credentials of the outside integrations (issue 17 on issue 16's encrypted store).

`integration_credentials` holds at most one set per workspace and kind: `jira` (site URL, account email,
API token), `linear` (API key; `url` overrides the API host) and `hubspot` (private-app token; `url`
overrides the API host). `secret_ciphertext` is Fernet ciphertext (bot/credentials.py), never the secret.
Kept apart from `helpdesk_sources`: those are synced as ticket sources, these are not.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow
from bot.storage.models import BigId

INTEGRATION_KINDS = ("jira", "linear", "hubspot")


class IntegrationCredential(Base):
    __tablename__ = "integration_credentials"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind"),
        CheckConstraint("kind IN ('jira', 'linear', 'hubspot')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))  # a Slack user id, or "cli"
