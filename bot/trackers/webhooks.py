"""Status back by push: the trackers' signed webhooks nudge a refresh of the issue they name.

A webhook is a hint, never the truth: once its signature checks out (Jira admin webhooks: `X-Hub-Signature:
sha256=<HMAC-SHA256 of the raw body>`; Linear: `Linear-Signature: <hex HMAC-SHA256>` and a `webhookTimestamp`
within a minute), the open links to the issue it names are refreshed from the tracker's API at once, exactly as a
poll would (bot/trackers/poll.py), so a forged, replayed or out-of-order body can change nothing. Without a
signing secret (JIRA_WEBHOOK_SECRET, LINEAR_WEBHOOK_SECRET) the endpoint is off.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.storage.base import utcnow
from bot.storage.tracker_models import TrackerLink
from bot.trackers import clients as tracker_clients
from bot.trackers.poll import PollReport, refresh_link

MAX_BODY = 1_000_000
MAX_AGE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]


def _digest(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(tracker: str, body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    if tracker == "jira":
        given = headers.get("x-hub-signature") or ""
        return hmac.compare_digest(given, f"sha256={_digest(secret, body)}")
    return hmac.compare_digest(headers.get("linear-signature") or "", _digest(secret, body))


def issue_key(tracker: str, payload: Any) -> str | None:
    """The issue a webhook is about (Jira `issue.key` of a jira:issue_* event, Linear `data.identifier` of an Issue)."""
    if not isinstance(payload, dict):
        return None
    if tracker == "jira":
        issue = payload.get("issue") if str(payload.get("webhookEvent", "")).startswith("jira:issue_") else None
        return str(issue["key"]) if isinstance(issue, dict) and issue.get("key") else None
    data = payload.get("data") if payload.get("type") == "Issue" else None
    if not isinstance(data, dict):
        return None
    found = data.get("identifier") or data.get("id")  # the identifier (ENG-12), else the UUID links also keep
    return str(found) if found else None


def _fresh(tracker: str, payload: dict, now_epoch: float) -> bool:
    if tracker != "linear":
        return True
    stamp = payload.get("webhookTimestamp")
    return isinstance(stamp, (int, float)) and abs(now_epoch - stamp / 1000.0) <= MAX_AGE_SECONDS


def refresh_issue(session_factory: sessionmaker, make: Callable[[str], object], *, workspace_id: str, tracker: str,
                  key: str, now: datetime) -> PollReport:
    """Refresh this workspace's open links to `key` on `tracker` from the tracker's API. Only the config file's
    workspace: the webhook secrets and the client's credentials are the environment's, and another workspace's
    PAY-1 lives in its own tracker (its stored credentials), which the queue's poll refreshes. The client
    (`make(tracker)`) is built only when the issue is linked: a Jira site's webhook fires for every issue."""
    report = PollReport()
    with session_factory.begin() as session:
        links = list(session.scalars(select(TrackerLink).where(
            TrackerLink.workspace_id == workspace_id, TrackerLink.tracker == tracker,
            or_(TrackerLink.issue_key == key, TrackerLink.issue_id == key), TrackerLink.is_open.is_(True))))
        if not links:
            return report
        client = make(tracker)
        try:
            for link in links:
                if not refresh_link(link, client, now=now, report=report):
                    break
        finally:
            client.close()
    return report


def receive(settings: Settings, session_factory: sessionmaker, tracker: str, body: bytes, headers: Mapping[str, str],
            *, now_epoch: float | None = None, make: Callable[[str], object] | None = None) -> Answer:
    """One webhook delivery: its HTTP answer (404 off, 413 too big, 401 unsigned or stale, 400 not JSON, 200)."""
    secret = {"jira": settings.env.jira_webhook_secret, "linear": settings.env.linear_webhook_secret}.get(tracker)
    if secret is None or tracker not in tracker_clients.configured(settings):
        return Answer(404, {"ok": False, "error": "webhook_not_enabled"})
    if len(body) > MAX_BODY:
        return Answer(413, {"ok": False, "error": "too_large"})
    if not signed(tracker, body, headers, secret.get_secret_value()):
        return Answer(401, {"ok": False, "error": "bad_signature"})
    try:
        payload = json.loads(body)
    except ValueError:
        return Answer(400, {"ok": False, "error": "not_json"})
    if not _fresh(tracker, payload, time.time() if now_epoch is None else now_epoch):
        return Answer(401, {"ok": False, "error": "stale"})
    key = issue_key(tracker, payload)
    if key is None:
        return Answer(200, {"ok": True, "refreshed": 0})
    report = refresh_issue(session_factory, make or (lambda t: tracker_clients.make_client(settings, t)),
                           workspace_id=settings.workspace_id, tracker=tracker, key=key, now=utcnow())
    return Answer(200, {"ok": True, "refreshed": report.refreshed})
