"""A stateful fake of Freshdesk API v2 tickets and satisfaction ratings.

- `GET /api/v2/tickets`: `updated_since` (without it: only tickets created in the
  last 30 days, as the real API silently does), `order_by=updated_at`,
  `order_type=asc`, `include=stats`, `per_page` (max 100), `page` (pages past
  300 are refused with 400), `filter=deleted|spam`; `Link: <…>; rel="next"`.
- `GET /api/v2/tickets/{id}`, `GET /api/v2/surveys/satisfaction_ratings`
  (`created_since`, paged the same way).
- `GET /api/v2/tickets/{id}/conversations` (`per_page` up to 100, more is refused with 400 as the
  API does; `page`; `Link: rel="next"`; 404 for a ticket it does not have): `conversations[id]`.
Records are shaped on ../shared/fixtures/freshdesk (see tests/fakes/records.py). Knobs: `overlap` repeats the
last record of the previous page at the top of the next one; `after_page(n)` runs
after the n-th ticket-list page is served (agents editing or deleting tickets while
a pass reads them: the offsets of later pages shift, as they do on the real API).
"""
from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from collections.abc import Callable
from typing import Any

import httpx

from tests.fakes.common import FakeAPI
from tests.fakes.reference import References, freshdesk_answer
from tests.fakes.records import FRESHDESK_CONVERSATION, FRESHDESK_TICKET

TEMPLATE: dict[str, Any] = FRESHDESK_TICKET
BASE = datetime(2024, 1, 1, tzinfo=UTC)
MAX_PAGE = 300


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def freshdesk_ticket(ticket_id: int, *, updated: datetime | None = None, status: int = 2, **overrides: Any) -> dict:
    updated = updated or BASE + timedelta(minutes=ticket_id)
    ticket = copy.deepcopy(TEMPLATE)
    created = updated - timedelta(hours=2)
    ticket.update(
        id=ticket_id, status=status, subject=f"Subject {ticket_id}", created_at=iso(created), updated_at=iso(updated),
        priority=1 + ticket_id % 4, source=(1, 2, 3, 7)[ticket_id % 4], group_id=300 + ticket_id % 3,
        # The SLA policy's targets, as Freshdesk sets them at creation (here: reply in 1 h, resolve in 1 day).
        fr_due_by=iso(created + timedelta(hours=1)), due_by=iso(created + timedelta(days=1)),
    )
    ticket["stats"] = dict(ticket["stats"], first_responded_at=iso(created + timedelta(minutes=30)),
                           resolved_at=iso(updated) if status in (4, 5) else None,
                           closed_at=iso(updated) if status == 5 else None, status_updated_at=iso(updated))
    ticket.update(overrides)
    return ticket


def freshdesk_rating(ticket_id: int, score: int, *, created: datetime | None = None) -> dict:
    created = created or BASE + timedelta(minutes=ticket_id, seconds=30)
    return {"id": 9000 + ticket_id, "survey_id": 1, "user_id": 5, "agent_id": 7, "feedback": "thanks",
            "group_id": None, "ticket_id": ticket_id, "ratings": {"default_question": score},
            "created_at": iso(created), "updated_at": iso(created)}


def freshdesk_conversation(conversation_id: int, ticket_id: int, *, incoming: bool = False, private: bool = False,
                           source: int = 0) -> dict:
    """A conversation of a ticket: by default a public agent reply; `incoming` = the customer wrote it,
    `private` (with source 2) = an agent's note."""
    conversation = copy.deepcopy(FRESHDESK_CONVERSATION)
    conversation.update(id=conversation_id, ticket_id=ticket_id, incoming=incoming, private=private, source=source)
    return conversation


def agent_thread(ticket_id: int, replies: int, *, customer: int = 1, notes: int = 0) -> list[dict]:
    """`replies` public agent replies, `customer` incoming messages and `notes` private notes, interleaved."""
    out: list[dict] = []
    base = ticket_id * 1000
    for index in range(max(replies, customer, notes)):
        if index < customer:
            out.append(freshdesk_conversation(base + len(out), ticket_id, incoming=True))
        if index < replies:
            out.append(freshdesk_conversation(base + len(out), ticket_id))
        if index < notes:
            out.append(freshdesk_conversation(base + len(out), ticket_id, private=True, source=2))
    return out


class FakeFreshdesk(FakeAPI):
    rate_style = "freshdesk"

    def __init__(self, tickets=(), *, deleted=(), spam=(), ratings=(), now: datetime | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.references = References()  # agents, groups, organizations … (tests/fakes/reference.py)
        self.tickets = {t["id"]: t for t in tickets}
        self.deleted = {t["id"]: t for t in deleted}
        self.spam = {t["id"]: dict(t, spam=True) for t in spam}
        self.ratings = list(ratings)
        self.now = now or datetime(2024, 6, 1, tzinfo=UTC)
        self.overlap = 0
        self.max_page_refusals = 0
        self.after_page: Callable[[int], None] | None = None
        self.pages_served = 0
        self.conversations: dict[int, list[dict]] = {}  # ticket id -> its conversations, oldest first

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = freshdesk_answer(self, self.references, request)
        if answer is not None:
            return answer
        path = request.url.path
        params = request.url.params
        if path == "/api/v2/tickets":
            pool = {"deleted": self.deleted, "spam": self.spam}.get(params.get("filter", ""), self.tickets)
            records = list(pool.values())
            if "updated_since" in params:
                since = parse(params["updated_since"])
                records = [t for t in records if parse(t["updated_at"]) >= since]
            else:  # the real API's silent default
                records = [t for t in records if parse(t["created_at"]) >= self.now - timedelta(days=30)]
            records.sort(key=lambda t: (t["updated_at"], t["id"]))
            if "stats" not in params.get("include", ""):
                records = [{k: v for k, v in t.items() if k != "stats"} for t in records]
            response = self._paged(request, records)
            self.pages_served += 1
            if self.after_page is not None:
                self.after_page(self.pages_served)
            return response
        if path == "/api/v2/surveys/satisfaction_ratings":
            records = sorted(self.ratings, key=lambda r: (r["created_at"], r["id"]))
            if "created_since" in params:
                records = [r for r in records if parse(r["created_at"]) >= parse(params["created_since"])]
            return self._paged(request, records)
        match = re.fullmatch(r"/api/v2/tickets/(\d+)/conversations", path)
        if match:
            ticket_id = int(match.group(1))
            if ticket_id not in self.tickets:
                return httpx.Response(404, json={"code": "not_found"})
            if int(params.get("per_page", 30)) > 100:
                return httpx.Response(400, json={"description": "Validation failed", "errors": [
                    {"field": "per_page", "message": "Must be less than or equal to 100", "code": "invalid_value"}]})
            return self._paged(request, self.conversations.get(ticket_id, []))
        match = re.fullmatch(r"/api/v2/tickets/(\d+)", path)
        if match:
            ticket = self.tickets.get(int(match.group(1)))
            if ticket is None:
                return httpx.Response(404, json={"code": "not_found"})
            return httpx.Response(200, json=ticket)
        return httpx.Response(404, json={"code": "invalid_path"})

    def _paged(self, request: httpx.Request, records: list[dict]) -> httpx.Response:
        params = request.url.params
        page = int(params.get("page", 1))
        per_page = min(int(params.get("per_page", 30)), 100)
        if page > MAX_PAGE:
            self.max_page_refusals += 1
            return httpx.Response(400, json={"description": "Validation failed", "errors": [
                {"field": "page", "message": "Must be less than or equal to 300", "code": "invalid_value"}]})
        start = (page - 1) * per_page
        if page > 1:
            start = max(start - self.overlap, 0)
        chunk = records[start:start + per_page]
        headers = {}
        if start + per_page < len(records):
            next_url = request.url.copy_set_param("page", str(page + 1))
            headers["Link"] = f'<{next_url}>; rel="next"'
        return httpx.Response(200, json=chunk, headers=headers)
