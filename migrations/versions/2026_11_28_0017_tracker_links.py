"""tracker_links: issues in Jira or Linear linked to themes, triggers and actions

Revision ID: 0017_tracker_links
Revises: 0016_workspace_settings
Create Date: 2026-11-28 01:00:00

Issue 17 (bot/storage/tracker_models.py). At most one open link per subject: a partial
unique index (`WHERE is_open`), which SQLite and PostgreSQL both enforce.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017_tracker_links'
down_revision = '0016_workspace_settings'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('tracker_links',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_key', sa.String(length=200), nullable=False),
    sa.Column('subject_title', sa.String(length=300), nullable=False),
    sa.Column('tracker', sa.String(length=16), nullable=False),
    sa.Column('issue_id', sa.String(length=100), nullable=True),
    sa.Column('issue_key', sa.String(length=100), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=100), nullable=False),
    sa.Column('status_category', sa.String(length=16), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('poll_error', sa.String(length=300), nullable=True),
    sa.CheckConstraint("subject_kind IN ('theme', 'trigger', 'action')", name=op.f('ck_tracker_links_subject_kind')),
    sa.CheckConstraint("tracker IN ('jira', 'linear')", name=op.f('ck_tracker_links_tracker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracker_links'))
    )
    op.create_index('ix_tracker_links_subject', 'tracker_links', ['workspace_id', 'subject_kind', 'subject_key'],
                    unique=False)
    op.create_index('uq_tracker_links_open_subject', 'tracker_links', ['workspace_id', 'subject_kind', 'subject_key'],
                    unique=True, sqlite_where=sa.text('is_open'), postgresql_where=sa.text('is_open'))
    op.create_index('ix_tracker_links_open_polled', 'tracker_links', ['is_open', 'last_polled_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tracker_links_open_polled', table_name='tracker_links')
    op.drop_index('uq_tracker_links_open_subject', table_name='tracker_links')
    op.drop_index('ix_tracker_links_subject', table_name='tracker_links')
    op.drop_table('tracker_links')
