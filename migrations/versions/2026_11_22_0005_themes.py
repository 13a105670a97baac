"""themes

Revision ID: 0005_themes
Revises: 0004_ticket_touches
Create Date: 2026-11-22 11:26:19.041648
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005_themes'
down_revision = '0004_ticket_touches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('theme_vectors',
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'model', 'key', name=op.f('pk_theme_vectors'))
    )
    op.create_table('themes',
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('theme_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('embedder', sa.String(length=64), nullable=False),
    sa.Column('centroid', sa.LargeBinary(), nullable=False),
    sa.Column('key_phrases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('first_seen', sa.Date(), nullable=True),
    sa.Column('ticket_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('shown', sa.Boolean(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('representative', sa.Text(), nullable=True),
    sa.Column('product_area', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('weeks', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'theme_id', name=op.f('pk_themes'))
    )


def downgrade() -> None:
    op.drop_table('themes')
    op.drop_table('theme_vectors')
