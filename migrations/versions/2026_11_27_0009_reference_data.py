"""helpdesk reference data: agents, groups, organizations, brands; outbound tickets

Revision ID: 0009_reference_data
Revises: 0008_post_ledger
Create Date: 2026-11-27 18:30:00

`reference_entities` holds each source's agents, groups, organizations, brands
and contact → organization links, so ids on tickets read as names.
`tickets.outbound` marks agent-initiated conversations, left out of volume and
response metrics by default. Existing rows get `false`: the next sync of a
source marks its outbound tickets as it updates them (`sync --backfill DAYS`
re-reads older ones), and `rollup --full` then recomputes the past.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009_reference_data'
down_revision = '0008_post_ledger'
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('outbound')
    op.drop_index('ix_reference_entities_lookup', table_name='reference_entities')
    op.drop_table('reference_entities')
