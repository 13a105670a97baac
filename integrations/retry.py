"""Retry and pacing policy: pure functions that decide "retry? after how long?".

Nothing here sleeps or reads the clock: callers pass `now` (epoch seconds) and
the attempt number, and get back a `Decision`. The request helper
(`integrations.http`) is the only place that acts on it, with an injected
`sleep`.

Headers honoured (case-insensitive; tests/integrations/test_retry.py has one row per name):
- `Retry-After`: seconds, or an HTTP date (RFC 9110).
- Reset: `X-RateLimit-Reset` (Intercom: epoch seconds), `ratelimit-reset` (Zendesk,
  IETF draft: seconds until reset), `rate-limit-reset` (Zendesk, older answers),
  `x-rate-limit-reset`. A value above ~1e9 is taken as an epoch.
- Remaining, for proactive pacing: `ratelimit-remaining`, `rate-limit-remaining`,
  `x-ratelimit-remaining` (Intercom, Freshdesk), `x-rate-limit-remaining` (Zendesk).
  Limit (informational): `ratelimit-limit`, `rate-limit`, `rate-limit-limit`,
  `x-ratelimit-limit`, `x-ratelimit-total` (Freshdesk), `x-rate-limit` (Zendesk).
- Structured: `zendesk-ratelimit-<endpoint>: total=100; remaining=99; resets=41`
  (Zendesk's per-endpoint limits) and `RateLimit: limit=100, remaining=50, reset=5`
  (IETF draft-07). When several windows are reported, pacing follows the tightest
  (fewest requests left).

Pacing follows the server's window across responses (`QuotaWindow`,
`track_quota`, `pace_window`): a reset counted in whole seconds only says the
window ends within the next S seconds, but every response of the same window
bounds that end again, and the earliest bound is the one to wait for. With a
1-second window that is the difference between waiting ~1.25 s per window
(the last response's rounded reset) and ~1.05 s.
"""
from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
RETRIABLE_ERRORS: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
_EPOCH_THRESHOLD = 1_000_000_000

_RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "rate-limit-reset", "x-rate-limit-reset")
_REMAINING_HEADERS = ("ratelimit-remaining", "rate-limit-remaining", "x-ratelimit-remaining",
                      "x-rate-limit-remaining")
_LIMIT_HEADERS = ("ratelimit-limit", "rate-limit", "rate-limit-limit", "x-ratelimit-limit", "x-ratelimit-total",
                  "x-rate-limit")
# Structured headers: one window each, as `key=value` pairs separated by `;` or `,`.
_STRUCTURED_PREFIX = "zendesk-ratelimit-"
_STRUCTURED_NAMES = ("ratelimit",)
_PAIR = re.compile(r"([a-z-]+)\s*=\s*([^;,\s]+)")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6  # total tries of one request, the first included
    base_delay: float = 1.0  # seconds; doubles per attempt
    max_delay: float = 60.0  # cap of one backoff sleep
    max_wait: float = 900.0  # cap of a server-requested wait (Retry-After, reset)
    low_water: int = 1  # pace when remaining quota is at or below this


@dataclass(frozen=True, slots=True)
class Decision:
    retry: bool
    delay: float = 0.0
    reason: str = ""


def _header(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def retry_after_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds the server asks us to wait, from Retry-After or a rate-limit reset header."""
    raw = _header(headers, ("retry-after",))
    if raw is not None:
        seconds = _number(raw)
        if seconds is None:
            try:
                seconds = parsedate_to_datetime(raw).timestamp() - now
            except (TypeError, ValueError, IndexError):
                seconds = None
        if seconds is not None:
            return max(seconds, 0.0)
    until = reset_seconds(headers, now=now)
    if until is None:
        _, until = quota(headers, now=now)
    return until


def _until(value: float | None, now: float) -> float | None:
    if value is None:
        return None
    if value > _EPOCH_THRESHOLD:
        value -= now
    return max(value, 0.0)


def reset_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds until the rate-limit window resets, or None when not reported."""
    return _until(_number(_header(headers, _RESET_HEADERS)), now)


def _structured(headers: Mapping[str, str], now: float) -> list[tuple[float, float | None]]:
    windows = []
    for name, value in headers.items():
        name = name.lower()
        if not (name.startswith(_STRUCTURED_PREFIX) or name in _STRUCTURED_NAMES):
            continue
        pairs = dict(_PAIR.findall(str(value).lower()))
        remaining = _number(pairs.get("remaining"))
        if remaining is not None:
            windows.append((remaining, _until(_number(pairs.get("resets", pairs.get("reset"))), now)))
    return windows


def quota(headers: Mapping[str, str], *, now: float) -> tuple[float | None, float | None]:
    """(requests remaining, seconds until that window resets) of the tightest window reported."""
    windows = _structured(headers, now)
    remaining = _number(_header(headers, _REMAINING_HEADERS))
    if remaining is not None:
        windows.append((remaining, reset_seconds(headers, now=now)))
    if not windows:
        return None, None
    # Fewest left first; on a tie, the one that says when it resets.
    return min(windows, key=lambda w: (w[0], w[1] is None))


def backoff(attempt: int, policy: RetryPolicy, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter in [0.5, 1] x base*2^(attempt-1), capped."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** max(attempt - 1, 0)))
    return ceiling * (0.5 + 0.5 * rng())


def decide(
    *,
    attempt: int,
    now: float,
    response: httpx.Response | None = None,
    error: BaseException | None = None,
    policy: RetryPolicy = RetryPolicy(),
    rng: Callable[[], float] = random.random,
) -> Decision:
    """Should the request that just failed (`attempt` tries so far) be retried, and when?

    `response` is a non-2xx response, or `error` the exception raised instead of
    one (a transport error, or `ValueError` for a body that did not parse).
    401/403 and other 4xx are never retried: the caller raises a fatal error.
    """
    if response is not None:
        status = response.status_code
        if status not in RETRIABLE_STATUSES:
            return Decision(False, 0.0, f"HTTP {status}")
        reason = f"HTTP {status}"
        if attempt >= policy.max_attempts:
            return Decision(False, 0.0, f"{reason} after {attempt} attempts")
        if status == 429 or status == 503:
            asked = retry_after_seconds(response.headers, now=now)
            if asked is not None:
                # A tiny margin so we wake after the window, not just before it.
                return Decision(True, min(asked, policy.max_wait) + 0.05, reason)
        return Decision(True, backoff(attempt, policy, rng), reason)
    if error is not None:
        if not isinstance(error, (*RETRIABLE_ERRORS, ValueError)):
            return Decision(False, 0.0, type(error).__name__)
        reason = "unparseable body" if isinstance(error, ValueError) else type(error).__name__
        if attempt >= policy.max_attempts:
            return Decision(False, 0.0, f"{reason} after {attempt} attempts")
        return Decision(True, backoff(attempt, policy, rng), reason)
    return Decision(False, 0.0, "success")


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    """What the rate-limit headers have shown of the server's current window."""

    remaining: float | None = None
    # An instant (epoch seconds, the caller's clock) by which the window has surely reset.
    reset_by: float | None = None
    # Seconds added to every reported reset; 1 once a reset proved to be rounded down.
    slack: float = 0.0


def track_quota(
    window: QuotaWindow,
    headers: Mapping[str, str],
    *,
    sent_at: float,
    now: float,
    limited: bool = False,
) -> QuotaWindow:
    """Fold one response (sent at `sent_at`, received at `now`) into what we know of the window.

    A reset of S whole seconds, rounded up, means the window ends by `now + S`
    (an epoch reset, as Intercom sends, is that instant already). Within one
    window the earliest such bound holds; the window is new when `remaining`
    went up or when the request left after the previous window had surely ended.
    A 429 (`limited`) for a request sent after waiting out our own bound means
    this server rounds its reset down (or its clock runs ahead): from then on a
    second of slack is added.
    """
    slack = window.slack
    if (
        limited
        and window.remaining is not None
        and window.remaining <= 0
        and window.reset_by is not None
        and sent_at >= window.reset_by
    ):
        slack = 1.0
    remaining, until_reset = quota(headers, now=now)
    if remaining is None or until_reset is None:
        return QuotaWindow(remaining=remaining, slack=slack)
    bound = now + until_reset + slack
    new_window = (
        window.reset_by is None
        or window.remaining is None
        or remaining > window.remaining
        or sent_at >= window.reset_by
    )
    return QuotaWindow(remaining, bound if new_window else min(bound, window.reset_by), slack)


def pace_window(window: QuotaWindow, *, now: float, policy: RetryPolicy = RetryPolicy()) -> float:
    """Seconds to wait before the next request so we do not hit a 429 at all.

    When the remaining quota is at or below `policy.low_water`, wait until the
    window has reset (spread over the remaining requests when some are left).
    Without a reset there is nothing to pace on: 0, never slower than the server allows.
    """
    remaining = window.remaining
    if remaining is None or remaining > policy.low_water or window.reset_by is None:
        return 0.0
    until_reset = min(max(window.reset_by - now, 0.0), policy.max_wait)
    if remaining <= 0:
        # A tiny margin so we wake after the window, not just before it.
        return until_reset + 0.05
    return until_reset / (remaining + 1)


def pace(headers: Mapping[str, str], *, now: float, policy: RetryPolicy = RetryPolicy()) -> float:
    """`pace_window` for one response seen on its own."""
    return pace_window(track_quota(QuotaWindow(), headers, sent_at=now, now=now), now=now, policy=policy)
