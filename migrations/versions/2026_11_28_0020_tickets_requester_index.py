"""tickets: index on (workspace_id, requester)

Revision ID: 0020_tickets_requester_index
Revises: 0019_integration_credentials
Create Date: 2026-11-28 12:30:00

Issue 16 leftovers: the reference pass that gives tickets their requester's organization (Intercom contact →
company, bot/storage/reference.py `_link`) looks tickets up by requester, a chunk of requesters at a time;
without an index each chunk read every ticket of the workspace.
"""
from __future__ import annotations

from alembic import op


revision = '0020_tickets_requester_index'
down_revision = '0019_integration_credentials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tickets_workspace_requester', 'tickets', ['workspace_id', 'requester'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_workspace_requester', table_name='tickets')
