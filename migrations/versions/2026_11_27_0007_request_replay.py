"""slack request replay guard (reserved)

Revision ID: 0007_request_replay
Revises: 0006_series_state
Create Date: 2026-11-27 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007_request_replay'
down_revision = '0006_series_state'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Signatures of accepted Slack requests, kept for their 5-minute window so a replay is refused
    # by any web process. Rows expire on their own and are pruned as new ones arrive.
    op.create_table('slack_request_signatures',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_slack_request_signatures'))
    )
    with op.batch_alter_table('slack_request_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_request_signatures_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_request_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_request_signatures_expires_at'))
    op.drop_table('slack_request_signatures')
