"""Store functions for per-workspace settings and their history. They never commit; every query names
its workspace."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.storage.workspace_models import SettingsChange
from bot.storage.workspace_settings_models import WorkspaceSettings


def get_settings(session: Session, *, workspace_id: str, for_update: bool = False) -> WorkspaceSettings | None:
    """The workspace's overrides; `for_update` locks the row until the transaction ends, so concurrent
    writers of one workspace's settings take turns instead of retrying."""
    if for_update and session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE and reads outside a write transaction, so a writer could read a version
        # another is about to replace. A write that changes nothing takes the database's write lock first
        # (waiting out busy_timeout like any writer), and the read below is then the latest.
        table = WorkspaceSettings.__table__
        session.execute(update(table).where(table.c.workspace_id == workspace_id).values(version=table.c.version))
    return session.get(WorkspaceSettings, workspace_id, with_for_update=for_update)


def save_settings(session: Session, row: WorkspaceSettings) -> WorkspaceSettings:
    session.add(row)
    session.flush()
    return row


def recent_changes(session: Session, *, workspace_id: str, limit: int) -> Sequence[SettingsChange]:
    """One workspace's setting changes, newest first."""
    return session.scalars(select(SettingsChange).where(SettingsChange.workspace_id == workspace_id)
                           .order_by(SettingsChange.at.desc(), SettingsChange.id.desc()).limit(limit)).all()
