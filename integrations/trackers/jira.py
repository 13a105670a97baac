"""Jira Cloud, REST API v3 with basic auth (account email + API token).

- `POST /rest/api/3/issue` with `fields.project.key`, `fields.issuetype.name`, `fields.summary`, `fields.labels`
  and `fields.description` as an Atlassian Document Format document; answers `{"id", "key", "self"}`.
- `GET /rest/api/3/issue/{key}?fields=summary,status,resolution,resolutiondate`: `status.name` and
  `status.statusCategory.key` (`new`, `indeterminate`, `done`): "done" is resolved, unless `resolution.name`
  says it closed without a fix (Won't Do, Won't Fix, Duplicate, Cannot Reproduce): that is "canceled", as
  Linear's canceled state, and gets no fix verdict.
- `GET /rest/api/3/myself`: the cheapest authenticated call, to check the credentials.
- 429 with `Retry-After` (seconds) is waited out; a 400 answers `{"errorMessages": [...], "errors": {field: text}}`.
"""
from __future__ import annotations

import base64
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from integrations.trackers.base import (
    CANCELED, DONE, IssueDraft, Sender, TrackerError, TrackerIssue, TrackerNotFoundError, parse_instant,
)

_URL = re.compile(r"https?://[^\s<>\"]+")
_CATEGORY = {"new": "todo", "indeterminate": "in_progress", "done": "done"}
# Jira's default resolutions that close an issue without fixing anything (compared case-insensitively,
# with either apostrophe).
NO_FIX = frozenset({"won't do", "won't fix", "duplicate", "cannot reproduce"})
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")
AUTH_HINT = "JIRA_EMAIL and JIRA_API_TOKEN"  # what a refusal says to check, unless told otherwise


def adf_document(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: one paragraph per non-empty line, URLs as links (`link` marks)."""
    content = []
    for line in text.splitlines():
        if not line.strip():
            continue
        nodes: list[dict[str, Any]] = []
        last = 0
        for match in _URL.finditer(line):
            if match.start() > last:
                nodes.append({"type": "text", "text": line[last:match.start()]})
            url = match.group(0).rstrip(".,);")
            nodes.append({"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]})
            last = match.start() + len(url)
        if last < len(line):
            nodes.append({"type": "text", "text": line[last:]})
        content.append({"type": "paragraph", "content": nodes})
    return {"type": "doc", "version": 1, "content": content}


def issue_fields(draft: IssueDraft) -> dict[str, Any]:
    """The `fields` of a create request."""
    fields: dict[str, Any] = {
        "project": {"key": draft.project},
        "issuetype": {"name": draft.issue_type},
        "summary": draft.title[:255],
        "description": adf_document(draft.description),
    }
    if draft.labels:
        fields["labels"] = list(draft.labels)
    return fields


class JiraClient:
    tracker = "jira"

    def __init__(self, client: httpx.Client, *, base_url: str, email: str, api_token: str,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 auth_hint: str = AUTH_HINT) -> None:
        self.base_url = base_url.rstrip("/")
        basic = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
        self.sender = Sender(client, tracker="jira", auth_hint=auth_hint, sleep=sleep, clock=clock)

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{urllib.parse.quote(key)}"

    def close(self) -> None:
        self.sender.close()

    def check(self) -> str:
        """The account the credentials belong to (display name), or TrackerAuthError."""
        status, body, _ = self.sender.send("GET", f"{self.base_url}/rest/api/3/myself", headers=self._headers)
        if status != 200 or not isinstance(body, dict):
            raise TrackerError(f"jira: could not read the account (HTTP {status})")
        return str(body.get("displayName") or body.get("accountId") or "")

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        status, body, _ = self.sender.send("POST", f"{self.base_url}/rest/api/3/issue", headers=self._headers,
                                           json_body={"fields": issue_fields(draft)})
        if status == 404:
            raise TrackerNotFoundError(f"jira: project {draft.project} not found")
        if status >= 400 or not isinstance(body, dict) or not body.get("key"):
            raise _refusal(status, body, draft.project)
        key = str(body["key"])
        return TrackerIssue("jira", str(body.get("id") or key), key, self.browse_url(key), draft.title, "", "todo")

    def get_issue(self, key: str) -> TrackerIssue:
        if not ISSUE_KEY.match(key):
            raise TrackerNotFoundError(f"jira: {key!r} is not an issue key (like PAY-142)")
        status, body, _ = self.sender.send(
            "GET", f"{self.base_url}/rest/api/3/issue/{urllib.parse.quote(key)}", headers=self._headers,
            params={"fields": "summary,status,resolution,resolutiondate"})
        if status == 404:
            raise TrackerNotFoundError(f"jira: issue {key} not found (deleted, or not visible to this account)")
        if status >= 400 or not isinstance(body, dict):
            raise _refusal(status, body, key)
        return to_issue(body, self.browse_url(str(body.get("key") or key)))


def to_issue(body: dict[str, Any], url: str) -> TrackerIssue:
    """An issue as `GET /rest/api/3/issue/{key}` answers it."""
    fields = body.get("fields") or {}
    status = fields.get("status") or {}
    category = _CATEGORY.get((status.get("statusCategory") or {}).get("key") or "new", "todo")
    if category == DONE and _without_fix(fields.get("resolution")):
        category = CANCELED
    return TrackerIssue("jira", str(body.get("id") or ""), str(body.get("key") or ""), url,
                        str(fields.get("summary") or ""), str(status.get("name") or ""),
                        category,  # type: ignore[arg-type]
                        parse_instant(fields.get("resolutiondate")) if category == DONE else None)


def _without_fix(resolution: Any) -> bool:
    """Does `fields.resolution` (null, or `{"name": ...}`) close the issue without a fix?"""
    name = resolution.get("name") if isinstance(resolution, dict) else None
    return isinstance(name, str) and name.strip().replace("\u2019", "'").casefold() in NO_FIX


def _refusal(status: int, body: Any, what: str) -> TrackerError:
    """Jira's own words for a refused request: `errors` by field, then `errorMessages`."""
    words: list[str] = []
    if isinstance(body, dict):
        errors = body.get("errors") or {}
        if isinstance(errors, dict):
            words += [f"{field}: {text}" for field, text in sorted(errors.items())]
        messages = body.get("errorMessages") or []
        if isinstance(messages, list):
            words += [str(m) for m in messages]
    detail = "; ".join(w[:200] for w in words[:3]) or f"HTTP {status}"
    if "project" in detail.lower() and status == 400 and "valid project" in detail.lower():
        return TrackerNotFoundError(f"jira: project {what} not found ({detail})")
    return TrackerError(f"jira: refused ({detail})")
