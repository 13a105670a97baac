"""Ticket upserts: keyed, monotonic in updated_at, tombstones, checkpoints."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from integrations.base import Checkpoint, Ticket
from bot.storage.models import TicketRow
from bot.storage.tickets import load_checkpoints, save_checkpoint, upsert_tickets

T0 = datetime(2026, 5, 4, 8, tzinfo=timezone.utc)


def make_ticket(**overrides) -> Ticket:
    values = dict(source="zendesk", external_id="1", status="open", created_at=T0, updated_at=T0, subject="Hi")
    values.update(overrides)
    return Ticket(**values)


def stored(session_factory, external_id="1") -> TicketRow:
    with session_factory() as session:
        return session.scalar(select(TicketRow).where(TicketRow.external_id == external_id))


def test_last_occurrence_in_a_batch_wins(session_factory):
    with session_factory.begin() as session:
        result = upsert_tickets(session, workspace_id="w", tickets=[
            make_ticket(), make_ticket(status="solved", updated_at=T0 + timedelta(hours=1))])
    assert result.inserted == 1
    assert stored(session_factory).status == "solved"


def test_older_record_never_rolls_a_ticket_back(session_factory):
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[make_ticket(status="solved", updated_at=T0 + timedelta(hours=2))])
    with session_factory.begin() as session:
        result = upsert_tickets(session, workspace_id="w", tickets=[make_ticket(status="open", updated_at=T0)])
    assert result.unchanged == 1 and stored(session_factory).status == "solved"


def test_tombstone_keeps_facts_and_marks_deleted(session_factory):
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[make_ticket(channel="email")])
    with session_factory.begin() as session:
        result = upsert_tickets(session, workspace_id="w", tickets=[
            make_ticket(status="deleted", updated_at=T0 + timedelta(days=1), channel=None)])
    row = stored(session_factory)
    assert result.deleted == 1 and row.deleted and row.status == "deleted" and row.channel == "email"


def test_instants_round_trip_as_aware_utc(session_factory):
    berlin = timezone(timedelta(hours=2))
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[make_ticket(created_at=datetime(2026, 5, 4, 10, tzinfo=berlin))])
    assert stored(session_factory).created_at == T0
    assert stored(session_factory).created_at.tzinfo is not None


def test_checkpoints_are_per_workspace_and_stream(session_factory):
    with session_factory.begin() as session:
        save_checkpoint(session, workspace_id="w", checkpoint=Checkpoint("zendesk", "tickets", {"cursor": "a"}))
        save_checkpoint(session, workspace_id="w", checkpoint=Checkpoint("zendesk", "tickets", {"cursor": "b"}))
        save_checkpoint(session, workspace_id="other", checkpoint=Checkpoint("zendesk", "tickets", {"cursor": "z"}))
    with session_factory() as session:
        assert load_checkpoints(session, workspace_id="w", source="zendesk") == {
            "tickets": Checkpoint("zendesk", "tickets", {"cursor": "b"})}
