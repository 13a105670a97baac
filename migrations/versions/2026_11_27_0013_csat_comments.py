"""CSAT comments on tickets (redacted; empty when subjects are not stored)

Revision ID: 0013_csat_comments
Revises: 0012_sla_targets
Create Date: 2026-11-27 22:00:00

Tickets already stored get their comment when the sync reads them again (the comment is redacted on
the way in, which a migration cannot do without loading the themes package): no backfill here.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013_csat_comments'
down_revision = '0012_sla_targets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("csat_comment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("csat_comment")
