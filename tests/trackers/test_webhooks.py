"""The trackers' webhooks: a signed delivery refreshes the issue's open links from the tracker's API (the body is
only a hint); unsigned, stale or unconfigured deliveries change nothing. Served by the real ASGI app."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

from slack_sdk import WebClient
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.slack.app import build_app
from bot.slack.server import build_asgi
from bot.storage.tracker_models import TrackerLink
from bot.trackers.clients import make_client
from bot.trackers.links import Subject, create_issue
from integrations.trackers.base import IssueDraft
from tests.fakes.loopback import serve
from tests.fakes.slack import serve_slack
from tests.slack.conftest import SECRET
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY, FakeJira, FakeLinear

JIRA_SECRET, LINEAR_SECRET = "jira-hook-secret", "linear-hook-secret"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signed_webhooks_refresh_links_and_the_rest_are_refused(tmp_path, session_factory):
    jira, linear = FakeJira(), FakeLinear()
    with serve(jira) as jira_url, serve(linear) as linear_url, serve_slack(users={}) as slack:
        config = tmp_path / "s.toml"
        config.write_text("")
        env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": slack.api_url,
               "JIRA_URL": jira_url, "JIRA_EMAIL": JIRA_EMAIL, "JIRA_API_TOKEN": JIRA_TOKEN,
               "JIRA_WEBHOOK_SECRET": JIRA_SECRET, "LINEAR_API_KEY": LINEAR_KEY, "LINEAR_URL": linear_url}
        settings = load_settings(env, config_path=str(config))
        for tracker, project, theme in (("jira", "PAY", "t-1"), ("linear", "team-uuid-1", "t-2")):
            create_issue(session_factory, make_client(settings, tracker), workspace_id="default",
                         subject=Subject("theme", theme), draft=IssueDraft("T", "d", project), user="U1",
                         now=datetime(2026, 11, 1, tzinfo=UTC))
        with session_factory.begin() as session:  # another workspace's PAY-1, in its own Jira
            session.add(TrackerLink(workspace_id="T0OTHER", subject_kind="theme", subject_key="t-9", tracker="jira",
                                    issue_id="777", issue_key="PAY-1", status="To Do", status_category="todo",
                                    is_open=True, created_by="U9"))
        jira.resolve("PAY-1", datetime(2026, 11, 3, tzinfo=UTC))
        linear.complete("ENG-1", datetime(2026, 11, 3, tzinfo=UTC))
        app = build_app(settings, session_factory, client=WebClient(base_url=slack.api_url))
        with TestClient(build_asgi(app, session_factory, settings)) as http:
            body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "PAY-1"}}).encode()
            before = len(jira.requests)
            assert http.post("/trackers/jira", content=body, headers={"X-Hub-Signature": "sha256=00"}).status_code == 401
            assert len(jira.requests) == before  # a refused delivery costs the tracker nothing
            answer = http.post("/trackers/jira", content=body, headers={"X-Hub-Signature": f"sha256={sign(JIRA_SECRET, body)}"})
            assert answer.status_code == 200 and answer.json() == {"ok": True, "refreshed": 1}
            # Linear has no secret here: its endpoint is off
            assert http.post("/trackers/linear", content=b"{}").status_code == 404
    with session_factory() as session:
        states = {(l.workspace_id, l.issue_key): (l.status_category, l.is_open) for l in session.query(TrackerLink)}
    # the file's workspace only: the environment's Jira says nothing about another workspace's PAY-1
    assert states == {("default", "PAY-1"): ("done", False), ("default", "ENG-1"): ("todo", True),
                      ("T0OTHER", "PAY-1"): ("todo", True)}


def test_linear_webhook_is_signed_and_fresh(tmp_path, session_factory):
    from bot.trackers.webhooks import receive

    linear = FakeLinear()
    with serve(linear) as linear_url:
        config = tmp_path / "s.toml"
        config.write_text("")
        settings = load_settings({"LINEAR_API_KEY": LINEAR_KEY, "LINEAR_URL": linear_url,
                                  "LINEAR_WEBHOOK_SECRET": LINEAR_SECRET}, config_path=str(config))
        create_issue(session_factory, make_client(settings, "linear"), workspace_id="default",
                     subject=Subject("theme", "t-2"), draft=IssueDraft("T", "d", "team-uuid-1"), user="U1")
        linear.complete("ENG-1", datetime(2026, 11, 3, tzinfo=UTC))
        now = time.time()

        def deliver(stamp_ms: float, *, secret: str = LINEAR_SECRET):
            body = json.dumps({"action": "update", "type": "Issue", "data": {"identifier": "ENG-1"},
                               "webhookTimestamp": stamp_ms}).encode()
            return receive(settings, session_factory, "linear", body, {"linear-signature": sign(secret, body)},
                           now_epoch=now)

        assert deliver(now * 1000, secret="wrong").status == 401
        assert deliver((now - 600) * 1000).body == {"ok": False, "error": "stale"}  # a replay ten minutes late
        assert deliver(now * 1000).body == {"ok": True, "refreshed": 1}
        made = []
        body = json.dumps({"type": "Issue", "data": {"identifier": "ENG-99"}, "webhookTimestamp": now * 1000}).encode()
        answer = receive(settings, session_factory, "linear", body, {"linear-signature": sign(LINEAR_SECRET, body)},
                         now_epoch=now, make=made.append)
        assert answer.body == {"ok": True, "refreshed": 0} and made == []  # not linked: no client, no request
        from bot.trackers.webhooks import issue_key

        issue_uuid = next(iter(linear.issues))
        assert issue_key("linear", {"type": "Issue", "data": {"id": issue_uuid}}) == issue_uuid  # no identifier sent
        assert issue_key("linear", {"type": "Comment", "data": {"id": "c1"}}) is None
    with session_factory() as session:
        (link,) = session.query(TrackerLink).all()
        assert (link.status_category, link.resolved_at) == ("done", datetime(2026, 11, 3, tzinfo=UTC))
