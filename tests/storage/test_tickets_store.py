"""Ticket upserts: keyed, monotonic in updated_at, tombstones, checkpoints."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

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


def _row_values(session_factory, source):
    columns = [c for c in TicketRow.__table__.columns if c.name not in ("id", "source")]
    with session_factory() as session:
        rows = session.execute(select(*columns).where(TicketRow.source == source).order_by(TicketRow.external_id))
        return [tuple(row) for row in rows]


def _varied_tickets(source):
    berlin = timezone(timedelta(hours=2))
    return [
        make_ticket(source=source),
        make_ticket(source=source, external_id="2", status="solved", created_at=datetime(2026, 5, 4, 10, 30, 0, 123456, tzinfo=berlin),
                    updated_at=T0 + timedelta(days=1), first_response_at=T0 + timedelta(minutes=5),
                    solved_at=T0 + timedelta(hours=3), closed_at=T0 + timedelta(days=1),
                    first_response=timedelta(minutes=5), first_response_business=timedelta(minutes=2),
                    resolution=timedelta(hours=3), resolution_business=timedelta(hours=1, seconds=0.5),
                    agent_replies=3, reopens=1, reassignments=2, escalated=True, channel="email", priority="high",
                    group="7", assignee="8", assignee_email="a@example.com", requester="9", organization="10",
                    tags=("billing", "vip"), csat="satisfied", csat_score=1.0, csat_scale="good_bad",
                    bot_involved=True, bot_resolved=True, raw={"id": 2, "subject": "Hi", "nested": {"body": "x", "n": [1, {"k": None}]}}),
        make_ticket(source=source, external_id="3", status="deleted", created_at=datetime(999, 1, 1, tzinfo=timezone.utc),
                    updated_at=datetime(999, 1, 1, tzinfo=timezone.utc), csat_score=-103, raw={"id": 3}),
    ]


@pytest.mark.parametrize("store_subject", [True, False])
def test_driver_insert_writes_what_the_core_insert_writes(session_factory, store_subject):
    from bot.storage import ticket_rows as store

    now = datetime(2026, 5, 5, 12, 0, 0, 654321, tzinfo=timezone.utc)
    with session_factory.begin() as session:
        connection = session.connection()
        assert store._driver_insert(connection.dialect.name, connection.dialect.paramstyle) is not None
        store.insert_new(connection, workspace_id="w", tickets=_varied_tickets("fast"), store_subject=store_subject, now=now)
        connection.execute(insert(TicketRow.__table__), [
            store._core_row(t, workspace_id="w", store_subject=store_subject, now=now) for t in _varied_tickets("core")])
    fast, core = _row_values(session_factory, "fast"), _row_values(session_factory, "core")
    assert len(fast) == 3 and fast == core
    with session_factory() as session:  # the stored text compares like SQLAlchemy's own parameters
        solved = session.scalars(select(TicketRow.external_id).where(
            TicketRow.source == "fast", TicketRow.created_at >= datetime(2026, 5, 4, 8, 30, 0, 123456, tzinfo=timezone.utc)))
        assert list(solved) == ["2"]
    row = stored(session_factory, "2")
    assert (row.subject is None) is not store_subject and ("nested" in row.raw)
    assert ("subject" in row.raw) is store_subject and ("body" in row.raw["nested"]) is store_subject


def test_driver_insert_refuses_naive_instants(session_factory):
    from bot.storage import ticket_rows as store

    with session_factory.begin() as session, pytest.raises(ValueError, match="naive"):
        store.insert_new(session.connection(), workspace_id="w", tickets=[make_ticket(created_at=datetime(2026, 1, 1))],
                         store_subject=True, now=T0)


def test_sqlite_instants_match_the_column_type():
    from sqlalchemy.dialects import sqlite

    from bot.storage.ticket_rows import _sqlite_instant

    dialect = sqlite.dialect()
    process = TicketRow.__table__.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    for value in (T0, datetime(2026, 5, 4, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
                  datetime(999, 1, 1, tzinfo=timezone.utc), datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(-timedelta(hours=5))),
                  None):
        assert _sqlite_instant(value) == process(value)


@pytest.mark.parametrize(("dialect", "paramstyle", "expected"), [
    ("sqlite", "qmark", "?"),
    ("postgresql", "pyformat", "%s"),
    ("mysql", "format", None),  # anything else: the Core insert
    ("sqlite", "named", None),
])
def test_driver_insert_statement_per_dialect(dialect, paramstyle, expected):
    from bot.storage.ticket_rows import _INSERT_COLUMNS, _driver_insert

    statement = _driver_insert(dialect, paramstyle)
    if expected is None:
        assert statement is None
        return
    assert statement.startswith(f"INSERT INTO tickets ({', '.join(_INSERT_COLUMNS)}) VALUES (")
    assert statement.count(expected) == len(_INSERT_COLUMNS)
    assert ("%s::jsonb" in statement) is (dialect == "postgresql")
