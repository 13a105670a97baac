"""ticket touches

Revision ID: 0004_ticket_touches
Revises: 0003_slack_oauth
Create Date: 2026-11-22 11:09:45.780059
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_ticket_touches'
down_revision = '0003_slack_oauth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_touches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_touches'))
    )
    with op.batch_alter_table('ticket_touches', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_touches_recorded', ['workspace_id', 'recorded_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_touches', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_touches_recorded')

    op.drop_table('ticket_touches')
