"""crm_companies, crm_matches: HubSpot companies and the helpdesk organizations they match

Revision ID: 0018_crm_companies
Revises: 0017_tracker_links
Create Date: 2026-11-28 01:30:00

Issue 17 (bot/storage/crm_models.py): account value, tier, lifecycle and owner from the CRM, matched to
helpdesk organizations by domain, then by normalized name.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = '0018_crm_companies'
down_revision = '0017_tracker_links'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('crm_companies',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('crm', sa.String(length=16), nullable=False),
    sa.Column('crm_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=254), nullable=False),
    sa.Column('domain', sa.String(length=254), nullable=True),
    sa.Column('normalized_name', sa.String(length=254), nullable=False),
    sa.Column('properties', _JSON, nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('tier', sa.String(length=100), nullable=True),
    sa.Column('lifecycle', sa.String(length=100), nullable=True),
    sa.Column('owner_id', sa.String(length=64), nullable=True),
    sa.Column('owner_email', sa.String(length=254), nullable=True),
    sa.Column('owner_name', sa.String(length=254), nullable=True),
    sa.Column('high_value', sa.Boolean(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_companies')),
    sa.UniqueConstraint('workspace_id', 'crm', 'crm_id', name=op.f('uq_crm_companies_workspace_id_crm_crm_id'))
    )
    op.create_index('ix_crm_companies_normalized', 'crm_companies', ['workspace_id', 'normalized_name'], unique=False)
    op.create_table('crm_matches',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('organization', sa.String(length=254), nullable=False),
    sa.Column('organization_name', sa.String(length=254), nullable=False),
    sa.Column('crm_id', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('domain', 'name')", name=op.f('ck_crm_matches_method')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_matches')),
    sa.UniqueConstraint('workspace_id', 'organization', name=op.f('uq_crm_matches_workspace_id_organization'))
    )
    op.create_index('ix_crm_matches_company', 'crm_matches', ['workspace_id', 'crm_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_crm_matches_company', table_name='crm_matches')
    op.drop_table('crm_matches')
    op.drop_index('ix_crm_companies_normalized', table_name='crm_companies')
    op.drop_table('crm_companies')
