"""Intraday spikes after a sync: caught within the hour, one message per hour, edited while it lasts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.rituals.delivery import RecordingDelivery
from bot.rituals.runner import Runner
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from tests.rituals.scenario import settings as make_settings

# Tuesday 2026-11-24, 15:40 in Berlin (14:40 UTC).
NOW = datetime(2026, 11, 24, 14, 40, tzinfo=UTC)


def ticket(n: int, created_at: datetime, tags=("billing",)) -> Ticket:
    return Ticket(source="csv", external_id=str(n), status="open", created_at=created_at, updated_at=created_at,
                  tags=tags)


def seed(session_factory, workspace_id: str, *, now_count: int) -> None:
    items, n = [], 0
    for week in range(1, 9):  # the same hour in eight past weeks: 3 or 4 billing tickets
        for i in range(3 + week % 2):
            n += 1
            items.append(ticket(n, NOW - timedelta(weeks=week, minutes=5 + 10 * i)))
    for i in range(now_count):
        n += 1
        items.append(ticket(n, NOW - timedelta(minutes=1 + 2 * i)))
    items.append(ticket(999, NOW - timedelta(hours=3), tags=("login",)))  # outside every window
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id=workspace_id, tickets=items)


def test_surge_in_the_last_hour_is_posted_once_and_edited(tmp_path, session_factory):
    s = make_settings(tmp_path)
    seed(session_factory, s.workspace_id, now_count=25)
    delivery = RecordingDelivery()
    (first,) = Runner(s, session_factory, delivery, clock=lambda: NOW).run_after_sync(NOW)
    assert first.outcome == "posted" and first.key.period == "2026-11-24T15"
    text = delivery.sent[0].message.blocks[1]["text"]["text"]
    assert "billing" in text and "25 tickets in the last hour" in text
    # A later sync in the same hour with one more ticket edits the same message.
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id=s.workspace_id, tickets=[ticket(5000, NOW + timedelta(minutes=5))])
    later = NOW + timedelta(minutes=10)
    (second,) = Runner(s, session_factory, delivery, clock=lambda: later).run_after_sync(later)
    assert second.outcome == "edited" and [x.kind for x in delivery.sent] == ["post", "update"]


def test_usual_volume_posts_nothing(tmp_path, session_factory):
    s = make_settings(tmp_path)
    seed(session_factory, s.workspace_id, now_count=4)
    assert Runner(s, session_factory, RecordingDelivery(), clock=lambda: NOW).run_after_sync(NOW) == []
