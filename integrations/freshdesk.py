"""Freshdesk API v2: tickets by `updated_since`, deleted and spam passes, CSAT ratings.

Quirks handled here:
- `GET /api/v2/tickets` without `updated_since` silently returns only the last
  30 days: it is always sent.
- Ticket pages are asked by keyset: each next page from the last `updated_at`
  seen (page 1, inclusive; records already yielded at that instant are dropped),
  so tickets edited or deleted mid-pass cannot shift a record past a page
  boundary. `Link: <…>; rel="next"` says whether there is more, and is followed
  by offset only within one instant (a bulk update) — and never past page 300,
  which the API refuses: the pass restarts from that instant instead.
- Deleted and spam tickets only appear with `filter=deleted` / `filter=spam`:
  separate passes with their own checkpoints; both become tombstones.
- `stats` gives timestamps only (`first_responded_at`, `resolved_at`,
  `closed_at`, `reopened_at`): durations are computed here, in calendar time.
- CSAT lives in `/api/v2/surveys/satisfaction_ratings` (`ratings.default_question`:
  classic 103/100/-103, or ±101..103/100 for 5/7-point surveys). Ratings are
  fetched first; each rated ticket gets its rating folded into
  `raw["satisfaction_rating"]`. Rated tickets that the ticket passes did not
  return are fetched one by one. Tickets without a rating in this run carry
  `csat_reported=False`, so storage keeps the CSAT it already has.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from integrations.base import Checkpoint, MalformedRecordError, Ticket, TicketPage
from integrations.http import CursorGuard, PollingAdapter
from integrations.reference import FreshdeskReferences, ReferencePage
from integrations.replies import fetch_freshdesk
from integrations.normalize import basic_auth_header, checked, comment, ident, instant, integer, mapping, since, tags, without
from integrations.retry import RetryPolicy

SOURCE = "freshdesk"
MAX_PAGE_SIZE = 100
MAX_PAGE = 300
TICKETS_PATH = "/api/v2/tickets"
RATINGS_PATH = "/api/v2/surveys/satisfaction_ratings"
PASSES: tuple[tuple[str, str | None], ...] = (("tickets", None), ("deleted", "deleted"), ("spam", "spam"))
RATINGS_STREAM = "satisfaction_ratings"

STATUS_CODES: dict[int, str] = {2: "open", 3: "pending", 4: "solved", 5: "closed", 6: "pending", 7: "hold"}
PRIORITY_CODES: dict[int, str] = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
SOURCE_CODES: dict[int, str] = {
    1: "email", 2: "portal", 3: "phone", 4: "forum", 5: "twitter", 6: "facebook", 7: "chat", 8: "mobihelp",
    9: "feedback_widget", 10: "outbound_email", 11: "ecommerce", 12: "bot", 13: "whatsapp",
}
_FREE_TEXT = ("subject", "description", "description_text", "structured_description")
OUTBOUND_EMAIL = 10  # an agent-initiated email: not a customer contact


def base_url_from_env(env: Mapping[str, str]) -> str | None:
    """`FRESHDESK_URL` wins; else `https://<FRESHDESK_DOMAIN>` (".freshdesk.com" added when bare)."""
    if env.get("FRESHDESK_URL"):
        return env["FRESHDESK_URL"].rstrip("/")
    domain = (env.get("FRESHDESK_DOMAIN") or "").strip().removeprefix("https://").rstrip("/")
    if not domain:
        return None
    if "." not in domain:
        domain = f"{domain}.freshdesk.com"
    return f"https://{domain}"


def csat_from_score(score: Any) -> tuple[str | None, float | None]:
    """Freshdesk survey value -> (satisfied/unsatisfied, raw score). 100 is neutral: not satisfied."""
    if score is None or isinstance(score, bool):
        return None, None
    try:
        value = int(score)
    except (TypeError, ValueError):
        return None, None
    if value in (101, 102, 103):
        return "satisfied", float(value)
    if value in (100, -101, -102, -103):
        return "unsatisfied", float(value)
    return None, None


def _status(raw: Mapping[str, Any], stats: Mapping[str, Any], external_id: str) -> str:
    if raw.get("deleted") or raw.get("spam"):
        return "deleted"
    code = integer(raw.get("status"), field="status", external_id=external_id)
    if code is None:
        raise MalformedRecordError(external_id, "missing status")
    if code in STATUS_CODES:
        return STATUS_CODES[code]
    # A custom status: place it by what the stats say happened.
    if stats.get("closed_at"):
        return "closed"
    if stats.get("resolved_at"):
        return "solved"
    return "hold"


@checked
def to_ticket(raw: Mapping[str, Any], *, source: str = SOURCE) -> Ticket:
    """One `GET /api/v2/tickets?include=stats` record (optionally with a folded rating) -> Ticket."""
    if not isinstance(raw, Mapping):
        raise MalformedRecordError(None, "record is not an object")
    external_id = ident(raw.get("id"))
    if external_id is None:
        raise MalformedRecordError(None, "missing id")
    stats = mapping(raw.get("stats"))
    status = _status(raw, stats, external_id)
    created_at = instant(raw.get("created_at"), field="created_at", external_id=external_id, required=True)
    updated_at = instant(raw.get("updated_at"), field="updated_at", external_id=external_id) or created_at
    first_response_at, solved_at, closed_at, reopened_at = _stats_instants(stats, status, external_id)
    priority_code = integer(raw.get("priority"), field="priority", external_id=external_id)
    source_code = integer(raw.get("source"), field="source", external_id=external_id)

    rating_reported = "satisfaction_rating" in raw
    rating = mapping(raw.get("satisfaction_rating"))
    csat, score = csat_from_score(mapping(rating.get("ratings")).get("default_question"))
    requester = raw.get("requester_id") or mapping(raw.get("requester")).get("id")
    return Ticket(
        source=source,
        external_id=external_id,
        status=status,
        created_at=created_at,
        updated_at=updated_at,
        first_response_at=first_response_at,
        solved_at=solved_at,
        closed_at=closed_at,
        first_response=since(created_at, first_response_at),
        resolution=since(created_at, solved_at),
        reopens=1 if reopened_at is not None else 0,
        escalated=bool(raw.get("is_escalated")),
        channel=SOURCE_CODES.get(source_code, str(source_code)) if source_code is not None else None,
        priority=PRIORITY_CODES.get(priority_code, str(priority_code)) if priority_code is not None else None,
        group=ident(raw.get("group_id")),
        assignee=ident(raw.get("responder_id")),
        requester=ident(requester),
        organization=ident(raw.get("company_id")),
        tags=tags(raw.get("tags")),
        subject=raw.get("subject") or None,
        csat=csat,
        csat_score=score,
        csat_scale="freshdesk_103" if csat else None,
        bot_involved=source_code == 12,
        outbound=source_code == OUTBOUND_EMAIL,
        csat_reported=rating_reported,
        csat_comment=comment(rating.get("feedback")) if csat else None,
        replies_reported=False,  # counted from the ticket's conversations (integrations/replies.py)
        # SLA policy targets, measured against the stats above (first_responded_at, resolved_at)
        first_response_due_at=instant(raw.get("fr_due_by"), field="fr_due_by", external_id=external_id),
        resolution_due_at=instant(raw.get("due_by"), field="due_by", external_id=external_id),
        raw=raw,
    )


def _stats_instants(stats: Mapping[str, Any], status: str,
                    external_id: str) -> tuple[datetime | None, datetime | None, datetime | None, datetime | None]:
    """First response, solved, closed and reopened instants from `stats`; a ticket that is not solved,
    closed or deleted now (reopened after its last resolution) has no solve."""
    at = {name: instant(stats.get(name), field=name, external_id=external_id)
          for name in ("first_responded_at", "resolved_at", "closed_at", "reopened_at")}
    solved_at, closed_at = at["resolved_at"] or at["closed_at"], at["closed_at"]
    if status not in ("solved", "closed", "deleted"):
        solved_at = closed_at = None
    return at["first_responded_at"], solved_at, closed_at, at["reopened_at"]


def redact(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record without free text (subject, description, rating feedback, requester contact)."""
    out = without(raw, _FREE_TEXT)
    if isinstance(raw.get("satisfaction_rating"), Mapping):
        out["satisfaction_rating"] = without(raw["satisfaction_rating"], ("feedback",))
    if isinstance(raw.get("requester"), Mapping):
        out["requester"] = {"id": raw["requester"].get("id")}
    return out


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _validate_list(body: Any) -> None:
    if not isinstance(body, list):
        raise ValueError("not a list page")


def _validate_object(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise ValueError("not an object")


def _page_number(url: str) -> int:
    try:
        return int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])
    except ValueError:
        return 1


class FreshdeskAdapter(PollingAdapter):
    """Auth: the API key as the Basic username (password "X")."""

    max_page_size = MAX_PAGE_SIZE
    auth_hint = "FRESHDESK_API_KEY and FRESHDESK_DOMAIN/FRESHDESK_URL"
    identity_path = "/api/v2/agents/me"

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        api_key: str,
        name: str = SOURCE,
        page_size: int = MAX_PAGE_SIZE,
        lookback: timedelta = timedelta(minutes=5),
        store_free_text: bool = True,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not api_key:
            raise ValueError(f"{name}: set FRESHDESK_API_KEY")
        super().__init__(client, name=name, page_size=page_size, lookback=lookback, store_free_text=store_free_text,
                         policy=policy, sleep=sleep, clock=clock, rng=rng)
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": basic_auth_header(api_key, "X")}
        self._mark = (0, 0)

    # -- paging -----------------------------------------------------------------

    def pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[TicketPage]:
        self._mark = (self.stats.requests, self.stats.rate_limited)
        ratings, ratings_value = self._ratings(checkpoints.get(RATINGS_STREAM), start)
        seen_rated: set[str] = set()
        for stream, filter_name in PASSES:
            yield from self._ticket_pass(stream, filter_name, checkpoints.get(stream), start, ratings, seen_rated)
        missing = [ticket_id for ticket_id in ratings if ticket_id not in seen_rated]
        old = checkpoints.get(RATINGS_STREAM)
        final = Checkpoint(self.name, RATINGS_STREAM, ratings_value)
        if not missing:
            yield self._page((), final, ())
            return
        for offset in range(0, len(missing), self.page_size):
            chunk = missing[offset : offset + self.page_size]
            records = []
            for ticket_id in chunk:
                body, _ = self.requester.request_json(
                    "GET",
                    f"{self.base_url}{TICKETS_PATH}/{ticket_id}",
                    params={"include": "stats"},
                    headers=self._headers,
                    validate=_validate_object,
                    absent_ok=True,
                )
                if body is not None:
                    records.append(body)
            tickets, quarantined = self._normalize(records, ratings, seen_rated)
            last = offset + self.page_size >= len(missing)
            # Only the last chunk moves the ratings checkpoint: a crash before it re-reads the ratings.
            checkpoint = final if last else (old or Checkpoint(self.name, RATINGS_STREAM, {}))
            yield self._page(tickets, checkpoint, quarantined)

    def _page(self, tickets, checkpoint, quarantined) -> TicketPage:
        requests, limited = self.stats.requests, self.stats.rate_limited
        page = TicketPage(
            tickets=tuple(tickets),
            checkpoint=checkpoint,
            quarantined=tuple(quarantined),
            requests=requests - self._mark[0],
            rate_limited=limited - self._mark[1],
        )
        self._mark = (requests, limited)
        return page

    def _resume_from(self, saved: Checkpoint | None, key: str, start: datetime) -> datetime:
        if saved is not None and saved.value.get(key):
            moment = instant(saved.value[key], field=key, external_id=None)
            if moment is not None:
                return moment - self.lookback
        return start

    def _list(self, path: str, params: dict[str, Any], stream: str, order_key: str, *,
              keyset: bool = False) -> Iterator[tuple[list, str]]:
        """Yield (records, resume_value) per page, following Link rel=next and restarting before page 300.

        With `keyset` (lists ordered by `order_key`), each next page is asked from the newest instant
        seen (page 1 again) instead of by offset: an agent editing or deleting a ticket of an earlier
        page while the pass runs shifts every later offset by one, and page N+1 would then start one
        record late. Only a page whose records all carry the instant it was asked from (a bulk update)
        is followed by offset, within that instant.
        """
        guard = CursorGuard(self.name, stream)
        url: str = f"{self.base_url}{path}"
        query: dict[str, Any] | None = dict(params)
        restart_key = "updated_since" if "updated_since" in params else "created_since"
        recent: dict[str, Any] = {}  # id -> stamp yielded on the previous page (boundary shifts)
        high = params.get(restart_key)
        anchor = high  # the instant the current run of pages was asked from
        at_high: set[str] = set()  # ids yielded with stamp == high (the restart point is inclusive)
        while True:
            guard.advance([url, query])
            body, response = self.requester.request_json(
                "GET", url, params=query, headers=self._headers, validate=_validate_list
            )
            fresh = []
            current: dict[str, Any] = {}
            for record in body:
                key = str(record.get("id")) if isinstance(record, Mapping) else None
                stamp = record.get(order_key) if isinstance(record, Mapping) else None
                if key is not None and (
                    (key in recent and recent[key] == stamp) or (stamp == high and key in at_high)
                ):
                    continue  # already yielded: shifted across a page boundary or repeated by a restart
                if key is not None:
                    current[key] = stamp
                fresh.append(record)
                if isinstance(stamp, str) and key is not None:
                    if high is None or stamp > high:
                        high, at_high = stamp, {key}
                    elif stamp == high:
                        at_high.add(key)
            recent = current
            yield fresh, high
            link = response.links.get("next", {}).get("url")
            if not link:
                return
            if (keyset and high is not None and high != anchor) or _page_number(link) > MAX_PAGE:
                # Ask again from the newest instant seen (inclusive; repeats are dropped above). Past
                # page 300 this is the only way on: the API refuses page 301.
                url, anchor = f"{self.base_url}{path}", high
                query = {**params, restart_key: high, "page": 1}
            else:
                url, query = link, None

    def _ticket_pass(self, stream, filter_name, saved, start, ratings, seen_rated) -> Iterator[TicketPage]:
        since_at = self._resume_from(saved, "updated_since", start)
        params: dict[str, Any] = {
            "updated_since": _iso(since_at),
            "order_by": "updated_at",
            "order_type": "asc",
            "include": "stats",
            "per_page": self.page_size,
            "page": 1,
        }
        if filter_name:
            params["filter"] = filter_name
        for records, high in self._list(TICKETS_PATH, params, stream, "updated_at", keyset=True):
            if filter_name:  # the record may not say so itself
                records = [{**r, filter_name: True} if isinstance(r, Mapping) else r for r in records]
            tickets, quarantined = self._normalize(records, ratings, seen_rated)
            value = {"updated_since": high or params["updated_since"]}
            yield self._page(tickets, Checkpoint(self.name, stream, value), quarantined)

    def _ratings(self, saved: Checkpoint | None, start: datetime) -> tuple[dict[str, Mapping], dict[str, Any]]:
        """All ratings created since the checkpoint: ticket id -> latest rating."""
        since_at = self._resume_from(saved, "created_since", start)
        params = {"created_since": _iso(since_at), "per_page": self.page_size, "page": 1}
        ratings: dict[str, Mapping] = {}
        high = params["created_since"]
        for records, page_high in self._list(RATINGS_PATH, params, RATINGS_STREAM, "created_at"):
            high = page_high or high
            for record in records:
                if not isinstance(record, Mapping) or record.get("ticket_id") is None:
                    continue
                key = str(record["ticket_id"])
                previous = ratings.get(key)
                if previous is None or str(record.get("updated_at") or "") >= str(previous.get("updated_at") or ""):
                    ratings[key] = record
        return ratings, {"created_since": high}

    def _normalize(self, records, ratings, seen_rated) -> tuple[list[Ticket], list[MalformedRecordError]]:
        tickets: list[Ticket] = []
        quarantined: list[MalformedRecordError] = []
        for record in records:
            raw = record
            if isinstance(record, Mapping):
                key = str(record.get("id"))
                rating = ratings.get(key)
                if rating is not None:
                    raw = {**record, "satisfaction_rating": rating}
                    seen_rated.add(key)
                if not self.store_free_text:
                    raw = redact(raw)
            try:
                tickets.append(to_ticket(raw, source=self.name))
            except MalformedRecordError as error:
                error.raw = raw if isinstance(raw, Mapping) else None
                quarantined.append(error)
        return tickets, quarantined

    def agent_replies(self, external_id: str) -> int | None:
        """Public agent replies on one ticket, from its conversations (integrations/replies.py); None when gone."""
        return fetch_freshdesk(self.requester, base_url=self.base_url, headers=self._headers, external_id=external_id)

    def reference_pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[ReferencePage]:
        """Agents, groups and companies, for names (see integrations/reference.py)."""
        passes = FreshdeskReferences(self.requester, source=self.name, base_url=self.base_url, headers=self._headers)
        return passes.pages(checkpoints, start=start)
