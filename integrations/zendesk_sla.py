"""Zendesk SLA targets from the incremental ticket metric events export.

`GET /api/v2/incremental/ticket_metric_events?start_time=T` returns events of every
ticket metric; the SLA ones are `apply_sla` (a policy's target, `sla.target` in
minutes), `breach` (at the instant the target is missed; `deleted: true` when the
metric was fulfilled first) and `fulfill`. The first instance of `reply_time` is the
first reply; `resolution_time`, else `agent_work_time`, else `requester_wait_time`
is the resolution. A page holds up to 100 events; `end_time` is the next
`start_time`, and `end_of_stream` (or a short page) ends the pass.

One page says what it says about a ticket; the store merges it with what it
already holds (a breach seen on one sync stays a breach when `fulfill` arrives on
the next). Pure parsing here, plus the pager; nothing of SQL.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrations.base import Checkpoint, MalformedRecordError
from integrations.http import CursorGuard
from integrations.normalize import ident, instant, mapping

SLA_EVENTS_PATH = "/api/v2/incremental/ticket_metric_events"
SLA_STREAM = "ticket_metric_events"
PAGE_LIMIT = 100
RESOLUTION_METRICS = ("resolution_time", "agent_work_time", "requester_wait_time")  # first one a policy sets wins


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """One target of one ticket as a batch of events reports it."""

    applied: bool = False  # a policy set this target (so a fulfil means met)
    due_at: datetime | None = None
    met: bool | None = None  # False: a live breach; True: fulfilled (only meaningful with a target)


@dataclass(frozen=True, slots=True)
class SlaSignal:
    external_id: str
    first_response: SlaTarget
    resolution: SlaTarget


@dataclass(frozen=True, slots=True)
class SlaPage:
    signals: tuple[SlaSignal, ...]
    checkpoint: Checkpoint
    requests: int = 1


def _target(events: Sequence[Mapping[str, Any]]) -> SlaTarget:
    applied, due_at, breached, fulfilled = False, None, False, False
    for e in events:
        kind = e.get("type")
        try:
            at = instant(e.get("time"), field="time", external_id=str(e.get("ticket_id")))
        except MalformedRecordError:
            continue
        if kind == "apply_sla":
            applied = True
            sla = mapping(e.get("sla"))
            minutes = sla.get("target")
            if at is not None and isinstance(minutes, (int, float)) and not sla.get("business_hours") and due_at is None:
                due_at = at + timedelta(minutes=minutes)  # calendar target; the breach event, when seen, is exact
        elif kind == "breach" and at is not None:
            due_at = at  # when the target is (or would have been) missed
            breached = breached or not e.get("deleted")
        elif kind == "fulfill":
            fulfilled = True
    met = False if breached else (True if fulfilled else None)
    return SlaTarget(applied, due_at, met)


def sla_signals(events: Sequence[Any]) -> tuple[SlaSignal, ...]:
    """Events of one page → what they say about each ticket's first-response and resolution targets."""
    per: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for e in events:
        if not isinstance(e, Mapping):
            continue
        ticket = ident(e.get("ticket_id"))
        metric = e.get("metric")
        if ticket is None or not isinstance(metric, str):
            continue
        if metric == "reply_time" and e.get("instance_id") not in (1, None):
            continue  # later instances are next-reply times
        per.setdefault(ticket, {}).setdefault(metric, []).append(e)
    out = []
    for ticket, by_metric in per.items():
        if not any(e.get("type") in ("apply_sla", "breach") for es in by_metric.values() for e in es):
            if not any(e.get("type") == "fulfill" for es in by_metric.values() for e in es):
                continue
        resolution = SlaTarget()
        for metric in RESOLUTION_METRICS:
            if metric in by_metric:
                resolution = _target(sorted(by_metric[metric], key=lambda e: str(e.get("time"))))
                if resolution.applied or resolution.due_at is not None:
                    break
        first = _target(sorted(by_metric.get("reply_time", []), key=lambda e: str(e.get("time"))))
        out.append(SlaSignal(ticket, first, resolution))
    return tuple(out)


def _validate(body: Any) -> None:
    if not isinstance(body, Mapping) or not isinstance(body.get("ticket_metric_events"), list):
        raise ValueError("ticket_metric_events missing")


def sla_pages(requester: Any, *, source: str, base_url: str, headers: Mapping[str, str],
              checkpoints: Mapping[str, Checkpoint], start_time: int) -> Iterator[SlaPage]:
    """Pages of SLA signals from the saved `start_time` (or `start_time`), each with its checkpoint."""
    saved = checkpoints.get(SLA_STREAM)
    t = int(saved.value.get("start_time", start_time)) if saved else start_time
    guard = CursorGuard(source, SLA_STREAM)
    url = base_url.rstrip("/") + SLA_EVENTS_PATH
    while True:
        guard.advance({"start_time": t})
        body = requester.request_json("GET", url, params={"start_time": t}, headers=headers, validate=_validate)[0]
        events = body["ticket_metric_events"]
        end_time = body.get("end_time")
        following = int(end_time) if isinstance(end_time, (int, float)) and end_time > t else t
        yield SlaPage(sla_signals(events), Checkpoint(source, SLA_STREAM, {"start_time": following}))
        if body.get("end_of_stream") or len(events) < PAGE_LIMIT or following == t:
            return
        t = following
