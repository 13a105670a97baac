"""Migration 0009 marks outbound tickets already stored, from the vendor record kept in `raw`."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text

from bot.storage.engine import alembic_config, make_engine, make_session_factory, upgrade
from bot.storage.models import TicketRow, TicketTouch

RAWS = {
    "fd-out": {"id": 21, "source": 10},                                    # Freshdesk outbound email
    "fd-in": {"id": 22, "source": 1},                                      # Freshdesk email
    "ic-out": {"id": "9", "source": {"type": "email", "delivered_as": "admin_initiated"}},
    "ic-auto": {"id": "8", "source": {"type": "push", "delivered_as": "automated"}},
    "ic-in": {"id": "7", "source": {"type": "conversation", "delivered_as": "customer_initiated"}},
    "csv": {"id": "5", "source": "10"},                                    # a CSV cell: text, not Freshdesk's code
    "zd": {"id": 4, "via": {"channel": "email"}},
}


def test_existing_outbound_tickets_are_marked_and_touched(db_url):
    config = alembic_config(db_url)
    command.downgrade(config, "0008_post_ledger")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for n, (key, raw) in enumerate(RAWS.items()):
                created = datetime(2024, 1, 1 + n, 9, tzinfo=UTC)
                connection.execute(text(
                    "INSERT INTO tickets (workspace_id, source, external_id, status, created_at, updated_at, reopens,"
                    " reassignments, escalated, tags, bot_involved, bot_resolved, deleted, raw, changed_at) VALUES"
                    " ('w1', 'src', :key, 'solved', :created, :created, 0, 0, :no, '[]', :no, :no, :no, :raw, :created)"
                ).bindparams(created=created if engine.dialect.name != "sqlite" else created.replace(tzinfo=None)),
                    {"key": key, "raw": json.dumps(raw), "no": False})
        upgrade(db_url)
        with make_session_factory(engine)() as session:
            marked = {r.external_id for r in session.scalars(select(TicketRow).where(TicketRow.outbound.is_(True)))}
            assert marked == {"fd-out", "ic-out", "ic-auto"}
            touches = session.scalars(select(TicketTouch.touched_at).where(TicketTouch.workspace_id == "w1")).all()
            assert touches == [datetime(2024, 1, 1, 9, tzinfo=UTC)]  # the earliest outbound ticket
    finally:
        engine.dispose()
