"""source health, SLA targets, CSAT comments (reserved)

Revision ID: 0010_source_health
Revises: 0009_reference_data
Create Date: 2026-11-27 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once this revision gets its operations
from alembic import op  # noqa: F401


revision = '0010_source_health'
down_revision = '0009_reference_data'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can land in any order; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
