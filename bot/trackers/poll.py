"""Status back from the trackers: refresh open links, a few at a time, within each tracker's rate limit.

A link is refreshed when its last poll is older than `[trackers] poll_minutes`, the stalest first, at most
`batch` per tracker per run (Jira Cloud and Linear both allow far more than that in a minute; a 429 is still
waited out by the client, and a tracker that keeps refusing stops this run for that tracker only). An issue
the tracker no longer has is unlinked (`poll_error` says so); bad credentials stop that tracker's run and are
reported once, never with the secret.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.storage.base import utcnow
from bot.storage.tracker_models import TrackerLink
from bot.trackers import clients as tracker_clients
from bot.trackers.links import UNLINKED, apply
from integrations.trackers.base import DONE, TrackerAuthError, TrackerError, TrackerNotFoundError

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class PollReport:
    refreshed: int = 0
    resolved: int = 0
    unlinked: int = 0
    problems: dict[str, str] = field(default_factory=dict)  # tracker -> what stopped it


def due_links(session, *, now: datetime, every: timedelta, workspace_id: str, tracker: str,
              batch: int) -> list[TrackerLink]:
    query = select(TrackerLink).where(
        TrackerLink.workspace_id == workspace_id, TrackerLink.is_open.is_(True), TrackerLink.tracker == tracker,
        TrackerLink.issue_key.is_not(None),
        or_(TrackerLink.last_polled_at.is_(None), TrackerLink.last_polled_at <= now - every))
    return list(session.scalars(query.order_by(TrackerLink.last_polled_at.is_not(None), TrackerLink.last_polled_at,
                                               TrackerLink.id).limit(batch)))


def poll_links(session_factory: sessionmaker, settings: Settings, *, now: datetime | None = None, batch: int = BATCH,
               clients: Mapping[str, object] | None = None, make: Callable[[str], object] | None = None) -> PollReport:
    """Refresh the open links of `settings.workspace_id` that are due (its credentials serve no other workspace's:
    another's PAY-12 is not this tracker's); `clients` (tests) or `make(tracker)` give each tracker's client,
    built only when a link is due (most runs have none)."""
    workspace_id = settings.workspace_id
    now = now or utcnow()
    every = timedelta(minutes=settings.file.trackers.poll_minutes)
    report = PollReport()
    for tracker in tracker_clients.configured(settings):
        with session_factory.begin() as session:
            links = due_links(session, now=now, every=every, workspace_id=workspace_id, tracker=tracker, batch=batch)
            if not links:
                continue
            given = (clients or {}).get(tracker)
            client = given or (make or (lambda t: tracker_clients.make_client(settings, t)))(tracker)
            try:
                for link in links:
                    if not refresh_link(link, client, now=now, report=report):
                        break
            finally:
                if given is None:
                    client.close()
    return report


def refresh_link(link: TrackerLink, client, *, now: datetime, report: PollReport) -> bool:
    """One link; False when the tracker's run should stop (bad credentials, or it keeps refusing)."""
    try:
        issue = client.get_issue(link.issue_key)
    except TrackerNotFoundError:
        link.is_open, link.status_category = False, UNLINKED
        link.last_polled_at, link.poll_error = now, "the issue no longer exists on the tracker"
        report.unlinked += 1
        return True
    except TrackerAuthError as exc:
        report.problems[link.tracker] = str(exc)
        log.warning("%s", exc)
        return False
    except TrackerError as exc:
        link.last_polled_at, link.poll_error = now, str(exc)[:300]
        report.problems[link.tracker] = str(exc)
        return False
    was_open = link.is_open
    apply(link, issue, now=now)
    report.refreshed += 1
    report.resolved += int(was_open and issue.category == DONE)
    return True
