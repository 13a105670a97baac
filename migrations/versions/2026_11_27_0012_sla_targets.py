"""SLA targets on tickets (reserved)

Revision ID: 0012_sla_targets
Revises: 0011_mutes
Create Date: 2026-11-27 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once this revision gets its operations
from alembic import op  # noqa: F401


revision = '0012_sla_targets'
down_revision = '0011_mutes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can land in any order; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
