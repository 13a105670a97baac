"""At most one open link per subject: the service offers the open one, and the database refuses a second even
when the service's own check is bypassed (a race between two submissions)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage.tracker_models import TrackerLink
from bot.trackers.links import AlreadyLinkedError, Subject, create_issue, latest_links, reserve
from integrations.trackers.base import IssueDraft, TrackerError, TrackerIssue

NOW = datetime(2026, 11, 20, tzinfo=UTC)
SUBJECT = Subject("theme", "t-1", "Payments")


class Tracker:
    """A client double at the edge: answers create, or refuses."""

    tracker = "jira"

    def __init__(self, refuse: bool = False) -> None:
        self.refuse, self.created = refuse, 0

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        if self.refuse:
            raise TrackerError("jira: refused (project: valid project is required)")
        self.created += 1
        return TrackerIssue("jira", "10001", f"PAY-{self.created}", "https://x/browse/PAY-1", draft.title, "", "todo")


def test_second_create_offers_the_open_link(session_factory):
    tracker = Tracker()
    first = create_issue(session_factory, tracker, workspace_id="default", subject=SUBJECT,
                         draft=IssueDraft("T", "d", "PAY"), user="U1", now=NOW)
    with pytest.raises(AlreadyLinkedError) as caught:
        create_issue(session_factory, tracker, workspace_id="default", subject=SUBJECT,
                     draft=IssueDraft("T", "d", "PAY"), user="U2", now=NOW)
    assert caught.value.link.issue_key == first.issue_key == "PAY-1" and tracker.created == 1
    # another workspace's same theme id is another subject
    create_issue(session_factory, tracker, workspace_id="T0OTHER", subject=SUBJECT, draft=IssueDraft("T", "d", "PAY"),
                 user="U1", now=NOW)
    with session_factory() as session:
        assert set(latest_links(session, workspace_id="default", kind="theme", keys=["t-1"])) == {"t-1"}


def test_refused_create_leaves_no_pending_link(session_factory):
    with pytest.raises(TrackerError):
        create_issue(session_factory, Tracker(refuse=True), workspace_id="default", subject=SUBJECT,
                     draft=IssueDraft("T", "d", "PAY"), user="U1", now=NOW)
    reserve(session_factory, workspace_id="default", subject=SUBJECT, tracker="jira", user="U1", now=NOW)


def test_database_refuses_two_open_links_but_keeps_closed_ones(session_factory):
    def row(is_open: bool) -> TrackerLink:
        return TrackerLink(workspace_id="default", subject_kind="theme", subject_key="t-1", tracker="jira",
                           created_by="U1", created_at=NOW, title="", status="", status_category="todo",
                           is_open=is_open)

    with session_factory.begin() as session:
        session.add_all([row(False), row(False), row(True)])
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(row(True))
