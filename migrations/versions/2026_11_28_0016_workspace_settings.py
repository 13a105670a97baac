"""workspace_settings: one document of TOML-shaped setting overrides per workspace, with a version

Revision ID: 0016_workspace_settings
Revises: 0015_slack_token_ciphertext
Create Date: 2026-11-28 00:30:00

Issue 16 (bot/storage/workspace_settings_models.py). A workspace without a row uses the
TOML file's settings, so a TOML-only install behaves exactly as before. The history of
changes is the existing `settings_changes` table (0014).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0016_workspace_settings'
down_revision = '0015_slack_token_ciphertext'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('workspace_settings',
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('overrides', JSON, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.team_id'],
                            name=op.f('fk_workspace_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_workspace_settings'))
    )


def downgrade() -> None:
    op.drop_table('workspace_settings')
