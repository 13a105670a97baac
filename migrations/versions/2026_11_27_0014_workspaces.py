"""workspaces, their helpdesk sources (credentials as ciphertext) and a history of setting changes

Revision ID: 0014_workspaces
Revises: 0013_csat_comments
Create Date: 2026-11-27 23:00:00

Issue 16's foundation (bot/storage/workspace_models.py). Nothing reads these tables
for syncs or rituals yet: a TOML-only install behaves exactly as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0014_workspaces'
down_revision = '0013_csat_comments'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('workspaces',
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_workspaces'))
    )
    op.create_table('helpdesk_sources',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('secret_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("type IN ('zendesk', 'freshdesk', 'intercom', 'csv')", name=op.f('ck_helpdesk_sources_type')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.team_id'],
                            name=op.f('fk_helpdesk_sources_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_sources')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_helpdesk_sources_workspace_id_name'))
    )
    op.create_table('settings_changes',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('old', JSON, nullable=True),
    sa.Column('new', JSON, nullable=True),
    sa.Column('who', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.team_id'],
                            name=op.f('fk_settings_changes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_changes'))
    )
    op.create_index('ix_settings_changes_workspace_at', 'settings_changes', ['workspace_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_settings_changes_workspace_at', table_name='settings_changes')
    op.drop_table('settings_changes')
    op.drop_table('helpdesk_sources')
    op.drop_table('workspaces')
