"""What the weekly review shows of the trackers: the linked issues still open and those resolved in the last
four weeks, each with its subject (a theme, an alert's trigger, a logged action), status, and for a fixed
theme the fix verdict (the digest's words, templates/trackers/review_issues.json.j2)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.storage.themes import stored_themes
from bot.storage.tracker_models import TrackerLink
from bot.trackers import clients
from bot.trackers.digest import IssueView, issue_view

RECENT_DAYS = 28
MAX_LINES = 10


@dataclass(frozen=True, slots=True)
class IssueLine:
    kind: str  # theme | trigger | action
    subject: str  # the theme's name, the alert's title, the action's first line (plain text)
    issue: IssueView


def review_issues(session: Session, settings: Settings, today: date) -> tuple[IssueLine, ...]:
    """Open linked issues, then those resolved in the last four weeks (newest first); () without a tracker."""
    if not clients.configured(settings):
        return ()
    since = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=RECENT_DAYS)
    rows = session.scalars(select(TrackerLink).where(
        TrackerLink.workspace_id == settings.workspace_id, TrackerLink.issue_key.is_not(None),
        or_(TrackerLink.is_open.is_(True), TrackerLink.resolved_at >= since),
    ).order_by(TrackerLink.is_open.desc(), TrackerLink.resolved_at.desc(), TrackerLink.id.desc())
        .limit(MAX_LINES)).all()
    themes = {t.theme_id: t.ticket_ids or () for t in stored_themes(session, workspace_id=settings.workspace_id)
              if any(r.subject_kind == "theme" and r.subject_key == t.theme_id for r in rows)}
    return tuple(IssueLine(r.subject_kind, r.subject_title or r.title or r.subject_key,
                           issue_view(session, settings, r, member_ids=themes.get(r.subject_key, ())
                                      if r.subject_kind == "theme" else (), today=today)) for r in rows)
