"""slack request replay guard (reserved)

Revision ID: 0007_request_replay
Revises: 0006_series_state
Create Date: 2026-11-27 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once this revision gets its operations
from alembic import op  # noqa: F401


revision = '0007_request_replay'
down_revision = '0006_series_state'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can land in any order; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
