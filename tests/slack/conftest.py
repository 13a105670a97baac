"""The real app behind its real ASGI endpoint, signed requests, and a fake Slack Web API."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.slack.app import build_app
from bot.slack.server import build_asgi
from bot.storage.models import DailyMetric, TicketRow
from tests.fakes.slack import FakeSlack, serve_slack

SECRET = "test-signing-secret"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # a Friday
TODAY = NOW.date()
ADMIN, OWNER, OTHER = "U0ADMIN", "U0OWNER", "U0OTHER"
CHANNEL = "C0SUPPORT"


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


def make_settings(tmp_path, env_extra: dict[str, str] | None = None, *, admin_usergroup: str | None = None):
    config = tmp_path / "signalroom.toml"
    group = f'admin_usergroup = "{admin_usergroup}"\n' if admin_usergroup else ""
    config.write_text(f'timezone = "Europe/Berlin"\n[slack]\nadmins = ["{ADMIN}"]\n{group}'
                      '[rituals.weekly_review]\nday = "mon"\ntime = "09:30"\n')
    env = {"SLACK_SIGNING_SECRET": SECRET, **(env_extra or {})}
    return load_settings(env, config_path=str(config))


class SlackDriver:
    """Sends signed slash commands, button clicks and view submissions to /slack/events."""

    def __init__(self, http: TestClient, slack: FakeSlack, team_id: str = "T0001") -> None:
        self.http, self.slack, self.team_id = http, slack, team_id
        self.enterprise_id: str | None = None  # an Enterprise Grid org: events carry it (tests/fakes/slack_events.py)
        self.org_wide = False  # commands come through the org-wide install of `enterprise_id`
        self._n = 0

    def post(self, body: str, headers: dict[str, str] | None = None):
        return self.http.post("/slack/events", content=body, headers=headers or sign(body))

    def command(self, text: str, *, user: str = OWNER, channel: str = CHANNEL):
        self._n += 1
        body = urllib.parse.urlencode({
            "token": "legacy", "team_id": self.team_id, "team_domain": "fake", "channel_id": channel,
            "channel_name": "support", "user_id": user, "user_name": user.lower(), "command": "/metrics",
            "text": text, "api_app_id": "A0001", "response_url": self.slack.response_url(self._n),
            "trigger_id": f"trigger-{self._n}",
            **({"enterprise_id": self.enterprise_id, "enterprise_name": "Acme Grid",
                "is_enterprise_install": str(self.org_wide).lower()} if self.enterprise_id else {}),
        })
        return self.post(body)

    def interactive(self, payload: dict[str, Any]):
        payload = {"team": {"id": self.team_id}, "api_app_id": "A0001", "token": "legacy", **payload}
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))

    def click(self, action_id: str, value: str, *, user: str = OWNER):
        self._n += 1
        return self.interactive({
            "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{self._n}",
            "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"},
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
        })

    def submit(self, callback_id: str, values: dict[str, dict[str, dict]], *, user: str = OWNER,
               private_metadata: str = ""):
        return self.interactive({
            "type": "view_submission", "user": {"id": user}, "trigger_id": "trigger-view",
            "view": {"id": "V9", "type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
                     "state": {"values": values}},
        })

    def event(self, event: dict[str, Any], *, org_wide: bool = False):
        """An Events API delivery, signed, in Slack's envelope for the driver's team (and its Grid org); with
        `org_wide`, for the org-wide installation of `enterprise_id`."""
        from tests.fakes.slack_events import envelope

        body = json.dumps(envelope(event, team_id=None if org_wide else self.team_id, enterprise_id=self.enterprise_id,
                                   org_wide=org_wide))
        headers = sign(body)
        headers["Content-Type"] = "application/json"
        return self.post(body, headers)

    def answer(self, count: int = 1) -> dict[str, Any]:
        """The latest message posted to a response_url, once `count` have arrived."""
        calls = self.slack.wait_for("respond", count)
        assert len(calls) >= count, f"expected {count} response_url posts, got {len(calls)}"
        return calls[count - 1].args

    def texts(self, payload: dict[str, Any]) -> str:
        return json.dumps(payload.get("blocks", []), ensure_ascii=False) + payload.get("text", "")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    users = {OWNER: {"id": OWNER, "profile": {"email": "owner@example.com"}},
             OTHER: {"id": OTHER, "profile": {"email": "other@example.com"}}}
    with serve_slack(users=users, usergroups={"S0ADMINS": ["U0GROUPADMIN"]}) as fake:
        yield fake


@pytest.fixture
def driver(tmp_path, session_factory, slack) -> Iterator[SlackDriver]:
    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url},
                             admin_usergroup="S0ADMINS")
    with running_app(settings, session_factory, slack) as driver:
        yield driver


@contextmanager
def running_app(settings, session_factory, slack: FakeSlack) -> Iterator[SlackDriver]:
    """The app built from `settings`, behind its ASGI endpoint, driven against the fake Slack."""
    from slack_sdk import WebClient

    executor = ThreadPoolExecutor(max_workers=4)
    app = build_app(settings, session_factory, client=WebClient(base_url=settings.env.slack_api_url),
                    now=lambda: NOW, sleep=lambda s: None, listener_executor=executor)
    try:
        with TestClient(build_asgi(app, session_factory)) as http:
            yield SlackDriver(http, slack)
    finally:
        executor.shutdown(wait=True)  # lazy listeners finish before the fake and the database go away


def seed_metrics(session_factory, workspace_id: str = "default", *, day: date = date(2026, 11, 19)) -> None:
    """A scorecard: FRT act-now, CSAT watch, volume healthy; FRT by channel; a week of FRT history."""
    from datetime import timedelta

    rows = [
        dict(metric="first_response_time", value=7200.0, zone="act_now", expected=2400.0, score=4.2, n=310,
             evidence={"explanation": "2.0 h vs 40 min expected <!channel>"}),
        dict(metric="csat", value=0.81, zone="watch", expected=0.9, score=-2.3, n=120,
             evidence={"explanation": "81 % satisfied vs 90 % expected"}),
        dict(metric="ticket_volume", value=310.0, zone="healthy", expected=300.0, score=0.3, n=310, evidence={}),
    ]
    with session_factory.begin() as session:
        for row in rows:
            session.add(DailyMetric(workspace_id=workspace_id, day=day, dimension="", segment="", **row))
        for back in range(1, 7):
            session.add(DailyMetric(workspace_id=workspace_id, day=day - timedelta(days=back), metric="first_response_time",
                                    dimension="", segment="", value=2400.0 + back * 10, zone="healthy", n=300))
        for segment, value, zone in (("email", 9000.0, "act_now"), ("chat", 600.0, "healthy")):
            session.add(DailyMetric(workspace_id=workspace_id, day=day, metric="first_response_time",
                                    dimension="channel", segment=segment, value=value, zone=zone, expected=2400.0,
                                    n=150))


def seed_tickets(session_factory, workspace_id: str = "default") -> None:
    from datetime import timedelta

    with session_factory.begin() as session:
        for i in range(10):
            at = NOW - timedelta(days=2, hours=i)
            session.add(TicketRow(
                workspace_id=workspace_id, source="zendesk", external_id=str(i), status="solved", created_at=at,
                updated_at=at, solved_at=at + timedelta(hours=1), agent_replies=1 if i % 2 else 3, reopens=0,
                assignee_email="owner@example.com" if i < 4 else "someone@example.com",
                csat="satisfied" if i % 3 else "unsatisfied", tags=[], raw={}))
