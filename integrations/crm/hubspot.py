"""HubSpot CRM v3: companies with chosen properties, page by page, and their owners.

Auth is a private app's access token as `Authorization: Bearer …` (scopes crm.objects.companies.read and
crm.objects.owners.read). Companies come from `GET /crm/v3/objects/companies?limit=100&properties=…&after=…`
following `paging.next.after` until it is absent (a repeated token is a loop, not a page); owners from
`GET /crm/v3/owners?limit=500` paged the same way (id, email, firstName, lastName; active owners only, so one
that left is simply absent): one request per 500 owners, not one per owner.

Rate limits: every answer carries `X-HubSpot-RateLimit-Remaining` and `-Interval-Milliseconds` (the rolling
window); when the window is spent the next request waits it out. A 429 names its `policyName`: SECONDLY
and TEN_SECONDLY_ROLLING are waited out (`Retry-After` when sent, else the window) and retried; DAILY is
fatal until tomorrow. 5xx and transport errors are retried with backoff; 401/403 are `HubSpotAuthError`
(403 names the missing scopes HubSpot lists). A record without an id or properties is quarantined, not fatal.
Knows nothing of Slack or SQL.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from integrations.http import json_or_none
from integrations.retry import RETRIABLE_ERRORS, RetryPolicy, backoff, retry_after_seconds

log = logging.getLogger(__name__)

BASE_URL = "https://api.hubapi.com"
PAGE_LIMIT = 100  # the companies list's maximum
OWNERS_LIMIT = 500  # the owners list's maximum
POLICY = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=30.0, max_wait=60.0)
REQUIRED_SCOPES = ("crm.objects.companies.read", "crm.objects.owners.read")
# Always fetched: the name and domain match companies to helpdesk organizations, the owner is the CS owner.
BASE_PROPERTIES = ("name", "domain", "hubspot_owner_id")
_WINDOW_DEFAULT = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0}


class HubSpotError(RuntimeError):
    """HubSpot refused or failed a request; the message is safe to show (no token)."""


class HubSpotAuthError(HubSpotError):
    """401/403: a wrong or revoked token, or a private app without the scopes."""


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str
    domain: str | None
    owner_id: str | None
    properties: Mapping[str, str | None]  # as HubSpot sent them: strings or null


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    email: str | None
    name: str


@dataclass(frozen=True, slots=True)
class CompanyPage:
    companies: tuple[Company, ...]
    quarantined: tuple[tuple[str | None, str, Any], ...] = ()  # (id if any, reason, raw record)
    next_after: str | None = None


def to_company(raw: Any) -> Company:
    """Pure: one record of `results`, or ValueError naming what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError("record is not an object")
    company_id = raw.get("id")
    if not isinstance(company_id, (str, int)) or isinstance(company_id, bool) or not str(company_id).strip():
        raise ValueError("record has no id")
    props = raw.get("properties")
    if not isinstance(props, dict):
        raise ValueError("record has no properties object")
    clean = {str(k): (None if v is None else str(v)) for k, v in props.items() if not isinstance(v, (dict, list))}
    name = (clean.get("name") or "").strip()
    domain = (clean.get("domain") or "").strip().lower() or None
    owner = (clean.get("hubspot_owner_id") or "").strip() or None
    return Company(str(company_id), name, domain, owner, clean)


def to_page(body: Any) -> CompanyPage:
    """Pure: a list answer's companies, its malformed records set aside, and the next page's token."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ValueError("answer has no results list")
    good, bad = [], []
    for raw in body["results"]:
        try:
            good.append(to_company(raw))
        except ValueError as error:
            bad.append((str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None, str(error), raw))
    return CompanyPage(tuple(good), tuple(bad), next_after(body))


def next_after(body: dict[str, Any]) -> str | None:
    """Pure: a list answer's `paging.next.after` token, None on the last page."""
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


def to_owner(raw: Any) -> Owner:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ValueError("owner has no id")
    name = " ".join(p for p in (raw.get("firstName"), raw.get("lastName")) if isinstance(p, str) and p.strip())
    email = raw.get("email") if isinstance(raw.get("email"), str) and "@" in raw["email"] else None
    return Owner(str(raw["id"]), email, name.strip() or (email or ""))


def window_seconds(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("x-hubspot-ratelimit-interval-milliseconds")
    try:
        return max(float(raw), 0.0) / 1000.0 if raw is not None else None
    except ValueError:
        return None


def pace_seconds(headers: Mapping[str, str]) -> float:
    """Pure: how long to wait before the next request: the window when this answer spent its last request."""
    raw = headers.get("x-hubspot-ratelimit-remaining")
    try:
        remaining = int(raw) if raw is not None else None
    except ValueError:
        return 0.0
    if remaining is None or remaining > 0:
        return 0.0
    return window_seconds(headers) or 1.0


def limited_wait(headers: Mapping[str, str], body: Any, *, now: float) -> float | None:
    """Pure: seconds to wait after a 429, or None when waiting will not help today (the DAILY limit)."""
    policy = str((body or {}).get("policyName") or "").upper() if isinstance(body, dict) else ""
    if policy == "DAILY":
        return None
    asked = retry_after_seconds({k.lower(): v for k, v in headers.items() if k.lower() == "retry-after"}, now=now)
    if asked is not None:
        return asked
    return window_seconds(headers) or _WINDOW_DEFAULT.get(policy, 10.0)


def _scopes_hint(body: Any) -> str:
    scopes: list[str] = []
    for error in (body or {}).get("errors") or [] if isinstance(body, dict) else []:
        context = error.get("context") or {} if isinstance(error, dict) else {}
        for key in ("requiredGranularScopes", "requiredScopes", "requiredAnyScopes"):
            scopes += [s for s in context.get(key) or [] if isinstance(s, str)]
    return ", ".join(dict.fromkeys(scopes)) or ", ".join(REQUIRED_SCOPES)


@dataclass
class HubSpotClient:
    client: httpx.Client
    token: str = field(repr=False)
    base_url: str = BASE_URL
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    policy: RetryPolicy = POLICY
    auth_hint: str = "HUBSPOT_TOKEN (a private app's access token)"  # what a 401 says to check
    rate_limited: int = 0
    _pace_until: float = 0.0

    def companies(self, properties: Sequence[str]) -> Iterator[CompanyPage]:
        """Every company, one page at a time (the properties asked for plus name, domain and owner)."""
        wanted = ",".join(dict.fromkeys((*BASE_PROPERTIES, *properties)))
        params = {"limit": str(PAGE_LIMIT), "properties": wanted, "archived": "false"}
        for body in self._pages("/crm/v3/objects/companies", params, "companies"):
            try:
                yield to_page(body)
            except ValueError as error:
                raise HubSpotError(f"hubspot: unexpected companies answer ({error})") from None

    def owners(self) -> Iterator[Owner]:
        """Every active owner (the companies' CS owners), 500 a page; a malformed record is skipped."""
        for body in self._pages("/crm/v3/owners", {"limit": str(OWNERS_LIMIT), "archived": "false"}, "owners"):
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise HubSpotError("hubspot: unexpected owners answer (no results list)")
            for raw in results:
                try:
                    yield to_owner(raw)
                except ValueError:
                    continue

    def _pages(self, path: str, params: Mapping[str, str], what: str) -> Iterator[Any]:
        """Every page of a list endpoint, following `paging.next.after` (a repeated token is a loop)."""
        after: str | None = None
        seen: set[str] = set()
        while True:
            status, body = self._get(path, {**params, **({"after": after} if after else {})})
            if status != 200:
                raise HubSpotError(f"hubspot: {what} answered HTTP {status}")
            yield body
            after = next_after(body) if isinstance(body, dict) else None
            if after is None:
                return
            if after in seen:
                raise HubSpotError("hubspot: loop detected: paging.next.after repeated a token already used")
            seen.add(after)

    def check(self) -> str:
        """One cheap authenticated call per scope: what `signalroom crm check` prints."""
        status, body = self._get("/crm/v3/objects/companies", {"limit": "1", "properties": "name"})
        if status != 200:
            raise HubSpotError(f"hubspot: companies answered HTTP {status}")
        self._get("/crm/v3/owners", {"limit": "1"})
        total = body.get("total") if isinstance(body, dict) else None
        return "companies and owners readable" + (f" ({total} companies)" if isinstance(total, int) else "")

    def _get(self, path: str, params: Mapping[str, str]) -> tuple[int, Any]:
        attempt = 0
        while True:
            attempt += 1
            wait = self._pace_until - self.clock()
            if wait > 0:
                self.sleep(wait)
            try:
                response = self.client.get(self.base_url.rstrip("/") + path, params=params,
                                           headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"})
            except RETRIABLE_ERRORS as error:
                self._again(attempt, backoff(attempt, self.policy), type(error).__name__)
                continue
            except httpx.HTTPError as error:
                raise HubSpotError(f"hubspot: request failed ({type(error).__name__})") from None
            body = json_or_none(response)
            delay = pace_seconds(response.headers)
            if delay:
                self._pace_until = self.clock() + delay
            if response.status_code in (401, 403):
                raise HubSpotAuthError(_refusal(response.status_code, body, self.auth_hint))
            if response.status_code == 429:
                self.rate_limited += 1
                wait = limited_wait(response.headers, body, now=self.clock())
                if wait is None:
                    raise HubSpotError("hubspot: the daily API limit is reached; the next sync tries again tomorrow")
                self._again(attempt, min(wait, self.policy.max_wait) + 0.05, "HTTP 429")
                continue
            if response.status_code >= 500:
                self._again(attempt, backoff(attempt, self.policy), f"HTTP {response.status_code}")
                continue
            return response.status_code, body

    def _again(self, attempt: int, delay: float, reason: str) -> None:
        if attempt >= self.policy.max_attempts:
            raise HubSpotError(f"hubspot: request failed ({reason} after {attempt} attempts); try again later")
        log.info("hubspot: %s, retry %d in %.1fs", reason, attempt, delay)
        self.sleep(delay)


def _refusal(status: int, body: Any, hint: str) -> str:
    if status == 401:
        return f"hubspot: authentication failed (HTTP 401); check {hint}"
    return f"hubspot: access refused (HTTP 403); the private app needs the scopes {_scopes_hint(body)}"
