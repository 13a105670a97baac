"""Which days a ticket change can move: recorded by the upsert, used by incremental rollups."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from integrations.base import Ticket
from bot.storage.models import TicketTouch
from bot.storage.tickets import touched_from, upsert_tickets

CREATED = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
ANSWERED = CREATED + timedelta(hours=2)
SOLVED = CREATED + timedelta(days=30)
NOW = CREATED + timedelta(days=31)
BASE = {"created_at": CREATED, "first_response_at": ANSWERED, "solved_at": None, "status": "open",
        "channel": "email", "csat": None, "reopens": 0, "updated_at": CREATED}


@pytest.mark.parametrize(("change", "touched"), [
    ({}, None),
    ({"updated_at": NOW}, None),  # nothing a metric reads
    ({"status": "pending", "updated_at": NOW}, NOW),  # backlog membership may move now
    ({"status": "solved", "solved_at": SOLVED, "updated_at": NOW}, SOLVED),  # not the created day
    ({"channel": "chat"}, CREATED),  # a segment attribute: every day of its life
    ({"first_response_at": ANSWERED + timedelta(hours=1)}, ANSWERED),
])
def test_touched_from(change, touched):
    assert touched_from(BASE, {**BASE, **change}) == touched


def test_resolve_again_on_another_day_touches_the_earlier_day():
    before = {**BASE, "status": "solved", "solved_at": SOLVED}
    after = {**before, "solved_at": SOLVED + timedelta(days=3), "updated_at": NOW}
    assert touched_from(before, after) == SOLVED


def test_upsert_records_one_touch_per_batch_at_the_earliest_instant(session_factory):
    ticket = Ticket(source="s", external_id="1", status="open", created_at=CREATED, updated_at=CREATED)
    other = Ticket(source="s", external_id="2", status="open", created_at=CREATED + timedelta(days=5),
                   updated_at=CREATED + timedelta(days=5))
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[ticket, other])
    solved = Ticket(source="s", external_id="1", status="solved", created_at=CREATED, updated_at=NOW,
                    solved_at=SOLVED, csat="satisfied")
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[solved, other])  # `other` unchanged
    with session_factory() as session:
        touches = session.scalars(select(TicketTouch.touched_at).order_by(TicketTouch.id)).all()
    assert touches == [CREATED, SOLVED]
