"""Agent reply counts for first contact resolution, where the ticket record does not carry them.

Zendesk reports `metric_set.replies` with every ticket. Freshdesk and Intercom do not: the count comes
from each ticket's thread, one request (or a few pages) per ticket, so it is fetched only for tickets
solved since the last sync (bot/sync/replies.py chooses which) and through the source's `Requester`,
which paces on the rate-limit headers like every other request.

- Freshdesk: `GET /api/v2/tickets/{id}/conversations` (`per_page` up to 100, `page`, `Link: rel="next"`).
  A conversation is an agent reply when it is not `incoming` (an agent wrote it), not `private` and its
  `source` is a reply (not a note (2), survey feedback (6) or a forward to a third party (8)). The
  ticket's own description is not a conversation, so an agent-created ticket counts its replies only.
- Intercom: `GET /conversations/{id}` returns `conversation_parts` (the most recent 500). A part is an
  agent reply when its `author.type` is `admin` and it is a `comment`, or an `assignment`, `open` or
  `close` that carries a body (assign-and-reply, close-with-reply). Notes, bot and user parts are not.

Counting functions are pure and look at no text: bodies are never kept.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.base import MalformedRecordError
from integrations.http import CursorGuard, Requester
from integrations.normalize import mapping

FRESHDESK_CONVERSATIONS = "/api/v2/tickets/{id}/conversations"
FRESHDESK_PAGE_SIZE = 100
# Freshdesk conversation `source`: 0 reply, 2 note, 5 tweet, 6 survey feedback, 7 Facebook, 8 forward,
# 9 phone, 10 Mobihelp, 11 e-commerce. Notes, feedback and forwards are not replies to the customer.
FRESHDESK_NOT_REPLIES = frozenset({2, 6, 8})
INTERCOM_CONVERSATION = "/conversations/{id}"
INTERCOM_REPLY_PARTS = frozenset({"comment"})
# Parts that are a reply when they carry a body: an admin who assigns, reopens or closes with a message.
INTERCOM_REPLY_WITH_BODY = frozenset({"assignment", "open", "close"})


def freshdesk_agent_replies(conversations: Iterable[Any]) -> int:
    """Public agent replies among a ticket's conversations (one page or all of them)."""
    count = 0
    for item in conversations:
        entry = mapping(item)
        if entry.get("incoming") is not False or entry.get("private") is not False:
            continue
        source = entry.get("source")
        if isinstance(source, bool) or (isinstance(source, int) and source in FRESHDESK_NOT_REPLIES):
            continue
        count += 1
    return count


def intercom_agent_replies(conversation: Mapping[str, Any]) -> int:
    """Admin replies among the conversation parts of `GET /conversations/{id}`."""
    parts = mapping(conversation.get("conversation_parts")).get("conversation_parts")
    if not isinstance(parts, list):
        raise ValueError("conversation_parts missing")
    count = 0
    for item in parts:
        part = mapping(item)
        if mapping(part.get("author")).get("type") != "admin":
            continue
        kind = part.get("part_type")
        if kind in INTERCOM_REPLY_PARTS or (kind in INTERCOM_REPLY_WITH_BODY and part.get("body")):
            count += 1
    return count


def _list(body: Any) -> None:
    if not isinstance(body, list):
        raise ValueError("not a list page")


def _conversation(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise ValueError("not an object")
    intercom_agent_replies(body)


def fetch_freshdesk(requester: Requester, *, base_url: str, headers: Mapping[str, str], external_id: str) -> int | None:
    """The ticket's agent replies over every page of its conversations; None when the ticket is gone (404)."""
    path = FRESHDESK_CONVERSATIONS.format(id=_path_id(external_id))
    url: str | None = f"{base_url}{path}"
    params: dict[str, Any] | None = {"per_page": FRESHDESK_PAGE_SIZE, "page": 1}
    guard = CursorGuard(requester.source, f"conversations {external_id}")
    count = 0
    while url:
        guard.advance([url, params])
        body, response = requester.request_json("GET", url, params=params, headers=headers, validate=_list,
                                                absent_ok=True)
        if body is None:
            return None
        count += freshdesk_agent_replies(body)
        url, params = response.links.get("next", {}).get("url"), None
    return count


def fetch_intercom(requester: Requester, *, base_url: str, headers: Mapping[str, str], external_id: str) -> int | None:
    """The conversation's admin replies; None when the conversation is gone (404)."""
    url = f"{base_url}{INTERCOM_CONVERSATION.format(id=_path_id(external_id))}"
    body, _ = requester.request_json("GET", url, headers=headers, validate=_conversation, absent_ok=True)
    return None if body is None else intercom_agent_replies(body)


def _path_id(external_id: str) -> str:
    """An id safe to put in a path: the vendors' ids are digits (Freshdesk) or digits and letters (Intercom)."""
    text = str(external_id)
    if not text or not text.isascii() or not text.replace("_", "").isalnum():
        raise MalformedRecordError(text[:128], "id not usable in a request path")
    return text
