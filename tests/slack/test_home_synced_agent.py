"""Issue 11.1: the App Home agent view matches an API source's agent by the email synced with its
reference data; the tickets themselves carry only the vendor's agent id (no `assignee_email`)."""
from __future__ import annotations

import json
from datetime import timedelta

from bot.storage.models import TicketRow
from bot.storage.reference import upsert_references
from integrations.reference import Reference
from tests.slack.conftest import NOW, OTHER, OWNER


def _seed(session_factory) -> None:
    with session_factory.begin() as session:
        for i in range(10):
            at = NOW - timedelta(days=2, hours=i)
            session.add(TicketRow(
                workspace_id="default", source="zendesk", external_id=str(i), status="solved", created_at=at,
                updated_at=at, solved_at=at + timedelta(hours=1), agent_replies=1, reopens=0,
                assignee="201" if i < 3 else "202", csat="satisfied", tags=[], raw={}))
        # The viewer's Slack email (owner@example.com) in other letter case, as the helpdesk lists it.
        upsert_references(session, workspace_id="default", source="zendesk", references=[
            Reference("agent", "201", "Olive Owner", "Owner@Example.com", "agent", True),
            Reference("agent", "202", "Sam Else", "someone@example.com", "agent", True)])


def test_home_agent_panel_for_an_agent_known_only_by_synced_email(driver, session_factory):
    _seed(session_factory)
    assert driver.event({"type": "app_home_opened", "user": OWNER, "tab": "home"}).status_code == 200
    view = json.dumps(driver.slack.wait_for("views.publish")[0].args["view"])
    assert "You and the team" in view
    assert "3 solved" in view and "10 solved" in view  # own volume (by agent id 201) beside the team's


def test_home_has_no_agent_panel_when_no_synced_agent_has_the_email(driver, session_factory):
    _seed(session_factory)
    driver.event({"type": "app_home_opened", "user": OTHER, "tab": "home"})  # other@example.com: not an agent
    view = json.dumps(driver.slack.wait_for("views.publish")[0].args["view"])
    assert "You and the team" not in view
