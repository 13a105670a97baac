"""metric watermarks for incremental rollups

Revision ID: 0002_metric_watermarks
Revises: 0001
Create Date: 2026-11-22 11:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_metric_watermarks"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_watermarks",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("changed_through_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("computed_through", sa.Date(), nullable=True),
        sa.Column("full_rebuild_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_metric_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("metric_watermarks")
