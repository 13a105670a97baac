"""exactly-once posting ledger: posted_messages.post_key

Revision ID: 0008_post_ledger
Revises: 0007_request_replay
Create Date: 2026-11-27 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008_post_ledger'
down_revision = '0007_request_replay'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The ledger key each post carries in its Slack metadata: a post whose answer was lost (a 503 after
    # Slack stored it, a timeout, the database down right after) is found by it instead of posted again.
    # Rows from before have none and are reconciled the old way (taken over once stale).
    with op.batch_alter_table('posted_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_key', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_posted_messages_post_key'), ['post_key'])


def downgrade() -> None:
    with op.batch_alter_table('posted_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_posted_messages_post_key'), type_='unique')
        batch_op.drop_column('post_key')
