"""A stateful fake of Zendesk's cursor-based incremental ticket export.

Paginates like the real endpoint: `start_time` or `cursor`, `per_page` (max
1000), `include=metric_sets` side-loads a top-level `metric_sets` list,
`after_cursor` on every page, `end_of_stream` when nothing is left. Records are
shaped on the recorded page in ../shared/fixtures/zendesk (see tests/fakes/records.py).

Knobs: `overlap` (each next page repeats the last n records of the previous
one), `empty_page_at` (page numbers answered empty but not at end of stream),
`repeat_cursor_at` (page numbers that hand back the request's own cursor),
plus everything in `FakeAPI` (faults, rate limit, auth, gate).

`prerender(per_page)` serializes every page of an immutable `Synthetic` store
once, up front, so a benchmark measures the client rather than the fake: the
client still receives the same bytes it would otherwise.
"""
from __future__ import annotations

import base64
import bisect
import copy
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from tests.fakes.common import FakeAPI
from tests.fakes.reference import References, zendesk_answer
from tests.fakes.records import ZENDESK_METRIC_SET, ZENDESK_TICKET

TEMPLATE: dict[str, Any] = ZENDESK_TICKET
METRIC_TEMPLATE: dict[str, Any] = ZENDESK_METRIC_SET
BASE_TS = 1_690_000_000


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zendesk_ticket(ticket_id: int, *, updated_ts: int | None = None, status: str = "open", **overrides: Any) -> dict:
    """A ticket shaped like the recorded export page."""
    updated_ts = BASE_TS + ticket_id * 60 if updated_ts is None else updated_ts
    ticket = copy.deepcopy(TEMPLATE)
    ticket.update(
        id=ticket_id,
        url=f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
        created_at=iso(updated_ts - 3600),
        updated_at=iso(updated_ts),
        generated_timestamp=updated_ts,
        status=status,
        subject=f"Subject {ticket_id}",
        raw_subject=f"Subject {ticket_id}",
        description="body",
        tags=["billing"] if ticket_id % 3 == 0 else [],
        group_id=100 + ticket_id % 4,
        assignee_id=200 + ticket_id % 7,
        priority=("low", "normal", "high", "urgent")[ticket_id % 4],
    )
    ticket.update(overrides)
    return ticket


def zendesk_metric_set(ticket: dict) -> dict:
    metric = copy.deepcopy(METRIC_TEMPLATE)
    metric.update(id=ticket["id"] + 10_000, ticket_id=ticket["id"], created_at=ticket["created_at"],
                  updated_at=ticket["updated_at"], replies=1 + ticket["id"] % 3)
    metric["reply_time_in_minutes"] = {"calendar": 30 + ticket["id"] % 50, "business": 20}
    metric.pop("reply_time_in_seconds", None)
    metric["full_resolution_time_in_minutes"] = {"calendar": 240, "business": 120}
    metric["solved_at"] = ticket["updated_at"] if ticket["status"] in ("solved", "closed") else None
    return metric


class Records:
    """A sorted store of tickets keyed by (updated timestamp, id)."""

    def __init__(self, tickets: Sequence[dict] = ()) -> None:
        self._keys: list[tuple[int, int]] = []
        self._items: dict[int, dict] = {}
        for ticket in tickets:
            self.put(ticket)

    def put(self, ticket: dict) -> None:
        old = self._items.get(ticket["id"])
        if old is not None:
            self._keys.remove((old["generated_timestamp"], old["id"]))
        self._items[ticket["id"]] = ticket
        bisect.insort(self._keys, (ticket["generated_timestamp"], ticket["id"]))

    def __len__(self) -> int:
        return len(self._keys)

    def key(self, index: int) -> tuple[int, int]:
        return self._keys[index]

    def after(self, key: tuple[int, int]) -> int:
        return bisect.bisect_right(self._keys, key)

    def record(self, index: int) -> dict:
        return self._items[self._keys[index][1]]


class Synthetic:
    """`n` generated tickets, rendered on demand (for benchmarks: no list in memory)."""

    def __init__(self, n: int, render: Callable[[int], dict] | None = None) -> None:
        self.n = n
        self.render = render or (lambda i: zendesk_ticket(i + 1, updated_ts=BASE_TS + i, status="solved" if i % 2 else "open"))

    def __len__(self) -> int:
        return self.n

    def key(self, index: int) -> tuple[int, int]:
        return (BASE_TS + index, index + 1)

    def after(self, key: tuple[int, int]) -> int:
        ts, ticket_id = key
        if ts < BASE_TS:
            return 0
        index = ts - BASE_TS
        return min(index if ticket_id < index + 1 else index + 1, self.n)

    def record(self, index: int) -> dict:
        return self.render(index)


def _encode(key: tuple[int, int], nonce: int) -> str:
    return base64.b64encode(f"{key[0]}.0||{key[1]}|{nonce}".encode()).decode()


def _decode(cursor: str) -> tuple[int, int]:
    ts, _, ticket_id, _nonce = base64.b64decode(cursor).decode().split("|")
    return int(float(ts)), int(ticket_id)


class FakeZendesk(FakeAPI):
    rate_style = "zendesk"
    path = "/api/v2/incremental/tickets/cursor.json"

    def __init__(self, tickets: Sequence[dict] | Records | Synthetic = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.references = References()  # agents, groups, organizations … (tests/fakes/reference.py)
        self.store = tickets if isinstance(tickets, (Records, Synthetic)) else Records(tickets)
        self.overlap = 0
        self.empty_page_at: set[int] = set()
        self.repeat_cursor_at: set[int] = set()
        self.pages_served = 0
        # Ticket metric events (`/api/v2/incremental/ticket_metric_events`), e.g. from `zendesk_sla_events`.
        self.metric_events: list[dict] = []
        self._nonce = 0
        # (position, end, with metric sets) -> serialized tickets and metric sets; see `prerender`.
        self._rendered: dict[tuple[int, int, bool], tuple[orjson.Fragment, orjson.Fragment | None]] = {}

    def prerender(self, per_page: int = 1000, *, metric_sets: bool = True) -> None:
        """Serialize each page a client paging from the start will ask for, once (immutable stores only)."""
        if not isinstance(self.store, Synthetic):
            raise TypeError("prerender needs an immutable Synthetic store")
        for position in range(0, len(self.store), per_page):
            end = min(position + per_page, len(self.store))
            self._rendered[(position, end, metric_sets)] = self._render(position, end, metric_sets)

    def _render(self, position: int, end: int, metric_sets: bool) -> tuple[orjson.Fragment, orjson.Fragment | None]:
        tickets = [self.store.record(i) for i in range(position, end)]
        metrics = None
        if metric_sets:
            metrics = orjson.Fragment(orjson.dumps(
                [zendesk_metric_set(t) for t in tickets if t.get("status") != "deleted"]))
        return orjson.Fragment(orjson.dumps(tickets)), metrics

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = zendesk_answer(self, self.references, request)
        if answer is not None:
            return answer
        if request.url.path == METRIC_EVENTS_PATH:
            return self._metric_events(request)
        if request.url.path != self.path:
            return httpx.Response(404, json={"error": "InvalidEndpoint"})
        params = request.url.params
        per_page = min(int(params.get("per_page", 1000)), 1000)
        if "cursor" in params:
            try:
                position = self.store.after(_decode(params["cursor"]))
            except (ValueError, UnicodeDecodeError):
                return httpx.Response(400, json={"error": "InvalidCursor"})
        elif "start_time" in params:
            position = self.store.after((int(params["start_time"]) - 1, 2**62))
        else:
            return httpx.Response(400, json={"error": "start_time or cursor required"})
        self.pages_served += 1
        page_number = self.pages_served
        if page_number in self.repeat_cursor_at and "cursor" in params:
            return httpx.Response(200, json={"tickets": [], "after_cursor": params["cursor"], "after_url": None,
                                             "before_cursor": None, "before_url": None, "end_of_stream": False})
        end = min(position + per_page, len(self.store))
        if page_number in self.empty_page_at:
            end = position
        last = end - 1 - self.overlap if end - self.overlap > position else end - 1
        if end == position:
            last_key = self.store.key(position - 1) if position > 0 else (int(params.get("start_time", 1)) - 1, 2**62)
        else:
            last_key = self.store.key(last)
        self._nonce += 1
        with_metrics = "metric_sets" in params.get("include", "")
        rendered = self._rendered.get((position, end, with_metrics)) or self._render(position, end, with_metrics)
        tickets, metric_sets = rendered
        body: dict[str, Any] = {
            "tickets": tickets,
            "after_cursor": _encode(last_key, self._nonce),
            "after_url": None,
            "before_cursor": None,
            "before_url": None,
            "end_of_stream": end >= len(self.store) and page_number not in self.empty_page_at,
        }
        if metric_sets is not None:
            body["metric_sets"] = metric_sets
        return httpx.Response(200, content=orjson.dumps(body), headers={"Content-Type": "application/json"})

    def _metric_events(self, request: httpx.Request) -> httpx.Response:
        """Time-based export: up to 100 events with `time` >= start_time, `end_time` = the last one's time."""
        if "start_time" not in request.url.params:
            return httpx.Response(400, json={"error": "start_time required"})
        start = int(request.url.params["start_time"])
        events = sorted((e for e in self.metric_events if _epoch(e["time"]) >= start), key=lambda e: (e["time"], e["id"]))
        page = events[:METRIC_EVENTS_LIMIT]
        end_time = _epoch(page[-1]["time"]) if page else start
        last = len(events) <= METRIC_EVENTS_LIMIT
        return httpx.Response(200, json={
            "ticket_metric_events": page, "count": len(page), "end_time": end_time, "end_of_stream": last,
            "next_page": None if last else f"https://example.zendesk.com{METRIC_EVENTS_PATH}.json?start_time={end_time}",
        })


METRIC_EVENTS_PATH = "/api/v2/incremental/ticket_metric_events"
METRIC_EVENTS_LIMIT = 100


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def zendesk_sla_events(ticket_id: int, *, metric: str, applied_ts: int, target_minutes: int,
                       done_ts: int | None, first_id: int = 1) -> list[dict]:
    """The SLA events Zendesk records for one target, in the documented shape: `apply_sla` with the
    policy, `breach` at the due instant (`deleted` when fulfilled first), `fulfill` when done."""
    due = applied_ts + target_minutes * 60
    base = {"ticket_id": ticket_id, "metric": metric, "instance_id": 1}
    out = [dict(base, id=first_id, type="apply_sla", time=iso(applied_ts),
                sla={"target": target_minutes, "business_hours": False,
                     "policy": {"id": 25, "title": "Urgent", "description": "Urgent tickets"}})]
    if done_ts is None or done_ts > due:
        out.append(dict(base, id=first_id + 1, type="breach", time=iso(due), deleted=False))
    else:
        out.append(dict(base, id=first_id + 1, type="breach", time=iso(due), deleted=True))
    if done_ts is not None:
        out.append(dict(base, id=first_id + 2, type="fulfill", time=iso(done_ts)))
    return out
