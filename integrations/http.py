"""The one place that sends requests for adapters, classifies answers and retries.

- 2xx: the JSON body is returned (a body that does not parse is retried like a 5xx; a number out of
  range, such as `1e400`, does not make a page unparseable: `decode_json`).
- 401/403: `SourceAuthError` naming the source and what to check. Never retried.
- 429/5xx/timeouts/connection errors: retried per `integrations.retry`, honouring
  `Retry-After` and rate-limit reset headers, then `SourceFatalError`.
- Other 4xx: `SourceFatalError` with the status (no body: it may echo data).

After every response the rate-limit headers are folded into what we know of
the server's window, and the next request is delayed when the quota runs low
(proactive pacing, `integrations.retry.pace_window`).
"""
from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson

from integrations.base import SourceAuthError, SourceFatalError
from integrations.retry import RETRIABLE_ERRORS, QuotaWindow, RetryPolicy, decide, pace_window, track_quota

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass(slots=True)
class RequestStats:
    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    slept: float = 0.0


def decode_json(content: bytes) -> Any:
    """A response body as JSON. orjson refuses a whole page for one number beyond a double's range
    (`1e400`); the standard parser reads it as infinity (and very long integers as integers), so the
    page parses and the normalizer quarantines just the record that carries it ("… out of range")."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        if "number" not in str(error):
            raise
        return json.loads(content, parse_int=_whole)


def json_or_none(response: httpx.Response) -> Any:
    """A response's JSON body, or None when it has none or it does not parse (an error page, say)."""
    if not response.content:
        return None
    try:
        return decode_json(response.content)
    except ValueError:
        return None


def _whole(text: str) -> int | float:
    # Past Python's 4300-digit limit for int(): as out of range as it gets, and never a page failure.
    return int(text) if len(text) <= 4000 else (float("-inf") if text.startswith("-") else float("inf"))


class Requester:
    """Sends requests for one source through an injected `httpx.Client`."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        source: str,
        auth_hint: str,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.source = source
        self.auth_hint = auth_hint
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.stats = RequestStats()
        self._pace_until = 0.0
        self.quota = QuotaWindow()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.slept += seconds
            self.sleep(seconds)

    def request_json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        validate: Callable[[Any], None] | None = None,
        absent_ok: bool = False,
    ) -> tuple[Any, httpx.Response]:
        """Send until a 2xx with a JSON body arrives; returns (body, response).

        `validate(body)` raises `ValueError` for a body of the wrong shape; such a
        page is retried like one that did not parse, then the source fails.
        With `absent_ok`, a 404 returns `(None, response)` instead of failing.
        """
        attempt = 0
        while True:
            attempt += 1
            wait = self._pace_until - self.clock()
            if wait > 0:
                self._wait(wait)
            self.stats.requests += 1
            sent_at = self.clock()
            try:
                response = self.client.request(method, url, params=params, json=json_body, headers=headers)
            except RETRIABLE_ERRORS as error:
                self._retry_or_fail(attempt, error=error)
                continue
            except httpx.HTTPError as error:  # e.g. invalid URL, unsupported protocol
                raise SourceFatalError(f"{self.source}: request failed ({type(error).__name__})") from error
            self._note_quota(response, sent_at)
            status = response.status_code
            if status in (401, 403):
                refused = SourceAuthError(f"{self.source}: authentication failed (HTTP {status}); check {self.auth_hint}")
                refused.status = status
                raise refused
            if status == 404 and absent_ok:
                return None, response
            if status == 429:
                self.stats.rate_limited += 1
            if status >= 400:
                self._retry_or_fail(attempt, response=response)
                continue
            try:
                body = decode_json(response.content)
                if validate is not None:
                    validate(body)
            except ValueError as error:
                self._retry_or_fail(attempt, error=error, what="unparseable page")
                continue
            return body, response

    def _note_quota(self, response: httpx.Response, sent_at: float) -> None:
        now = self.clock()
        self.quota = track_quota(self.quota, response.headers, sent_at=sent_at, now=now,
                                 limited=response.status_code == 429)
        delay = pace_window(self.quota, now=now, policy=self.policy)
        if delay > 0:
            self._pace_until = max(self._pace_until, now + delay)

    def _retry_or_fail(
        self,
        attempt: int,
        *,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
        what: str = "request failed",
    ) -> None:
        decision = decide(
            attempt=attempt, now=self.clock(), response=response, error=error, policy=self.policy, rng=self.rng
        )
        if not decision.retry:
            raise SourceFatalError(f"{self.source}: {what} ({decision.reason})") from error
        self.stats.retries += 1
        log.info("%s: %s, retry %d in %.1fs", self.source, decision.reason, attempt, decision.delay)
        self._wait(decision.delay)


class PollingAdapter:
    """What every helpdesk adapter holds: its name, page size, lookback, free-text switch and request helper."""

    max_page_size = 100
    auth_hint = ""
    identity_path = ""  # one cheap authenticated GET: the credentials' own user (`check_connection`)

    def __init__(
        self,
        client: httpx.Client,
        *,
        name: str,
        page_size: int,
        lookback: timedelta,
        store_free_text: bool,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: Callable[[], float],
    ) -> None:
        self.name = name
        self.page_size = max(1, min(page_size, self.max_page_size))
        self.lookback = lookback
        self.store_free_text = store_free_text
        self.requester = Requester(client, source=name, auth_hint=self.auth_hint, policy=policy, sleep=sleep,
                                   clock=clock, rng=rng)

    @property
    def stats(self) -> RequestStats:
        return self.requester.stats

    def check_connection(self) -> Any:
        """One cheap authenticated call (the token's own user) before a connection is saved: its JSON
        body, or `SourceAuthError` (with `.status`) / `SourceFatalError` as any request of this adapter."""
        url = self.base_url + self.identity_path  # type: ignore[attr-defined] - every vendor adapter sets both
        return self.requester.request_json("GET", url, headers=self._headers)[0]  # type: ignore[attr-defined]


class CursorGuard:
    """Refuses a pagination token that was already used in this run ("loop detected")."""

    def __init__(self, source: str, stream: str) -> None:
        self.source = source
        self.stream = stream
        self._seen: set[str] = set()

    def advance(self, token: Any) -> None:
        key = json.dumps(token, sort_keys=True, default=str)
        if key in self._seen:
            raise SourceFatalError(
                f"{self.source}: loop detected on stream {self.stream!r}: the API returned a cursor already used"
            )
        self._seen.add(key)
