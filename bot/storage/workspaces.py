"""Store functions for workspaces, their helpdesk sources and settings history. They never commit.

Every source query names its workspace: a source is found by (workspace, name), never by name alone.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.workspace_models import HelpdeskSource, SettingsChange, Workspace


def get_workspace(session: Session, *, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def list_workspaces(session: Session) -> Sequence[Workspace]:
    return session.scalars(select(Workspace).order_by(Workspace.team_id)).all()


def add_workspace(session: Session, workspace: Workspace) -> Workspace:
    session.add(workspace)
    session.flush()
    return workspace


def source_counts(session: Session) -> dict[str, int]:
    """Sources per workspace id."""
    from sqlalchemy import func

    rows = session.execute(select(HelpdeskSource.workspace_id, func.count()).group_by(HelpdeskSource.workspace_id))
    return {workspace_id: count for workspace_id, count in rows}


def get_source(session: Session, *, workspace_id: str, name: str) -> HelpdeskSource | None:
    return session.scalars(select(HelpdeskSource).where(
        HelpdeskSource.workspace_id == workspace_id, HelpdeskSource.name == name)).one_or_none()


def list_sources(session: Session, *, workspace_id: str | None = None) -> Sequence[HelpdeskSource]:
    """One workspace's sources, or (for operators, `workspace_id=None`) every workspace's, in a stable order."""
    query = select(HelpdeskSource).order_by(HelpdeskSource.workspace_id, HelpdeskSource.name)
    if workspace_id is not None:
        query = query.where(HelpdeskSource.workspace_id == workspace_id)
    return session.scalars(query).all()


def sources_with_secrets(session: Session) -> Sequence[HelpdeskSource]:
    """Every stored secret, across workspaces: only for re-encrypting them all (`secrets rotate`)."""
    return session.scalars(select(HelpdeskSource).where(HelpdeskSource.secret_ciphertext.is_not(None))
                           .order_by(HelpdeskSource.id)).all()


def add_source(session: Session, source: HelpdeskSource) -> HelpdeskSource:
    session.add(source)
    session.flush()
    return source


def remove_source(session: Session, source: HelpdeskSource) -> None:
    session.delete(source)
    session.flush()


def record_change(session: Session, change: SettingsChange) -> None:
    session.add(change)
    session.flush()


def list_changes(session: Session, *, workspace_id: str) -> Sequence[SettingsChange]:
    return session.scalars(select(SettingsChange).where(SettingsChange.workspace_id == workspace_id)
                           .order_by(SettingsChange.at, SettingsChange.id)).all()
