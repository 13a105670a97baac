"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 10:22:54.673796
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('annotations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotations')),
    sa.UniqueConstraint('workspace_id', 'day', 'kind', 'label', name=op.f('uq_annotations_workspace_id_day_kind_label'))
    )
    op.create_table('daily_metrics',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('segment', sa.String(length=254), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('zone', sa.String(length=24), nullable=True),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_metrics')),
    sa.UniqueConstraint('workspace_id', 'day', 'metric', 'dimension', 'segment', name=op.f('uq_daily_metrics_workspace_id_day_metric_dimension_segment'))
    )
    with op.batch_alter_table('daily_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_daily_metrics_lookup', ['workspace_id', 'metric', 'dimension', 'day'], unique=False)

    op.create_table('leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('posted_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('ritual', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('thread_ts', sa.String(length=32), nullable=True),
    sa.Column('payload_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posted_messages')),
    sa.UniqueConstraint('workspace_id', 'ritual', 'channel', 'period', name=op.f('uq_posted_messages_workspace_id_ritual_channel_period'))
    )
    op.create_table('quarantined_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_records'))
    )
    with op.batch_alter_table('quarantined_records', schema=None) as batch_op:
        batch_op.create_index('ix_quarantine_workspace_source', ['workspace_id', 'source'], unique=False)

    op.create_table('sync_checkpoints',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_checkpoints')),
    sa.UniqueConstraint('workspace_id', 'source', 'stream', name=op.f('uq_sync_checkpoints_workspace_id_source_stream'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_seconds', sa.Float(), nullable=True),
    sa.Column('first_response_business_seconds', sa.Float(), nullable=True),
    sa.Column('resolution_seconds', sa.Float(), nullable=True),
    sa.Column('resolution_business_seconds', sa.Float(), nullable=True),
    sa.Column('agent_replies', sa.Integer(), nullable=True),
    sa.Column('reopens', sa.Integer(), nullable=False),
    sa.Column('reassignments', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('priority', sa.String(length=32), nullable=True),
    sa.Column('group_name', sa.String(length=128), nullable=True),
    sa.Column('assignee', sa.String(length=128), nullable=True),
    sa.Column('assignee_email', sa.String(length=254), nullable=True),
    sa.Column('requester', sa.String(length=254), nullable=True),
    sa.Column('organization', sa.String(length=254), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('csat', sa.String(length=16), nullable=True),
    sa.Column('csat_score', sa.Float(), nullable=True),
    sa.Column('csat_scale', sa.String(length=32), nullable=True),
    sa.Column('bot_involved', sa.Boolean(), nullable=False),
    sa.Column('bot_resolved', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('workspace_id', 'source', 'external_id', name=op.f('uq_tickets_workspace_id_source_external_id'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_workspace_changed', ['workspace_id', 'changed_at'], unique=False)
        batch_op.create_index('ix_tickets_workspace_created', ['workspace_id', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_workspace_org', ['workspace_id', 'organization'], unique=False)

    op.create_table('triggers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=100), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('segment', sa.String(length=254), nullable=False),
    sa.Column('zone', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fired_on', sa.Date(), nullable=False),
    sa.Column('recovered_on', sa.Date(), nullable=True),
    sa.Column('playbook', sa.String(length=100), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('alert_channel', sa.String(length=32), nullable=True),
    sa.Column('alert_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triggers'))
    )
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.create_index('ix_triggers_open', ['workspace_id', 'rule', 'dimension', 'segment', 'status'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('segment', sa.String(length=254), nullable=False),
    sa.Column('trigger_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=254), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('outcome_class', sa.String(length=16), nullable=True),
    sa.Column('value_at_open', sa.Float(), nullable=True),
    sa.Column('value_at_followup', sa.Float(), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], name=op.f('fk_actions_trigger_id_triggers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_workspace_owner', ['workspace_id', 'owner'], unique=False)
        batch_op.create_index('ix_actions_workspace_status', ['workspace_id', 'status'], unique=False)

    op.create_table('action_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('action_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_action_events_action_id_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_events'))
    )
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.create_index('ix_action_events_action', ['action_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('action_events', schema=None) as batch_op:
        batch_op.drop_index('ix_action_events_action')

    op.drop_table('action_events')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_workspace_status')
        batch_op.drop_index('ix_actions_workspace_owner')

    op.drop_table('actions')
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_triggers_open')

    op.drop_table('triggers')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_workspace_org')
        batch_op.drop_index('ix_tickets_workspace_created')
        batch_op.drop_index('ix_tickets_workspace_changed')

    op.drop_table('tickets')
    op.drop_table('sync_checkpoints')
    with op.batch_alter_table('quarantined_records', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantine_workspace_source')

    op.drop_table('quarantined_records')
    op.drop_table('posted_messages')
    op.drop_table('leases')
    with op.batch_alter_table('daily_metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_metrics_lookup')

    op.drop_table('daily_metrics')
    op.drop_table('annotations')
    
