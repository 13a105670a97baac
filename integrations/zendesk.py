"""Zendesk Support: cursor-based incremental ticket export with metric sets.

`GET /api/v2/incremental/tickets/cursor.json?start_time=T&include=metric_sets`,
then `?cursor=<after_cursor>` until `end_of_stream` is true (an empty page is
not the end). The `after_cursor` of the last stored page is the checkpoint, so
the next run resumes exactly there; it is also where the next incremental poll
starts once the stream has ended. Deleted tickets arrive with status `deleted`
and become tombstones.

`metric_sets` come back as a side-loaded top-level list keyed by `ticket_id`;
each is folded into its ticket as `raw["metric_set"]` so `to_ticket(raw)` is a
pure function of the stored record.

The export also offers `include=users,groups,organizations`; they are not asked for, on purpose
(reference data comes from integrations/reference.py instead):
- `users` side-loads every user a page's tickets name — requesters, submitters and CCs as well as
  agents — so a 1,000-ticket page carries up to a few thousand user objects, most of them customers
  whose names and emails must not be stored, to learn agents that the agents list
  (`/api/v2/users?role[]=agent&role[]=admin`, at most hourly, one or two requests) already gives;
- `organizations` would add nothing: the organizations incremental export runs on every sync, after
  the tickets, so an organization is named as soon as a sideload would name it;
- `groups` would only close the up-to-an-hour gap before a brand-new group's name shows (the groups
  list is read at most hourly), at the price of a larger export page on every poll, which is the
  sync's bottleneck (10 export requests a minute).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from integrations.base import (
    Checkpoint,
    MalformedRecordError,
    SourceFatalError,
    Ticket,
    TicketPage,
)
from integrations.http import CursorGuard, PollingAdapter
from integrations.reference import ReferencePage, ZendeskReferences
from integrations.normalize import basic_auth_header, checked, comment, ident, instant, integer, mapping, since, tags, without
from integrations.retry import RetryPolicy
from integrations.zendesk_sla import SlaPage, sla_pages

SOURCE = "zendesk"
STREAM = "tickets"
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
MAX_PAGE_SIZE = 1000
_STATUSES = {"new", "open", "pending", "hold", "solved", "closed", "deleted"}
_FREE_TEXT = ("subject", "raw_subject", "description")


def base_url_from_env(env: Mapping[str, str]) -> str | None:
    """`ZENDESK_URL` wins; else `https://<ZENDESK_SUBDOMAIN>.zendesk.com`."""
    if env.get("ZENDESK_URL"):
        return env["ZENDESK_URL"].rstrip("/")
    if env.get("ZENDESK_SUBDOMAIN"):
        return f"https://{env['ZENDESK_SUBDOMAIN']}.zendesk.com"
    return None


def _minutes(value: Mapping[str, Any], kind: str, *, field: str, external_id: str) -> timedelta | None:
    minutes = integer(value.get(kind), field=field, external_id=external_id)
    return None if minutes is None else timedelta(minutes=minutes)


def _csat(rating: Any) -> tuple[str | None, float | None]:
    score = mapping(rating).get("score")
    if score == "good":
        return "satisfied", 1.0
    if score == "bad":
        return "unsatisfied", 0.0
    return None, None  # "offered", "unoffered" or no rating


@checked
def to_ticket(raw: Mapping[str, Any], *, source: str = SOURCE) -> Ticket:
    """One incremental-export ticket (with an optional folded `metric_set`) -> Ticket."""
    if not isinstance(raw, Mapping):
        raise MalformedRecordError(None, "record is not an object")
    external_id = ident(raw.get("id"))
    if external_id is None:
        raise MalformedRecordError(None, "missing id")
    status = raw.get("status")
    if status not in _STATUSES:
        raise MalformedRecordError(external_id, "unknown status")
    created_at = instant(raw.get("created_at"), field="created_at", external_id=external_id, required=True)
    updated_at = instant(raw.get("updated_at"), field="updated_at", external_id=external_id) or created_at

    m = _metric_set(mapping(raw.get("metric_set")), status, external_id)
    if m["solved_at"] is None and status in ("solved", "closed") and m["resolution"] is not None:
        m["solved_at"] = created_at + m["resolution"]
    if m["resolution"] is None and m["solved_at"] is not None:
        m["resolution"] = since(created_at, m["solved_at"])
    m["first_response_at"] = created_at + m["first_response"] if m["first_response"] is not None else None
    if m["first_response"] is not None and not m["agent_replies"] and m["first_response"] == timedelta(0):
        # Zendesk reports 0 minutes for tickets nobody has answered yet.
        m["first_response"] = m["first_response_business"] = m["first_response_at"] = None

    csat, csat_score = _csat(raw.get("satisfaction_rating"))
    via = mapping(raw.get("via"))
    channel = via.get("channel")
    return Ticket(
        source=source,
        external_id=external_id,
        status=status,
        created_at=created_at,
        updated_at=updated_at,
        **m,
        channel=str(channel) if channel else None,
        priority=raw.get("priority") or None,
        group=ident(raw.get("group_id")),
        assignee=ident(raw.get("assignee_id")),
        requester=ident(raw.get("requester_id")),
        organization=ident(raw.get("organization_id")),
        tags=tags(raw.get("tags")),
        subject=raw.get("subject") or raw.get("raw_subject") or None,
        csat=csat,
        csat_score=csat_score,
        csat_scale="good_bad" if csat else None,
        bot_involved=str(channel or "").startswith("answer_bot"),
        csat_comment=comment(mapping(raw.get("satisfaction_rating")).get("comment")) if csat else None,
        raw=raw,
    )


def _metric_set(metrics: Mapping[str, Any], status: str, external_id: str) -> dict[str, Any]:
    """The Ticket fields a folded `metric_set` gives: durations (calendar and business), solve and close
    instants, replies, reopens, reassignments and escalation; without one, none of them."""
    out: dict[str, Any] = {"first_response": None, "first_response_business": None, "resolution": None,
                           "resolution_business": None, "solved_at": None, "closed_at": None, "agent_replies": None,
                           "reopens": 0, "reassignments": 0, "escalated": False}
    if not metrics:
        return out
    reply = mapping(metrics.get("reply_time_in_minutes"))
    full_resolution = mapping(metrics.get("full_resolution_time_in_minutes"))
    seconds = mapping(metrics.get("reply_time_in_seconds")).get("calendar")
    if seconds is not None:
        out["first_response"] = timedelta(
            seconds=integer(seconds, field="reply_time_in_seconds", external_id=external_id) or 0
        )
    else:
        out["first_response"] = _minutes(reply, "calendar", field="reply_time", external_id=external_id)
    out["first_response_business"] = _minutes(reply, "business", field="reply_time", external_id=external_id)
    out["resolution"] = _minutes(full_resolution, "calendar", field="resolution", external_id=external_id)
    out["resolution_business"] = _minutes(full_resolution, "business", field="resolution", external_id=external_id)
    out["solved_at"] = instant(metrics.get("solved_at"), field="solved_at", external_id=external_id)
    out["agent_replies"] = integer(metrics.get("replies"), field="replies", external_id=external_id)
    out["reopens"] = integer(metrics.get("reopens"), field="reopens", external_id=external_id, default=0) or 0
    assignee_stations = integer(metrics.get("assignee_stations"), field="assignee_stations", external_id=external_id)
    group_stations = integer(metrics.get("group_stations"), field="group_stations", external_id=external_id)
    out["reassignments"] = max((assignee_stations or 0) - 1, 0)
    out["escalated"] = (group_stations or 0) > 1
    if status == "closed":
        # Zendesk has no closed timestamp; the status change into `closed` is the best proxy.
        out["closed_at"] = instant(metrics.get("status_updated_at"), field="status_updated_at", external_id=external_id)
    return out


def redact(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record without free text (subject, description, CSAT comment)."""
    out = without(raw, _FREE_TEXT)
    rating = raw.get("satisfaction_rating")
    if isinstance(rating, Mapping):
        out["satisfaction_rating"] = without(rating, ("comment", "reason"))
    return out


def _validate(body: Any) -> None:
    if not isinstance(body, Mapping) or not isinstance(body.get("tickets"), list):
        raise ValueError("not an incremental export page")
    if not isinstance(body.get("end_of_stream"), bool):
        raise ValueError("end_of_stream missing")


class ZendeskAdapter(PollingAdapter):
    """Incremental ticket export. Auth: `email/token` API token (Basic) or an OAuth bearer token."""

    max_page_size = MAX_PAGE_SIZE
    auth_hint = "ZENDESK_EMAIL/ZENDESK_API_TOKEN (or ZENDESK_OAUTH_TOKEN) and the account URL"
    identity_path = "/api/v2/users/me.json"

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        email: str | None = None,
        api_token: str | None = None,
        oauth_token: str | None = None,
        name: str = SOURCE,
        page_size: int = MAX_PAGE_SIZE,
        lookback: timedelta = timedelta(0),
        store_free_text: bool = True,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if oauth_token:
            self._headers = {"Authorization": f"Bearer {oauth_token}"}
        elif email and api_token:
            self._headers = {"Authorization": basic_auth_header(f"{email}/token", api_token)}
        else:
            raise ValueError(f"{name}: set ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN")
        super().__init__(client, name=name, page_size=page_size, lookback=lookback, store_free_text=store_free_text,
                         policy=policy, sleep=sleep, clock=clock, rng=rng)
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + EXPORT_PATH

    def pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[TicketPage]:
        saved = checkpoints.get(STREAM)
        cursor = saved.value.get("cursor") if saved else None
        if cursor:
            params: dict[str, Any] = {"cursor": cursor}
        elif saved and saved.value.get("start_time") is not None:
            params = {"start_time": int(saved.value["start_time"])}
        else:
            params = {"start_time": max(int((start - self.lookback).timestamp()), 0)}
        guard = CursorGuard(self.name, STREAM)
        stats = self.requester.stats
        while True:
            guard.advance(params)
            before = (stats.requests, stats.rate_limited)
            body = self._fetch(params)
            tickets, quarantined = self._normalize(body)
            after_cursor = body.get("after_cursor")
            end = body["end_of_stream"]
            if after_cursor:
                value: dict[str, Any] = {"cursor": after_cursor}
            elif end:
                value = dict(params)  # nothing new to resume from: keep where we are
            else:
                raise SourceFatalError(f"{self.name}: page without after_cursor before end_of_stream")
            yield TicketPage(
                tickets=tickets,
                checkpoint=Checkpoint(self.name, STREAM, value),
                quarantined=quarantined,
                requests=stats.requests - before[0],
                rate_limited=stats.rate_limited - before[1],
            )
            if end:
                return
            params = {"cursor": after_cursor}

    def _fetch(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        query = {**params, "include": "metric_sets", "per_page": self.page_size}
        return self.requester.request_json("GET", self.url, params=query, headers=self._headers, validate=_validate)[0]

    def _normalize(self, body: Mapping[str, Any]) -> tuple[tuple[Ticket, ...], tuple[MalformedRecordError, ...]]:
        metric_sets: dict[str, Any] = {}
        for metric_set in body.get("metric_sets") or ():
            if isinstance(metric_set, Mapping) and metric_set.get("ticket_id") is not None:
                metric_sets[str(metric_set["ticket_id"])] = metric_set
        tickets: list[Ticket] = []
        quarantined: list[MalformedRecordError] = []
        for record in body["tickets"]:
            raw = record
            if isinstance(record, Mapping):
                metric_set = metric_sets.get(str(record.get("id"))) if metric_sets else None
                if metric_set is not None:
                    if type(record) is dict:
                        record["metric_set"] = metric_set  # the page was decoded for us alone: fold in place
                    else:
                        raw = {**record, "metric_set": metric_set}
                if not self.store_free_text:
                    raw = redact(raw)
            try:
                tickets.append(to_ticket(raw, source=self.name))
            except MalformedRecordError as error:
                error.raw = raw if isinstance(raw, Mapping) else None
                quarantined.append(error)
        return tuple(tickets), tuple(quarantined)

    def sla_pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[SlaPage]:
        """SLA policy targets from the ticket metric events export (integrations/zendesk_sla.py)."""
        return sla_pages(self.requester, source=self.name, base_url=self.base_url, headers=self._headers,
                         checkpoints=checkpoints, start_time=max(int((start - self.lookback).timestamp()), 0))

    def reference_pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[ReferencePage]:
        """Agents, groups, brands and organizations, for names (see integrations/reference.py)."""
        passes = ZendeskReferences(self.requester, source=self.name, base_url=self.base_url, headers=self._headers)
        return passes.pages(checkpoints, start=start)
