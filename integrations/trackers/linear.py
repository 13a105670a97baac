"""Linear, GraphQL at https://api.linear.app/graphql with a personal API key (`Authorization: <key>`, no Bearer).

- `issueCreate(input: {teamId, title, description, labelIds})` answers `{success, issue {...}}`.
- `issue(id:)` takes the UUID or the identifier (ENG-12); `state.type` is one of triage, backlog, unstarted,
  started, completed, canceled; `completedAt` is when it was completed.
- `viewer { id name }`: the cheapest authenticated query, to check the key.
- Errors come as `{"errors": [{"message", "extensions": {"code"}}]}`: `RATELIMITED` is waited out until
  `X-RateLimit-Requests-Reset` (epoch milliseconds); `AUTHENTICATION_ERROR`/`FORBIDDEN` mean the key.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from integrations.trackers.base import (
    DONE, IssueDraft, Sender, TrackerAuthError, TrackerError, TrackerIssue, TrackerNotFoundError, parse_instant,
)

DEFAULT_URL = "https://api.linear.app"
_FIELDS = "id identifier url title completedAt state { name type }"
CREATE = ("mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { "
          + _FIELDS + " } } }")
ISSUE = "query Issue($id: String!) { issue(id: $id) { " + _FIELDS + " } }"
VIEWER = "query Viewer { viewer { id name } }"
_CATEGORY = {"triage": "todo", "backlog": "todo", "unstarted": "todo", "started": "in_progress",
             "completed": "done", "canceled": "canceled"}
IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9]*-[1-9][0-9]*$")
AUTH_HINT = "LINEAR_API_KEY"  # what a refusal says to check, unless told otherwise
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _codes(body: Any) -> list[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str((e.get("extensions") or {}).get("code") or "") for e in errors or [] if isinstance(e, dict)]


def rate_limit_wait(response: httpx.Response, body: Any, now: float) -> float | None:
    """Seconds to wait when Linear says RATELIMITED (its reset header counts epoch milliseconds)."""
    if "RATELIMITED" not in _codes(body) and response.status_code != 429:
        return None
    reset = response.headers.get("x-ratelimit-requests-reset")
    try:
        return max(float(reset) / 1000.0 - now, 0.0) if reset else 1.0
    except ValueError:
        return 1.0


class LinearClient:
    tracker = "linear"

    def __init__(self, client: httpx.Client, *, api_key: str, base_url: str = DEFAULT_URL,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 auth_hint: str = AUTH_HINT) -> None:
        self.url = base_url.rstrip("/") + "/graphql"
        self._headers = {"Authorization": api_key, "Content-Type": "application/json"}
        self.sender = Sender(client, tracker="linear", auth_hint=auth_hint, sleep=sleep, clock=clock,
                             wait_for=rate_limit_wait)

    def _query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        status, body, _ = self.sender.send("POST", self.url, headers=self._headers,
                                           json_body={"query": query, "variables": variables or {}})
        codes = _codes(body)
        if {"AUTHENTICATION_ERROR", "FORBIDDEN"} & set(codes):
            raise TrackerAuthError(f"linear: authentication failed; check {self.sender.auth_hint}")
        if codes or status >= 400 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise _refusal(status, body)
        return body["data"]

    def close(self) -> None:
        self.sender.close()

    def check(self) -> str:
        viewer = self._query(VIEWER).get("viewer") or {}
        return str(viewer.get("name") or viewer.get("id") or "")

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        payload: dict[str, Any] = {"teamId": draft.project, "title": draft.title, "description": draft.description}
        if draft.labels:
            payload["labelIds"] = list(draft.labels)
        created = self._query(CREATE, {"input": payload}).get("issueCreate") or {}
        if not created.get("success") or not isinstance(created.get("issue"), dict):
            raise TrackerError("linear: the issue was not created")
        return to_issue(created["issue"])

    def get_issue(self, key: str) -> TrackerIssue:
        if not (IDENTIFIER.match(key) or _UUID.match(key)):
            raise TrackerNotFoundError(f"linear: {key!r} is not an issue identifier (like ENG-12)")
        issue = self._query(ISSUE, {"id": key}).get("issue")
        if not isinstance(issue, dict):
            raise TrackerNotFoundError(f"linear: issue {key} not found")
        return to_issue(issue)


def to_issue(issue: dict[str, Any]) -> TrackerIssue:
    state = issue.get("state") or {}
    category = _CATEGORY.get(str(state.get("type") or ""), "todo")
    return TrackerIssue("linear", str(issue.get("id") or ""), str(issue.get("identifier") or ""),
                        str(issue.get("url") or ""), str(issue.get("title") or ""), str(state.get("name") or ""),
                        category,  # type: ignore[arg-type]
                        parse_instant(issue.get("completedAt")) if category == DONE else None)


def _refusal(status: int, body: Any) -> TrackerError:
    errors = body.get("errors") if isinstance(body, dict) else None
    messages = [str(e.get("message") or "")[:200] for e in errors or [] if isinstance(e, dict)]
    detail = "; ".join(m for m in messages[:3] if m) or f"HTTP {status}"
    if "not found" in detail.lower() or "entity not found" in detail.lower():
        return TrackerNotFoundError(f"linear: {detail}")
    return TrackerError(f"linear: refused ({detail})")
