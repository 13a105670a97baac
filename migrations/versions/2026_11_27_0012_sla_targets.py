"""SLA targets on tickets; the upper end of a ticket touch (bounded backfill rollups)

Revision ID: 0012_sla_targets
Revises: 0011_mutes
Create Date: 2026-11-27 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012_sla_targets'
down_revision = '0011_mutes'
branch_labels = None
depends_on = None

_SLA = (
    ("first_response_due_at", sa.DateTime(timezone=True)),
    ("resolution_due_at", sa.DateTime(timezone=True)),
    ("sla_first_response_met", sa.Boolean()),
    ("sla_resolution_met", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for name, type_ in _SLA:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("ticket_touches") as batch:
        batch.add_column(sa.Column("touched_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_touches") as batch:
        batch.drop_column("touched_until")
    with op.batch_alter_table("tickets") as batch:
        for name, _type in reversed(_SLA):
            batch.drop_column(name)
