"""What every fake vendor shares: request log, injected faults, rate limits, auth, a gate.

A fake is a stateful callable `fake(request) -> httpx.Response`, usable as
`httpx.MockTransport(fake)` or served over loopback with `tests.fakes.loopback`.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass
class Fault:
    kind: str  # "429", "500", "503", "timeout", "connect", "malformed", "shape", "401", "403", "404"
    retry_after: float | None = None
    reset_epoch: float | None = None


class FakeAPI:
    """Base class: subclasses implement `handle(request)`; headers styles: zendesk/zendesk_2023/freshdesk/intercom."""

    rate_style = "zendesk"

    def __init__(
        self,
        *,
        auth: str | None = None,
        clock: Callable[[], float] = time.time,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.auth = auth
        self.clock = clock
        self.rate_limit = rate_limit
        self.requests: list[httpx.Request] = []
        self.count_429 = 0
        self._faults: dict[int, Fault] = {}
        self._next_faults: list[Fault] = []
        self._lock = threading.Lock()
        self._window_start = -math.inf
        self._window_used = 0
        # Kill-and-resume tests: requests after `gate_after` wait until `gate` is set.
        self.gate_after: int | None = None
        self.gate = threading.Event()
        self.gated = threading.Event()

    # -- configuration ------------------------------------------------------------
    def fail_next(self, kind: str, *, times: int = 1, retry_after: float | None = None,
                  reset_epoch: float | None = None) -> None:
        self._next_faults.extend(Fault(kind, retry_after, reset_epoch) for _ in range(times))

    def fail_at(self, request_number: int, kind: str, *, retry_after: float | None = None) -> None:
        """Make the n-th request (1-based, counting every request) fail."""
        self._faults[request_number] = Fault(kind, retry_after)

    # -- dispatch -------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        if self.gate_after is not None and number > self.gate_after:
            self.gated.set()
            self.gate.wait()
        with self._lock:
            if self.auth is not None and request.headers.get("authorization") != self.auth:
                return httpx.Response(401, json={"error": "Couldn't authenticate you"})
            fault = self._faults.pop(number, None) or (self._next_faults.pop(0) if self._next_faults else None)
            if fault is not None:
                return self._fault(fault, request)
            limited = self._limit()
            if limited is not None:
                return limited
            response = self.handle(request)
            response.headers.update(self._quota_headers())
            return response

    def handle(self, request: httpx.Request) -> httpx.Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("fake timeout", request=request)
        if fault.kind == "connect":
            raise httpx.ConnectError("fake connection refused", request=request)
        if fault.kind == "malformed":
            return httpx.Response(200, content=b'{"tickets": [ {"id": 1', headers={"content-type": "application/json"})
        if fault.kind == "shape":
            return httpx.Response(200, json={"unexpected": True})
        if fault.kind == "429":
            self.count_429 += 1
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            if fault.reset_epoch is not None:
                headers["X-RateLimit-Reset"] = str(int(fault.reset_epoch))
            return httpx.Response(429, headers=headers, json={"error": "TooManyRequests"})
        return httpx.Response(int(fault.kind), json={"error": f"fake {fault.kind}"})

    # -- rate limiting (fixed windows) ------------------------------------------------
    def _limit(self) -> httpx.Response | None:
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        now = self.clock()
        if now >= self._window_start + window:
            self._window_start = math.floor(now / window) * window
            self._window_used = 0
        if self._window_used >= limit:
            self.count_429 += 1
            wait = max(math.ceil(self._window_start + window - now), 1)
            response = httpx.Response(429, json={"error": "TooManyRequests"}, headers={"Retry-After": str(wait)})
            response.headers.update(self._quota_headers())
            return response
        self._window_used += 1
        return None

    def _quota_headers(self) -> dict[str, str]:
        if self.rate_limit is None:
            return {}
        limit, window = self.rate_limit
        remaining = max(limit - self._window_used, 0)
        reset_in = max(math.ceil(self._window_start + window - self.clock()), 1)
        if self.rate_style == "zendesk":
            return {"ratelimit-limit": str(limit), "ratelimit-remaining": str(remaining), "ratelimit-reset": str(reset_in)}
        if self.rate_style == "zendesk_2023":  # as a 2023 recording answered: no x- prefix, no contraction
            return {"rate-limit": str(limit), "rate-limit-remaining": str(remaining), "rate-limit-reset": str(reset_in)}
        if self.rate_style == "intercom":
            return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                    "X-RateLimit-Reset": str(int(self._window_start + window))}
        return {"X-Ratelimit-Total": str(limit), "X-Ratelimit-Remaining": str(remaining)}
