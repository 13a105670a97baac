"""helpdesk reference data: agents, groups, organizations, brands; outbound tickets

Revision ID: 0009_reference_data
Revises: 0008_post_ledger
Create Date: 2026-11-27 18:30:00

`reference_entities` holds each source's agents, groups, organizations, brands
and contact → organization links, so ids on tickets read as names.
`tickets.outbound` marks agent-initiated conversations, left out of volume and
response metrics by default. Existing rows are marked from the vendor record
they keep in `raw` (Freshdesk `source` 10, Intercom `source.delivered_as`
admin_initiated / automated / campaigns_initiated), and each workspace's
earliest such ticket is recorded as touched, so the next incremental rollup
recomputes from there. One pass over `tickets` on deploy.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009_reference_data'
down_revision = '0008_post_ledger'
branch_labels = None
depends_on = None

_DELIVERED = "('admin_initiated', 'automated', 'campaigns_initiated')"
# The vendor record as stored: a Freshdesk ticket's `source` is a number (10: outbound email); an Intercom
# conversation's `source` is an object. CSV rows keep strings, so a "10" there is not taken for Freshdesk's.
_MARK = {
    "sqlite": ("UPDATE tickets SET outbound = 1, changed_at = :now WHERE outbound = 0 AND ("
               "(json_type(raw, '$.source') = 'integer' AND json_extract(raw, '$.source') = 10) OR "
               f"json_extract(raw, '$.source.delivered_as') IN {_DELIVERED})"),
    "postgresql": ("UPDATE tickets SET outbound = true, changed_at = :now WHERE outbound = false AND ("
                   "raw -> 'source' = '10'::jsonb OR "
                   f"(jsonb_typeof(raw -> 'source') = 'object' AND raw -> 'source' ->> 'delivered_as' IN {_DELIVERED}))"),
}


def upgrade() -> None:
    op.create_table('reference_entities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=254), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('domains', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('organization_id', sa.String(length=128), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_entities')),
    sa.UniqueConstraint('workspace_id', 'source', 'kind', 'external_id',
                        name=op.f('uq_reference_entities_workspace_id_source_kind_external_id'))
    )
    op.create_index('ix_reference_entities_lookup', 'reference_entities', ['workspace_id', 'kind', 'external_id'],
                    unique=False)
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('outbound', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    bind = op.get_bind()
    mark = _MARK.get(bind.dialect.name)
    if mark is not None:
        now = datetime.now(timezone.utc)
        if bind.dialect.name == "sqlite":
            now = now.replace(tzinfo=None)  # stored naive UTC there, as the models do
        now_param = sa.bindparam("now", now, type_=sa.DateTime(timezone=bind.dialect.name != "sqlite"))
        bind.execute(sa.text(mark).bindparams(now_param))
        bind.execute(sa.text(
            "INSERT INTO ticket_touches (workspace_id, touched_at, recorded_at) "
            "SELECT workspace_id, MIN(created_at), :now FROM tickets WHERE outbound = :yes GROUP BY workspace_id"
        ).bindparams(now_param, sa.bindparam("yes", True, type_=sa.Boolean())))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('outbound')
    op.drop_index('ix_reference_entities_lookup', table_name='reference_entities')
    op.drop_table('reference_entities')
