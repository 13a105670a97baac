"""What both tracker clients share: the issue they create and read back, their errors, one request loop.

The loop sends through an injected `httpx.Client`, retries 429/5xx/timeouts as `integrations.retry.decide`
says (honouring `Retry-After`; a vendor-specific wait, such as Linear's millisecond reset, comes from
`wait_for`), and classifies every other answer: 401/403 → `TrackerAuthError`, 404 →
`TrackerNotFoundError`, other 4xx → `TrackerError` with the vendor's own words (never the token).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx

from integrations.http import json_or_none
from integrations.retry import RETRIABLE_ERRORS, RetryPolicy, decide

log = logging.getLogger(__name__)

Category = Literal["todo", "in_progress", "done", "canceled"]  # canceled: closed without a fix
DONE, CANCELED = "done", "canceled"
FINISHED = (DONE, CANCELED)  # closed in the tracker, fixed or not
# One try plus two: a click waits for the answer, so a tracker that keeps refusing is reported, not waited out.
POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=5.0, max_wait=30.0)


class TrackerError(RuntimeError):
    """The tracker refused or failed a request; the message is safe to show (no secrets, no echo of input)."""


class TrackerAuthError(TrackerError):
    """401/403: the credentials are wrong, expired, or lack access."""


class TrackerNotFoundError(TrackerError):
    """The project, team or issue does not exist (or is not visible to these credentials)."""


@dataclass(frozen=True, slots=True)
class IssueDraft:
    title: str
    description: str  # plain text, one paragraph per line; URLs become links
    project: str  # Jira project key or Linear team id
    issue_type: str = "Bug"  # Jira only
    labels: tuple[str, ...] = ()  # Jira label names, Linear label ids


@dataclass(frozen=True, slots=True)
class TrackerIssue:
    tracker: str  # "jira" | "linear"
    issue_id: str
    key: str  # PAY-142 / ENG-12
    url: str
    title: str = ""
    status: str = ""  # the workflow state's name ("In Progress")
    category: Category = "todo"
    resolved_at: datetime | None = None


class Sender:
    """Sends one tracker's requests; `wait_for(response, now)` may name a wait the generic headers do not."""

    def __init__(self, client: httpx.Client, *, tracker: str, auth_hint: str,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, policy: RetryPolicy = POLICY,
                 wait_for: Callable[[httpx.Response, Any, float], float | None] | None = None) -> None:
        self.client, self.tracker, self.auth_hint = client, tracker, auth_hint
        self.sleep, self.clock, self.policy, self.wait_for = sleep, clock, policy, wait_for
        self.rate_limited = 0

    def close(self) -> None:
        self.client.close()

    def send(self, method: str, url: str, *, headers: Mapping[str, str], json_body: Any = None,
             params: Mapping[str, Any] | None = None) -> tuple[int, Any, httpx.Response]:
        """(status, JSON body or None, response) of the first answer that is not retried."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.request(method, url, headers=headers, json=json_body, params=params)
            except RETRIABLE_ERRORS as error:
                self._retry_or_fail(attempt, error=error)
                continue
            except httpx.HTTPError as error:
                raise TrackerError(f"{self.tracker}: request failed ({type(error).__name__})") from error
            body = json_or_none(response)
            special = self.wait_for(response, body, self.clock()) if self.wait_for else None
            if response.status_code == 429 or special is not None:
                self.rate_limited += 1
                self._retry_or_fail(attempt, response=response, wait=special)
                continue
            if response.status_code >= 500:
                self._retry_or_fail(attempt, response=response)
                continue
            if response.status_code in (401, 403):
                raise TrackerAuthError(f"{self.tracker}: authentication failed (HTTP {response.status_code}); "
                                       f"check {self.auth_hint}")
            return response.status_code, body, response

    def _retry_or_fail(self, attempt: int, *, response: httpx.Response | None = None,
                       error: BaseException | None = None, wait: float | None = None) -> None:
        if response is not None and response.status_code not in (429,) and wait is not None:
            response = httpx.Response(429, headers={"Retry-After": f"{max(wait, 0.0):.3f}"})
        decision = decide(attempt=attempt, now=self.clock(), response=response, error=error, policy=self.policy)
        if not decision.retry:
            what = "rate limited" if response is not None and response.status_code == 429 else "request failed"
            raise TrackerError(f"{self.tracker}: {what} ({decision.reason}); try again in a minute") from error
        log.info("%s: %s, retry %d in %.1fs", self.tracker, decision.reason, attempt, decision.delay)
        self.sleep(decision.delay)


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 instant as Jira ('2026-12-03T10:15:30.000+0000') or Linear ('…Z') writes it."""
    if not value or not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
