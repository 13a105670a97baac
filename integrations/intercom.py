"""Intercom: `POST /conversations/search` on `updated_at`, ascending, cursor pages.

The query is `updated_at >= checkpoint - lookback` (Intercom has no `>=`: an OR of
`>` and `=`), sorted by `updated_at` ascending, `per_page` up to 150, following
`pages.next.starting_after`. The checkpoint is the highest `updated_at` stored so
far, so a resumed run repeats at most the lookback window (upserts make that
harmless). The `Intercom-Version` header is always sent.

`statistics` durations (`time_to_admin_reply`, `time_to_last_close`) are
office-hours adjusted: they are kept as business time, and calendar durations
are computed from the timestamps.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from integrations.base import Checkpoint, MalformedRecordError, Ticket, TicketPage
from integrations.http import CursorGuard, PollingAdapter
from integrations.reference import IntercomReferences, ReferencePage
from integrations.replies import fetch_intercom
from integrations.normalize import checked, comment, ident, instant, integer, mapping, since, tags
from integrations.retry import RetryPolicy

SOURCE = "intercom"
STREAM = "conversations"
DEFAULT_URL = "https://api.intercom.io"
API_VERSION = "2.11"
MAX_PAGE_SIZE = 150
SEARCH_PATH = "/conversations/search"
STATES = {"open": "open", "snoozed": "hold", "closed": "solved"}
AI_RESOLVED = frozenset({"assumed_resolution", "confirmed_resolution"})
# `source.delivered_as` of conversations an admin, a Series/automation or a legacy campaign started.
OUTBOUND = frozenset({"admin_initiated", "automated", "campaigns_initiated"})


def base_url_from_env(env: Mapping[str, str]) -> str:
    return (env.get("INTERCOM_URL") or DEFAULT_URL).rstrip("/")


def _seconds(value: Any, *, field: str, external_id: str) -> timedelta | None:
    number = integer(value, field=field, external_id=external_id)
    return None if number is None else timedelta(seconds=number)


# `sla_applied.sla_status`: hit / missed settle it; active (not yet) and cancelled (null) say nothing.
SLA_STATUS = {"hit": True, "missed": False}


@checked
def to_ticket(raw: Mapping[str, Any], *, source: str = SOURCE) -> Ticket:
    """One conversation from `/conversations/search` (or `GET /conversations/{id}`) -> Ticket."""
    if not isinstance(raw, Mapping):
        raise MalformedRecordError(None, "record is not an object")
    external_id = ident(raw.get("id"))
    if external_id is None:
        raise MalformedRecordError(None, "missing id")
    state = raw.get("state") or ("open" if raw.get("open") else None)
    if state not in STATES:
        raise MalformedRecordError(external_id, "unknown state")
    created_at = instant(raw.get("created_at"), field="created_at", external_id=external_id, required=True)
    updated_at = instant(raw.get("updated_at"), field="updated_at", external_id=external_id) or created_at
    stats = mapping(raw.get("statistics"))
    status = STATES[state]
    clock = _Clock.of(raw, stats, external_id, status, created_at, updated_at)
    rating = mapping(raw.get("conversation_rating"))
    csat, csat_score = _csat(rating.get("rating"))
    ai_agent = mapping(raw.get("ai_agent"))
    assignments = integer(stats.get("count_assignments"), field="count_assignments", external_id=external_id) or 0
    contacts = mapping(raw.get("contacts")).get("contacts") or []
    requester = ident(mapping(contacts[0]).get("id")) if contacts else None
    tag_list = mapping(raw.get("tags")).get("tags") or []
    source_type = mapping(raw.get("source")).get("type")
    return Ticket(
        source=source,
        external_id=external_id,
        status=status,
        created_at=created_at,
        updated_at=updated_at,
        first_response_at=clock.first_response_at,
        solved_at=clock.solved_at,
        first_response=clock.first_response,
        first_response_business=clock.first_response_business,
        resolution=clock.resolution,
        resolution_business=clock.resolution_business,
        reopens=integer(stats.get("count_reopens"), field="count_reopens", external_id=external_id, default=0) or 0,
        reassignments=max(assignments - 1, 0),
        escalated=assignments > 1,
        channel=str(source_type) if source_type else None,
        priority=_priority(raw.get("priority")),
        group=ident(raw.get("team_assignee_id")),
        assignee=ident(raw.get("admin_assignee_id")) or _admin_assignee(raw.get("assignee")),
        requester=requester,
        organization=None,
        tags=tags(mapping(tag).get("name") for tag in tag_list),
        subject=raw.get("title") or mapping(raw.get("source")).get("subject") or None,
        csat=csat,
        csat_score=csat_score,
        csat_scale="1-5" if csat else None,
        bot_involved=bool(raw.get("ai_agent_participated")) or bool(ai_agent),
        bot_resolved=ai_agent.get("resolution_state") in AI_RESOLVED,
        outbound=clock.delivered_as in OUTBOUND,
        # One status for the conversation's SLA as a whole (any of its targets missed → missed), settled
        # by a teammate's reply or the close: counted as the resolution SLA, on the close day.
        sla_resolution_met=SLA_STATUS.get(mapping(raw.get("sla_applied")).get("sla_status")),
        csat_comment=comment(rating.get("remark")) if csat else None,
        replies_reported=False,  # counted from the conversation parts (integrations/replies.py)
        raw=raw,
    )


@dataclass(frozen=True, slots=True)
class _Clock:
    """When the customer started the clock, and the first reply and the close it is measured to."""

    delivered_as: Any
    first_response_at: datetime | None
    solved_at: datetime | None
    first_response: timedelta | None
    resolution: timedelta | None
    first_response_business: timedelta | None  # Intercom's office-hours figures
    resolution_business: timedelta | None

    @classmethod
    def of(cls, raw: Mapping[str, Any], stats: Mapping[str, Any], external_id: str, status: str,
           created_at: datetime, updated_at: datetime) -> _Clock:
        contact_first = instant(stats.get("first_contact_reply_at"), field="first_contact_reply_at",
                                external_id=external_id)
        first_contact = mapping(raw.get("first_contact_reply"))
        if contact_first is None:
            contact_first = instant(first_contact.get("created_at"), field="first_contact_reply", external_id=external_id)
        delivered_as = mapping(raw.get("source")).get("delivered_as")
        if contact_first is None and delivered_as == "customer_initiated":
            contact_first = created_at
        first_response_at = instant(stats.get("first_admin_reply_at"), field="first_admin_reply_at",
                                    external_id=external_id)
        solved_at = None
        if status == "solved":
            solved_at = instant(stats.get("last_close_at"), field="last_close_at", external_id=external_id)
        # Customers start the clock; an outbound message nobody answered is not waiting for us.
        clock_start = contact_first or created_at
        first_response = since(contact_first, first_response_at) if contact_first else None
        resolution = since(clock_start, solved_at)
        if status == "solved" and solved_at is None:
            solved_at = updated_at  # no close statistics: the last update is the best proxy (no duration)
        business = _seconds(stats.get("time_to_admin_reply"), field="time_to_admin_reply", external_id=external_id)
        business_close = _seconds(stats.get("time_to_last_close"), field="time_to_last_close",
                                  external_id=external_id) if solved_at else None
        return cls(delivered_as, first_response_at, solved_at, first_response, resolution, business, business_close)


def _priority(priority: Any) -> Any:
    """Intercom's priority flag as a priority name ("priority" is high, "not_priority" normal)."""
    if isinstance(priority, str) and priority:
        return {"priority": "high", "not_priority": "normal"}.get(priority, priority)
    return priority or None


def _csat(score: Any) -> tuple[str | None, float | None]:
    """A 1–5 conversation rating: 4 and 5 satisfied."""
    if isinstance(score, (int, float)) and not isinstance(score, bool) and 1 <= score <= 5:
        return ("satisfied" if score >= 4 else "unsatisfied"), float(score)
    return None, None


def _admin_assignee(assignee: Any) -> str | None:
    """Some records carry `assignee: {type: admin, id}` and no `admin_assignee_id`; a team there is not an agent."""
    value = mapping(assignee)
    return ident(value.get("id")) if value.get("type") == "admin" else None


def redact(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record without free text (title, message subject/body, rating remarks, author names)."""
    out = {k: v for k, v in raw.items() if k not in ("title", "conversation_parts")}
    if isinstance(raw.get("source"), Mapping):
        source = {k: v for k, v in raw["source"].items() if k not in ("subject", "body", "url")}
        if isinstance(source.get("author"), Mapping):
            source["author"] = {k: v for k, v in source["author"].items() if k in ("type", "id")}
        out["source"] = source
    if isinstance(raw.get("conversation_rating"), Mapping):
        out["conversation_rating"] = {k: v for k, v in raw["conversation_rating"].items() if k != "remark"}
    if isinstance(raw.get("ai_agent"), Mapping):
        out["ai_agent"] = {k: v for k, v in raw["ai_agent"].items() if k not in ("rating_remark", "content_sources")}
    return out


def _validate(body: Any) -> None:
    if not isinstance(body, Mapping) or not isinstance(body.get("conversations"), list):
        raise ValueError("not a conversation list")


def search_body(updated_from: int, per_page: int, starting_after: str | None = None) -> dict[str, Any]:
    pagination: dict[str, Any] = {"per_page": per_page}
    if starting_after:
        pagination["starting_after"] = starting_after
    return {
        "query": {
            "operator": "OR",
            "value": [
                {"field": "updated_at", "operator": ">", "value": updated_from},
                {"field": "updated_at", "operator": "=", "value": updated_from},
            ],
        },
        "sort": {"field": "updated_at", "order": "ascending"},
        "pagination": pagination,
    }


class IntercomAdapter(PollingAdapter):
    """Auth: `INTERCOM_ACCESS_TOKEN` as a bearer token."""

    max_page_size = MAX_PAGE_SIZE
    auth_hint = "INTERCOM_ACCESS_TOKEN and INTERCOM_URL (regional host)"
    identity_path = "/me"

    def __init__(
        self,
        client: httpx.Client,
        *,
        access_token: str,
        base_url: str = DEFAULT_URL,
        name: str = SOURCE,
        page_size: int = MAX_PAGE_SIZE,
        lookback: timedelta = timedelta(minutes=5),
        store_free_text: bool = True,
        api_version: str = API_VERSION,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not access_token:
            raise ValueError(f"{name}: set INTERCOM_ACCESS_TOKEN")
        super().__init__(client, name=name, page_size=page_size, lookback=lookback, store_free_text=store_free_text,
                         policy=policy, sleep=sleep, clock=clock, rng=rng)
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + SEARCH_PATH
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Intercom-Version": api_version,
            "Accept": "application/json",
        }

    def pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[TicketPage]:
        saved = checkpoints.get(STREAM)
        if saved is not None and saved.value.get("updated_at") is not None:
            high = int(saved.value["updated_at"])
            updated_from = max(high - int(self.lookback.total_seconds()), 0)
        else:
            updated_from = max(int(start.timestamp()), 0)
            high = updated_from
        guard = CursorGuard(self.name, STREAM)
        stats = self.requester.stats
        cursor: str | None = None
        recent: dict[str, Any] = {}
        while True:
            guard.advance(cursor)
            before = (stats.requests, stats.rate_limited)
            body, _ = self.requester.request_json(
                "POST",
                self.url,
                json_body=search_body(updated_from, self.page_size, cursor),
                headers=self._headers,
                validate=_validate,
            )
            tickets: list[Ticket] = []
            quarantined: list[MalformedRecordError] = []
            current: dict[str, Any] = {}
            for record in body["conversations"]:
                raw = record
                if isinstance(record, Mapping):
                    key, stamp = str(record.get("id")), record.get("updated_at")
                    if recent.get(key, object()) == stamp:
                        continue  # repeated across the page boundary
                    current[key] = stamp
                    if isinstance(stamp, int) and not isinstance(stamp, bool):
                        high = max(high, stamp)
                    if not self.store_free_text:
                        raw = redact(record)
                try:
                    tickets.append(to_ticket(raw, source=self.name))
                except MalformedRecordError as error:
                    error.raw = raw if isinstance(raw, Mapping) else None
                    quarantined.append(error)
            recent = current
            yield TicketPage(
                tickets=tuple(tickets),
                checkpoint=Checkpoint(self.name, STREAM, {"updated_at": high}),
                quarantined=tuple(quarantined),
                requests=stats.requests - before[0],
                rate_limited=stats.rate_limited - before[1],
            )
            next_page = mapping(mapping(body.get("pages")).get("next"))
            cursor = next_page.get("starting_after")
            if not cursor:
                return

    def agent_replies(self, external_id: str) -> int | None:
        """Admin replies in one conversation's parts (integrations/replies.py); None when it is gone."""
        return fetch_intercom(self.requester, base_url=self.base_url, headers=self._headers, external_id=external_id)

    def reference_pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[ReferencePage]:
        """Admins, teams, companies and contact → company links (see integrations/reference.py)."""
        passes = IntercomReferences(self.requester, source=self.name, base_url=self.base_url, headers=self._headers)
        return passes.pages(checkpoints, start=start)
