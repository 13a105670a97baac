"""The fakes' hand-written records keep the shape of the recorded vendor responses in ../shared/fixtures."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import shared_fixture
from tests.fakes.records import (
    FRESHDESK_CONVERSATION,
    FRESHDESK_TICKET,
    INTERCOM_CONVERSATION,
    INTERCOM_CONVERSATION_PART,
    ZENDESK_METRIC_SET,
    ZENDESK_TICKET,
)


def shape(value: Any, path: str = "") -> dict[str, str]:
    """Every key path with its JSON type ("null" where the value is null); lists by their first item."""
    if isinstance(value, dict):
        paths = {path: "object"} if path else {}
        for key, item in value.items():
            paths.update(shape(item, f"{path}.{key}" if path else key))
        return paths
    if isinstance(value, list):
        return {path: "array", **(shape(value[0], f"{path}[]") if value else {})}
    kind = {bool: "boolean", int: "number", float: "number", str: "string", type(None): "null"}[type(value)]
    return {path: kind}


def same_shape(written: dict, recorded: dict) -> list[str]:
    ours, theirs = shape(written), shape(recorded)
    problems = [f"missing {p}" for p in sorted(theirs.keys() - ours.keys())]
    problems += [f"extra {p}" for p in sorted(ours.keys() - theirs.keys())]
    problems += [f"{p}: {ours[p]} where the recording has {theirs[p]}" for p in sorted(ours.keys() & theirs.keys())
                 if "null" not in (ours[p], theirs[p]) and ours[p] != theirs[p]]
    return problems


@pytest.mark.parametrize(("written", "parts", "pick"), [
    (ZENDESK_TICKET, ("zendesk", "incremental_tickets_cursor_page.json"), lambda body: body["tickets"][0]),
    (ZENDESK_METRIC_SET, ("zendesk", "ticket_metrics_list_oas_example.json"), lambda body: body["ticket_metrics"][0]),
    (FRESHDESK_TICKET, ("freshdesk", "tickets_list_include_requester_stats_recorded.json"), lambda body: body[0]),
    (INTERCOM_CONVERSATION, ("intercom", "conversations_search_page_v2.2_recorded.json"),
     lambda body: body["conversations"][0]),
    (FRESHDESK_CONVERSATION, ("freshdesk", "ticket_conversations_library_fixture.json"), lambda body: body[1]),
    (INTERCOM_CONVERSATION_PART, ("intercom", "conversation_retrieve_v2.14_openapi_example.json"),
     lambda body: body["conversation_parts"]["conversation_parts"][0]),
], ids=["zendesk-ticket", "zendesk-metric-set", "freshdesk-ticket", "intercom-conversation",
        "freshdesk-conversation", "intercom-conversation-part"])
def test_hand_written_record_has_the_recorded_keys_and_types(written, parts, pick):
    assert same_shape(written, pick(shared_fixture(*parts))) == []


def test_a_drifted_record_is_reported():
    recorded = {"id": 1, "stats": {"closed_at": None, "replies": 2}, "tags": ["a"]}
    written = {"id": "1", "stats": {"closed_at": "2024-01-01T00:00:00Z"}, "tags": ["a"], "extra": True}
    assert same_shape(written, recorded) == ["missing stats.replies", "extra extra", "id: string where the recording has number"]
