"""A fake HubSpot CRM v3, as strict as the real one where Signalroom touches it.

- Auth: `Authorization: Bearer <private app token>`, else 401 (`category` INVALID_AUTHENTICATION). Each
  endpoint needs its scope (crm.objects.companies.read, crm.objects.owners.read), else 403 MISSING_SCOPES
  naming `context.requiredGranularScopes`.
- `GET /crm/v3/objects/companies`: `limit` at most 100 (400 otherwise), `properties` comma-separated: only
  those come back (plus hs_object_id, createdate, hs_lastmodifieddate, as HubSpot does); pages by an opaque
  `after` token in `paging.next.after` (and `paging.next.link`), none on the last page.
- `GET /crm/v3/owners/{id}`: `{id, email, firstName, lastName, userId, …}`, 404 OBJECT_NOT_FOUND otherwise;
  `GET /crm/v3/owners` lists the active ones (`archived=true`: the archived ones), `limit` 1 to 500 (default
  100; 400 otherwise), paged by `after` as the companies are.
- Rate limits: every answer has X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds (a rolling window
  on the injected clock) and -Daily/-Daily-Remaining; past the window's max, 429 with `policyName`
  TEN_SECONDLY_ROLLING. `limit_next()` answers the next request 429 once; `daily_spent()` answers DAILY.
"""
from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
SCOPES = ("crm.objects.companies.read", "crm.objects.owners.read")
DEFAULT_PROPS = ("createdate", "hs_lastmodifieddate", "hs_object_id")


def _error(status: int, message: str, category: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
                                        "category": category, **extra})


class FakeHubSpot:
    def __init__(self, *, companies: list[dict[str, Any]] | None = None, owners: list[dict[str, Any]] | None = None,
                 scopes: tuple[str, ...] = SCOPES, window_max: int = 100, window_ms: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.companies = list(companies or [])  # raw records: {"id", "properties"} (anything, to test quarantine)
        self.owners = {str(o["id"]): o for o in owners or []}
        self.scopes, self.window_max, self.window_ms, self.clock = set(scopes), window_max, window_ms, clock
        self.requests: list[httpx.Request] = []
        self.count_429 = 0
        self._sent: list[float] = []
        self._limit_next = 0
        self._daily = False
        self._fail: list[int] = []
        self._lock = threading.Lock()

    def limit_next(self, times: int = 1) -> None:
        self._limit_next += times

    def fail_next(self, status: int) -> None:
        self._fail.append(status)

    def daily_spent(self) -> None:
        self._daily = True

    def company(self, company_id: str, **properties: Any) -> None:
        self.companies.append({"id": company_id, "properties": properties, "archived": False,
                               "createdAt": "2024-01-02T10:00:00.000Z", "updatedAt": "2026-11-01T10:00:00.000Z"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return _error(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication "
                                   "and you can find more details at https://developers.hubspot.com/docs/methods/auth/"
                                   "oauth-overview", "INVALID_AUTHENTICATION")
            if self._fail:
                return _error(self._fail.pop(0), "internal error", "INTERNAL_ERROR")
            limited = self._limited()
            response = limited or self._route(request)
            response.headers.update(self._headers())
            return response

    def _limited(self) -> httpx.Response | None:
        now = self.clock()
        self._sent = [t for t in self._sent if now - t < self.window_ms / 1000]
        if self._daily:
            self.count_429 += 1
            return _error(429, "You have reached your daily limit.", "RATE_LIMITS", errorType="RATE_LIMIT",
                          policyName="DAILY", groupName="publicapi")
        if self._limit_next or len(self._sent) >= self.window_max:
            self._limit_next = max(self._limit_next - 1, 0)
            self.count_429 += 1
            return _error(429, "You have reached your ten_secondly_rolling limit.", "RATE_LIMITS",
                          errorType="RATE_LIMIT", policyName="TEN_SECONDLY_ROLLING", groupName="publicapi:private-app")
        self._sent.append(now)
        return None

    def _headers(self) -> dict[str, str]:
        return {"X-HubSpot-RateLimit-Max": str(self.window_max),
                "X-HubSpot-RateLimit-Remaining": str(max(self.window_max - len(self._sent), 0)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.window_ms),
                "X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "249000"}

    def _scope(self, scope: str) -> httpx.Response | None:
        if scope in self.scopes:
            return None
        return _error(403, "This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES",
                      errors=[{"message": "One or more of the following scopes are required.",
                               "context": {"requiredGranularScopes": [scope]}}])

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == "/crm/v3/objects/companies":
            return self._scope("crm.objects.companies.read") or self._companies(request)
        if request.method == "GET" and path.startswith("/crm/v3/owners"):
            return self._scope("crm.objects.owners.read") or self._owners(request)
        return _error(404, f"Unable to route {request.method} request for {path}", "OBJECT_NOT_FOUND")

    def _companies(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        window = _window(params, default=10, most=100)
        if isinstance(window, httpx.Response):
            return window
        offset, limit = window
        wanted = {p for p in (params.get("properties") or "").split(",") if p} | set(DEFAULT_PROPS)
        results = []
        for raw in self.companies[offset:offset + limit]:
            if isinstance(raw, dict) and isinstance(raw.get("properties"), dict):
                props = {k: v for k, v in raw["properties"].items() if k in wanted}
                props.setdefault("hs_object_id", raw.get("id"))
                raw = {**raw, "properties": props}
            results.append(raw)
        return httpx.Response(200, json=_paged(results, offset, limit, len(self.companies), request))

    def _owners(self, request: httpx.Request) -> httpx.Response:
        owner_id = request.url.path.removeprefix("/crm/v3/owners").strip("/")
        if not owner_id:
            window = _window(request.url.params, default=100, most=500)
            if isinstance(window, httpx.Response):
                return window
            offset, limit = window
            archived = request.url.params.get("archived") == "true"
            listed = [o for o in self.owners.values() if bool(o.get("archived")) is archived]
            return httpx.Response(200, json=_paged(listed[offset:offset + limit], offset, limit, len(listed), request))
        owner = self.owners.get(owner_id)
        if owner is None:
            return _error(404, f"Owner {owner_id} not found", "OBJECT_NOT_FOUND")
        return httpx.Response(200, json=owner)


def _window(params: httpx.QueryParams, *, default: int, most: int) -> tuple[int, int] | httpx.Response:
    """(offset, limit) of a list request: `limit` 1 to `most`, `after` an opaque token we issued; else 400."""
    try:
        limit = int(params.get("limit", str(default)))
        offset = int(base64.b64decode(params["after"]).decode()) if params.get("after") else 0
    except ValueError:
        return _error(400, "Invalid input", "VALIDATION_ERROR")
    if not 1 <= limit <= most:
        return _error(400, f"limit must be between 1 and {most}", "VALIDATION_ERROR")
    return offset, limit


def _paged(results: list[Any], offset: int, limit: int, total: int, request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = {"results": results}
    if offset + limit < total:
        after = base64.b64encode(str(offset + limit).encode()).decode()
        body["paging"] = {"next": {"after": after, "link": f"https://api.hubapi.com{request.url.path}?after={after}"}}
    return body


def owner(owner_id: str, email: str, first: str, last: str) -> dict[str, Any]:
    return {"id": owner_id, "email": email, "type": "PERSON", "firstName": first, "lastName": last,
            "userId": int(owner_id) + 1, "createdAt": "2023-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "archived": False, "teams": []}
