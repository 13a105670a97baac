"""Links between a subject (theme, trigger, action) and an issue on a tracker: create, link, read, refresh.

At most one open link per subject. `create_issue` reserves the link first (its own transaction: the partial
unique index refuses a second reservation, so two quick submissions make one issue), then asks the tracker,
then fills the link in; a tracker that refuses leaves no link behind. `link_existing` reads the issue from the
tracker (so a typo is refused) and makes it the subject's link, the open one before it marked 'unlinked'.
Every query is scoped by workspace.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.base import utcnow
from bot.storage.tracker_models import SUBJECT_KINDS, TrackerLink
from integrations.trackers.base import DONE, FINISHED, IssueDraft, TrackerIssue

# A link's status_category is the tracker's (integrations/trackers/base.Category) or one of these two of ours.
PENDING = "pending"  # the issue is being created
UNLINKED = "unlinked"  # the issue was unlinked, or is gone from the tracker
CLOSED = (*FINISHED, UNLINKED)


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # theme | trigger | action
    key: str  # the theme id, or the trigger's / action's number
    title: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SUBJECT_KINDS or not self.key:
            raise ValueError(f"not a tracker subject: {self.kind}:{self.key}")


class AlreadyLinkedError(Exception):
    """The subject already has an open linked issue (`link`): offer it instead of a duplicate."""

    def __init__(self, link: TrackerLink) -> None:
        super().__init__(f"{link.subject_kind} {link.subject_key} is already linked to {link.issue_key or 'an issue'}")
        self.link = link


def open_link(session: Session, *, workspace_id: str, subject: Subject) -> TrackerLink | None:
    return session.scalars(select(TrackerLink).where(
        TrackerLink.workspace_id == workspace_id, TrackerLink.subject_kind == subject.kind,
        TrackerLink.subject_key == subject.key, TrackerLink.is_open.is_(True))).first()


def latest_links(session: Session, *, workspace_id: str, kind: str, keys: Iterable[str]) -> dict[str, TrackerLink]:
    """Each subject's link to show: the open one, else the latest resolved one (an unlinked one never)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = session.scalars(select(TrackerLink).where(
        TrackerLink.workspace_id == workspace_id, TrackerLink.subject_kind == kind, TrackerLink.subject_key.in_(keys),
        TrackerLink.status_category != UNLINKED, TrackerLink.issue_key.is_not(None),
    ).order_by(TrackerLink.created_at, TrackerLink.id)).all()
    out: dict[str, TrackerLink] = {}
    for row in rows:
        current = out.get(row.subject_key)
        if current is None or not current.is_open:
            out[row.subject_key] = row
    return out


def apply(link: TrackerLink, issue: TrackerIssue, *, now: datetime) -> None:
    """The tracker's answer onto the link: status, category, resolution; closed when done or canceled."""
    link.issue_id, link.issue_key = issue.issue_id or link.issue_id, issue.key or link.issue_key
    link.url = issue.url or link.url
    link.title = (issue.title or link.title or "")[:300]
    link.status, link.status_category = issue.status[:100], issue.category
    link.resolved_at = issue.resolved_at if issue.category == DONE else None
    if issue.category == DONE and link.resolved_at is None:
        link.resolved_at = now  # a tracker that says done without a date: done when we first saw it
    link.is_open = issue.category not in CLOSED
    link.last_polled_at, link.poll_error = now, None


def reserve(session_factory: sessionmaker, *, workspace_id: str, subject: Subject, tracker: str, user: str,
            now: datetime) -> int:
    """A pending open link for `subject` (its id), or AlreadyLinkedError with the open one."""
    try:
        with session_factory.begin() as session:
            existing = open_link(session, workspace_id=workspace_id, subject=subject)
            if existing is not None:
                session.expunge(existing)
                raise AlreadyLinkedError(existing)
            link = TrackerLink(workspace_id=workspace_id, subject_kind=subject.kind, subject_key=subject.key,
                               subject_title=subject.title[:300], tracker=tracker, created_by=user, created_at=now,
                               title="", status="", status_category=PENDING, is_open=True)
            session.add(link)
            session.flush()
            return link.id
    except IntegrityError:  # another submission reserved it between our check and our insert
        with session_factory() as session:
            existing = open_link(session, workspace_id=workspace_id, subject=subject)
            if existing is None:
                raise
            session.expunge(existing)
            raise AlreadyLinkedError(existing) from None


def create_issue(session_factory: sessionmaker, client, *, workspace_id: str, subject: Subject, draft: IssueDraft,
                 user: str, now: datetime | None = None) -> TrackerLink:
    """Create the issue on the tracker and link it; AlreadyLinkedError when the subject has an open link."""
    now = now or utcnow()
    link_id = reserve(session_factory, workspace_id=workspace_id, subject=subject, tracker=client.tracker, user=user,
                      now=now)
    try:
        issue = client.create_issue(draft)
    except BaseException:
        with session_factory.begin() as session:
            pending = session.get(TrackerLink, link_id)
            if pending is not None and pending.workspace_id == workspace_id:
                session.delete(pending)
        raise
    with session_factory.begin() as session:
        link = session.get(TrackerLink, link_id)
        apply(link, issue, now=now)
        link.title = draft.title[:300]
        session.flush()
        session.expunge(link)
        return link


def link_existing(session_factory: sessionmaker, client, *, workspace_id: str, subject: Subject, key: str, user: str,
                  now: datetime | None = None) -> TrackerLink:
    """Make the existing issue `key` the subject's link (TrackerNotFoundError when the tracker has no such issue)."""
    now = now or utcnow()
    issue = client.get_issue(key.strip())
    with session_factory.begin() as session:
        current = open_link(session, workspace_id=workspace_id, subject=subject)
        if current is not None:
            if current.tracker == client.tracker and current.issue_key == issue.key:
                apply(current, issue, now=now)
                session.flush()
                session.expunge(current)
                return current
            current.is_open, current.status_category = False, UNLINKED
            session.flush()
        link = TrackerLink(workspace_id=workspace_id, subject_kind=subject.kind, subject_key=subject.key,
                           subject_title=subject.title[:300], tracker=client.tracker, created_by=user, created_at=now)
        apply(link, issue, now=now)
        session.add(link)
        session.flush()
        session.expunge(link)
        return link
