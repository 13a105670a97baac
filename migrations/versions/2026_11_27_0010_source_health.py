"""source health: per-source streak of failed syncs, last success, and the alert posted for it

Revision ID: 0010_source_health
Revises: 0009_reference_data
Create Date: 2026-11-27 18:30:00

`source_health` holds one row per workspace and source (bot/storage/health_models.py):
consecutive failed syncs, the last attempt and success, the last error (one redacted
line), and the Slack message of the open alert so a recovery edits it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010_source_health'
down_revision = '0009_reference_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_health',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_error_kind', sa.String(length=32), nullable=True),
    sa.Column('last_fetched', sa.Integer(), nullable=False),
    sa.Column('last_quarantined', sa.Integer(), nullable=False),
    sa.Column('alert_period', sa.String(length=64), nullable=True),
    sa.Column('alert_reason', sa.String(length=48), nullable=True),
    sa.Column('alert_channel', sa.String(length=32), nullable=True),
    sa.Column('alert_ts', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_health')),
    sa.UniqueConstraint('workspace_id', 'source', name=op.f('uq_source_health_workspace_id_source'))
    )


def downgrade() -> None:
    op.drop_table('source_health')
