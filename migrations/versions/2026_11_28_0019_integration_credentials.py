"""integration_credentials: per-workspace Jira, Linear and HubSpot credentials, encrypted

Revision ID: 0019_integration_credentials
Revises: 0018_crm_companies
Create Date: 2026-11-28 01:40:00

Issue 17 on issue 16's store (bot/storage/integration_models.py): one set per workspace and kind, the
secret as Fernet ciphertext.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0019_integration_credentials'
down_revision = '0018_crm_companies'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('integration_credentials',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('secret_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('jira', 'linear', 'hubspot')", name=op.f('ck_integration_credentials_kind')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.team_id'],
                            name=op.f('fk_integration_credentials_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_credentials')),
    sa.UniqueConstraint('workspace_id', 'kind', name=op.f('uq_integration_credentials_workspace_id_kind'))
    )


def downgrade() -> None:
    op.drop_table('integration_credentials')
