"""`storable`: every normalized ticket fits what SQLite and PostgreSQL both accept, or is malformed."""
from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import Integer, String

from bot.storage.models import TicketRow
from integrations.base import MalformedRecordError, Ticket
from integrations.normalize import CUT_KEY, INT_MAX, TEXT_LIMITS, checked, instant, storable, tags

T = datetime(2024, 1, 1, tzinfo=UTC)
COLUMN = {"group": "group_name"}


def make_ticket(**overrides) -> Ticket:
    fields = dict(source="zendesk", external_id="1", status="open", created_at=T, updated_at=T, raw={"id": 1})
    return Ticket(**{**fields, **overrides})


def test_limits_match_the_tickets_table():
    for name, limit in TEXT_LIMITS.items():
        column = TicketRow.__table__.columns[COLUMN.get(name, name)]
        assert isinstance(column.type, String) and column.type.length == limit, name
    for name in ("agent_replies", "reopens", "reassignments"):
        assert isinstance(TicketRow.__table__.columns[name].type, Integer)


def test_a_clean_ticket_is_returned_as_is():
    ticket = make_ticket(subject="Hello\tworld\n", priority="high", tags=("a", "b"), organization="Ünïcode 😀")
    assert storable(ticket) is ticket


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"external_id": "9" * 129}, "id: 129 characters, over 128"),
        ({"external_id": "1\x002"}, "id: contains control characters"),
        ({"reopens": 2**31}, "reopens: out of range"),
        ({"agent_replies": -(2**31) - 1}, "agent_replies: out of range"),
        ({"reassignments": 1.5}, "reassignments: expected a whole number, got a number"),
        ({"csat_score": math.inf}, "csat_score: not a finite number"),
        ({"priority": {"name": "high"}}, "priority: expected text, got an object"),
        ({"group": ["a"]}, "group: expected text, got a list"),
        ({"channel": True}, "channel: expected text, got a boolean"),
        ({"tags": ("a", {"b": 1})}, "tags: expected text, got an object"),
    ],
)
def test_what_cannot_be_stored_is_malformed(overrides, reason):
    with pytest.raises(MalformedRecordError) as refused:
        storable(make_ticket(**overrides))
    assert refused.value.reason == reason
    assert len(refused.value.external_id or "") <= 128


@pytest.mark.parametrize(
    ("overrides", "field", "value", "note"),
    [
        ({"priority": "p" * 33}, "priority", "p" * 32, "priority: cut from 33 to 32 characters"),
        ({"channel": "c" * 65}, "channel", "c" * 64, "channel: cut from 65 to 64 characters"),
        ({"requester": "r" * 255}, "requester", "r" * 254, "requester: cut from 255 to 254 characters"),
        ({"subject": "a\x00b\x1bc"}, "subject", "abc", "subject: 2 control or invalid character(s) removed"),
        ({"subject": "broken \ud800"}, "subject", "broken ", "subject: 1 control or invalid character(s) removed"),
        ({"group": 12345}, "group", "12345", None),
        ({"tags": ("ok", "b\x00ad", "\x00")}, "tags", ("ok", "bad"), "tags: 1 control or invalid character(s) removed"),
    ],
)
def test_free_text_is_cleaned_and_the_change_noted(overrides, field, value, note):
    ticket = make_ticket(**overrides)
    stored = storable(ticket)
    assert getattr(stored, field) == value
    assert stored.raw["id"] == 1  # the record as received stays
    if note:
        assert note in stored.raw[CUT_KEY]
        assert all(len(n) < 80 for n in stored.raw[CUT_KEY])  # sizes, never the text


def test_checked_turns_any_failure_on_a_strange_record_into_a_named_malformed_record():
    @checked
    def to_ticket(raw):
        return make_ticket(external_id=str(raw["id"]), priority=raw["priority"].upper())

    with pytest.raises(MalformedRecordError) as refused:
        to_ticket({"id": 7, "priority": 3})
    assert (refused.value.external_id, refused.value.reason) == ("7", "unreadable record (AttributeError)")
    with pytest.raises(MalformedRecordError) as refused:
        to_ticket({"id": "8" * 200, "priority": "high"})
    assert refused.value.reason == "id: 200 characters, over 128" and refused.value.raw["priority"] == "high"
    assert to_ticket({"id": 9, "priority": "x" * 40}).priority == "X" * 32


@pytest.mark.parametrize(
    ("value", "reason"),
    [(5, "tags: expected a list, got a number"), ("a,b", "tags: expected a list, got text"),
     ({"a": 1}, "tags: expected a list, got an object")],
)
def test_tags_must_be_a_list(value, reason):
    with pytest.raises(MalformedRecordError, match=reason):
        tags(value)


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_an_instant_beyond_the_representable_range_is_malformed(value):
    with pytest.raises(MalformedRecordError, match="created_at out of range"):
        instant(value, field="created_at", external_id="1")


def test_int_max_is_postgresql_integer():
    assert INT_MAX == 2_147_483_647
