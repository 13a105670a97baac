"""What the digests show of the trackers: a "Create issue" button per theme, its linked issue's key and status,
and once the issue is resolved, "fixed in PAY-142 on 3 Dec" with the fix verdict (bot/trackers/verdict.py).

`with_trackers` fills each digest theme line's `tracker` (None when no tracker is set up, so a digest without
trackers reads exactly as before). The words are in templates/trackers/digest_theme.json.j2.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.trackers.ids import create_value
from bot.storage.themes import stored_themes
from bot.storage.tracker_models import TrackerLink
from bot.trackers import clients
from bot.trackers.links import latest_links
from integrations.trackers.base import CANCELED, DONE, FINISHED
from bot.trackers.verdict import FixVerdict, daily_counts, fix_verdict


@dataclass(frozen=True, slots=True)
class IssueView:
    key: str
    url: str | None
    status: str
    category: str  # pending | todo | in_progress | done | canceled
    fixed_on: date | None = None
    verdict: FixVerdict | None = None

    @property
    def fixed(self) -> bool:
        return self.category == DONE

    @property
    def canceled(self) -> bool:
        return self.category == CANCELED

    @property
    def finished(self) -> bool:
        """Closed in the tracker (fixed, or closed without a fix): the button offers a new issue again."""
        return self.category in FINISHED

    @property
    def fixed_words(self) -> str:
        return self.fixed_on.strftime("%-d %b") if self.fixed_on else ""

    @property
    def before(self) -> str:
        return _per_week(self.verdict.before_per_week) if self.verdict else ""

    @property
    def after(self) -> str:
        return _per_week(self.verdict.after_per_week) if self.verdict else ""


@dataclass(frozen=True, slots=True)
class ThemeTracker:
    button: str  # the Create issue button's value
    issue: IssueView | None = None


def _per_week(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def issue_view(session: Session, settings: Settings, link: TrackerLink, *, member_ids, today: date) -> IssueView:
    tz = settings.timezone
    fixed_on = link.resolved_at.astimezone(tz).date() if link.status_category == DONE and link.resolved_at else None
    verdict = None
    if fixed_on is not None and member_ids:
        daily = daily_counts(session, workspace_id=link.workspace_id, ticket_ids=member_ids, tz=tz)
        verdict = fix_verdict(daily, fixed_on=fixed_on, as_of=today - timedelta(days=1),
                              window=settings.file.trackers.verdict_after_days)
    return IssueView(link.issue_key or "", link.url, link.status, link.status_category, fixed_on, verdict)


def with_trackers(session: Session, settings: Settings, digests: Sequence, *, today: date) -> list:
    """The digests with each theme line's `tracker` filled in (unchanged when no tracker is set up)."""
    if not clients.configured(settings) or not digests:
        return list(digests)
    workspace_id = settings.workspace_id
    keys = {t.key for d in digests for t in d.themes if t.key}
    found = latest_links(session, workspace_id=workspace_id, kind="theme", keys=keys)
    members = {t.theme_id: t.ticket_ids or () for t in stored_themes(session, workspace_id=workspace_id)
               if t.theme_id in found}
    views = {key: issue_view(session, settings, link, member_ids=members.get(key, ()), today=today)
             for key, link in found.items()}
    out = []
    for digest in digests:
        week = digest.week_start.isoformat()
        lines = tuple(dataclasses.replace(t, tracker=ThemeTracker(create_value("theme", t.key, week), views.get(t.key)))
                      if t.key else t for t in digest.themes)
        out.append(dataclasses.replace(digest, themes=lines))
    return out
