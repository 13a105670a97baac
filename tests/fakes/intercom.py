"""A stateful fake of Intercom's `POST /conversations/search`.

Understands the `updated_at` query the adapter sends (`>`/`=`/`<` leaves under
AND/OR), sorts by `updated_at`, pages with `pagination.per_page` (max 150) and an
opaque `starting_after` cursor, and checks the `Intercom-Version` header.
`GET /conversations/{id}` answers one conversation with its `conversation_parts` (`parts[id]`, at most
the 500 most recent, as the API documents), 404 for one it does not have.
Records are shaped on ../shared/fixtures/intercom (see tests/fakes/records.py).
"""
from __future__ import annotations

import base64
import copy
import json
from typing import Any

import httpx

from tests.fakes.common import FakeAPI
from tests.fakes.reference import References, intercom_answer
from tests.fakes.records import INTERCOM_CONVERSATION, INTERCOM_CONVERSATION_PART

TEMPLATE: dict[str, Any] = INTERCOM_CONVERSATION
BASE_TS = 1_700_000_000


def intercom_conversation(conversation_id: int, *, updated_ts: int | None = None, state: str = "open",
                          **overrides: Any) -> dict:
    updated_ts = BASE_TS + conversation_id * 60 if updated_ts is None else updated_ts
    conversation = copy.deepcopy(TEMPLATE)
    created = updated_ts - 7200
    conversation.update(id=str(conversation_id), created_at=created, updated_at=updated_ts, state=state,
                        open=state == "open", title=f"Title {conversation_id}")
    conversation["statistics"] = dict(conversation["statistics"], first_contact_reply_at=created,
                                      first_admin_reply_at=created + 600, time_to_admin_reply=300,
                                      last_close_at=updated_ts if state == "closed" else None,
                                      time_to_last_close=3600 if state == "closed" else None)
    conversation.update(overrides)
    return conversation


def intercom_part(part_id: int, *, part_type: str = "comment", author: str = "admin", body: str | None = "<p>Hi</p>",
                  created_ts: int = BASE_TS) -> dict:
    """One conversation part: by default an admin's comment; `author` user/bot/admin, `part_type` note …"""
    part = copy.deepcopy(INTERCOM_CONVERSATION_PART)
    part.update(id=str(part_id), part_type=part_type, body=body, created_at=created_ts, updated_at=created_ts,
                notified_at=created_ts)
    part["author"] = dict(part["author"], type=author, id=str(100 + part_id))
    return part


MAX_PARTS = 500


def _matches(node: dict, value: int) -> bool:
    if "value" in node and isinstance(node["value"], list):
        results = [_matches(child, value) for child in node["value"]]
        return all(results) if node.get("operator") == "AND" else any(results)
    if node.get("field") != "updated_at":
        return True
    target = int(node["value"])
    return {">": value > target, "<": value < target, "=": value == target}[node["operator"]]


class FakeIntercom(FakeAPI):
    rate_style = "intercom"

    def __init__(self, conversations=(), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.references = References()  # agents, groups, organizations … (tests/fakes/reference.py)
        self.conversations = {str(c["id"]): c for c in conversations}
        self.overlap = 0
        self.repeat_cursor = False  # hand back the request's own cursor (a server-side loop)
        self.parts: dict[str, list[dict]] = {}  # conversation id -> its parts, oldest first

    def put(self, conversation: dict) -> None:
        self.conversations[str(conversation["id"])] = conversation

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = intercom_answer(self, self.references, request)
        if answer is not None:
            return answer
        path = request.url.path
        if request.method == "GET" and path.startswith("/conversations/") and path.count("/") == 2:
            conversation = self.conversations.get(path.rsplit("/", 1)[1])
            if conversation is None:
                return httpx.Response(404, json={"type": "error.list", "errors": [{"code": "not_found"}]})
            parts = self.parts.get(str(conversation["id"]), [])
            return httpx.Response(200, json={**conversation, "conversation_parts": {
                "type": "conversation_part.list", "conversation_parts": parts[-MAX_PARTS:],
                "total_count": len(parts)}})
        if path != "/conversations/search" or request.method != "POST":
            return httpx.Response(404, json={"type": "error.list", "errors": [{"code": "not_found"}]})
        if not request.headers.get("intercom-version"):
            return httpx.Response(400, json={"type": "error.list", "errors": [{"code": "intercom_version_missing"}]})
        body = json.loads(request.content)
        records = [c for c in self.conversations.values() if _matches(body["query"], c["updated_at"])]
        records.sort(key=lambda c: (c["updated_at"], int(c["id"])))
        pagination = body.get("pagination") or {}
        per_page = min(int(pagination.get("per_page", 20)), 150)
        start = 0
        if pagination.get("starting_after"):
            start = int(base64.b64decode(pagination["starting_after"]).decode())
        chunk = records[start:start + per_page]
        total_pages = max((len(records) + per_page - 1) // per_page, 1)
        pages: dict[str, Any] = {"type": "pages", "page": start // per_page + 1, "per_page": per_page,
                                 "total_pages": total_pages}
        if start + per_page < len(records):
            following = max(start + per_page - self.overlap, start + 1)
            pages["next"] = {"page": start // per_page + 2,
                             "starting_after": base64.b64encode(str(following).encode()).decode()}
        if self.repeat_cursor and pagination.get("starting_after") and "next" in pages:
            pages["next"]["starting_after"] = pagination["starting_after"]
        return httpx.Response(200, json={"type": "conversation.list", "pages": pages,
                                         "total_count": len(records), "conversations": chunk})
