"""The weekly review lists the linked tracker issues under "What we did": open ones with their status,
recently resolved ones as fixed (a theme with its verdict once due); nothing without a tracker."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.config import load_settings
from bot.rituals import review
from bot.storage.tracker_models import TrackerLink

TODAY = date(2026, 11, 23)


def link(**fields) -> TrackerLink:
    base = dict(workspace_id="default", tracker="jira", created_by="U1", created_at=datetime(2026, 11, 2, tzinfo=UTC),
                title="", status="In Progress", status_category="in_progress", is_open=True)
    return TrackerLink(**{**base, **fields})


def did_text(session_factory, settings) -> str:
    with session_factory() as session:
        r = review.gather(session, settings=settings, today=TODAY, period="2026-W48", with_charts=False)
    _, replies = review.render_review(r, channel="C0REVIEW")
    did = next(m for m in replies if m.text.startswith("2. What we did"))
    return json.dumps(did.blocks, ensure_ascii=False)


def test_review_shows_open_and_recently_fixed_issues(tmp_path, session_factory):
    config = tmp_path / "s.toml"
    config.write_text("")
    settings = load_settings({"JIRA_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "x"},
                             config_path=str(config))
    with session_factory.begin() as session:
        session.add(link(subject_kind="action", subject_key="7", subject_title="Rewrite the <billing> macro",
                         issue_key="PAY-7", url="https://acme.atlassian.net/browse/PAY-7"))
        session.add(link(subject_kind="theme", subject_key="t-1", subject_title="Payment failed", issue_key="PAY-3",
                         status="Done", status_category="done", is_open=False,
                         resolved_at=datetime(2026, 11, 12, 15, tzinfo=UTC)))
        session.add(link(subject_kind="trigger", subject_key="2", subject_title="Old", issue_key="PAY-1",
                         status="Done", status_category="done", is_open=False,
                         resolved_at=datetime(2026, 9, 1, tzinfo=UTC)))  # resolved long ago: not listed
    text = did_text(session_factory, settings)
    assert "*Issues in the trackers*" in text
    assert "Rewrite the &lt;billing&gt; macro (action) · :link: <https://acme.atlassian.net/browse/PAY-7|PAY-7> In Progress" in text
    assert "Payment failed (theme) · :white_check_mark: fixed in PAY-3 on 12 Nov" in text
    assert "PAY-1" not in text

    bare = load_settings({}, config_path=str(config))
    assert "Issues in the trackers" not in did_text(session_factory, bare)
