"""Issues in Jira or Linear linked to a theme, a trigger or an action (issue 17; bot/trackers).

A subject (`subject_kind` theme|trigger|action, `subject_key` the theme id or the trigger/action number) has at
most one OPEN link (`is_open`): a partial unique index says so on SQLite and PostgreSQL alike, and the service
checks first so the user gets "Link to existing" rather than an error. A link is open from the click that
reserves it (`status_category` 'pending', before the tracker answered) until its issue is done or canceled on the
tracker, or someone links another issue instead ('unlinked'). Resolved links stay: the digest reads them for
"fixed in PAY-142 on 3 Dec" and the ticket volume before and after.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow
from bot.storage.models import BigId

SUBJECT_KINDS = ("theme", "trigger", "action")
TRACKERS = ("jira", "linear")


class TrackerLink(Base):
    __tablename__ = "tracker_links"
    __table_args__ = (
        CheckConstraint("subject_kind IN ('theme', 'trigger', 'action')", name="subject_kind"),
        CheckConstraint("tracker IN ('jira', 'linear')", name="tracker"),
        Index("ix_tracker_links_subject", "workspace_id", "subject_kind", "subject_key"),
        Index("uq_tracker_links_open_subject", "workspace_id", "subject_kind", "subject_key", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
        Index("ix_tracker_links_open_polled", "is_open", "last_polled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(200))
    subject_title: Mapped[str] = mapped_column(String(300), default="")  # the theme's name when linked
    tracker: Mapped[str] = mapped_column(String(16))
    issue_id: Mapped[str | None] = mapped_column(String(100))  # null while pending
    issue_key: Mapped[str | None] = mapped_column(String(100))  # PAY-142 / ENG-12
    url: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(100), default="")  # the tracker's state name
    status_category: Mapped[str] = mapped_column(String(16), default="pending")  # pending|todo|in_progress|done|canceled|unlinked
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))  # Slack user id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    poll_error: Mapped[str | None] = mapped_column(String(300))  # the last poll's problem (no secrets)
