"""series state for incremental rollups; ticket indexes for its ticket query

Revision ID: 0006_series_state
Revises: 0005_themes
Create Date: 2026-11-22 13:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006_series_state'
down_revision = '0005_themes'
branch_labels = None
depends_on = None

_OPEN = "status IN ('new', 'open', 'pending', 'hold')"


def upgrade() -> None:
    op.create_table('metric_series_state',
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('segment', sa.String(length=254), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('through_day', sa.Date(), nullable=False),
    sa.Column('layout', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'metric', 'dimension', 'segment', name=op.f('pk_metric_series_state'))
    )
    # Plain CREATE INDEX (no batch table copy): the tickets table can be large.
    op.create_index('ix_tickets_workspace_solved', 'tickets', ['workspace_id', 'solved_at'], unique=False)
    op.create_index('ix_tickets_workspace_open', 'tickets', ['workspace_id'], unique=False,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_tickets_workspace_open', table_name='tickets')
    op.drop_index('ix_tickets_workspace_solved', table_name='tickets')
    op.drop_table('metric_series_state')
