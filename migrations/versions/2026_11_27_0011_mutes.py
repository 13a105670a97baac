"""mute windows: `mutes`, and their history in `action_events`

Revision ID: 0011_mutes
Revises: 0010_source_health
Create Date: 2026-11-27 18:30:00

A mute silences a metric's (or one rule's) alerts and rule firings, overall or for
one segment, until an instant. Muting and unmuting are recorded in the action
log's history: `action_events.action_id` becomes nullable and an event names
either its action or its mute.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011_mutes'
down_revision = '0010_source_health'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('mutes',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=100), nullable=True),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('segment', sa.String(length=254), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=254), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mutes'))
    )
    op.create_index('ix_mutes_workspace_until', 'mutes', ['workspace_id', 'until_at'], unique=False)
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.alter_column('action_id', existing_type=_ID, nullable=True)
        batch_op.add_column(sa.Column('mute_id', _ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_action_events_mute_id_mutes'), 'mutes', ['mute_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_action_events_mute', ['mute_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.drop_index('ix_action_events_mute')
        batch_op.drop_constraint(batch_op.f('fk_action_events_mute_id_mutes'), type_='foreignkey')
        batch_op.drop_column('mute_id')
    op.execute("DELETE FROM action_events WHERE action_id IS NULL")
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.alter_column('action_id', existing_type=_ID, nullable=False)
    op.drop_index('ix_mutes_workspace_until', table_name='mutes')
    op.drop_table('mutes')
