"""Store functions for per-workspace integration credentials (Jira, Linear, HubSpot). They never commit.

Every query names its workspace, except `with_secrets`, which only `secrets rotate` uses.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.integration_models import IntegrationCredential


def get(session: Session, *, workspace_id: str, kind: str) -> IntegrationCredential | None:
    return session.scalars(select(IntegrationCredential).where(
        IntegrationCredential.workspace_id == workspace_id, IntegrationCredential.kind == kind)).one_or_none()


def listed(session: Session, *, workspace_id: str | None = None) -> Sequence[IntegrationCredential]:
    """One workspace's credentials, or (operators, `workspace_id=None`) every workspace's, in a stable order."""
    query = select(IntegrationCredential).order_by(IntegrationCredential.workspace_id, IntegrationCredential.kind)
    if workspace_id is not None:
        query = query.where(IntegrationCredential.workspace_id == workspace_id)
    return session.scalars(query).all()


def add(session: Session, credential: IntegrationCredential) -> IntegrationCredential:
    session.add(credential)
    session.flush()
    return credential


def remove(session: Session, credential: IntegrationCredential) -> None:
    session.delete(credential)
    session.flush()


def delete_workspace(session: Session, *, workspace_id: str) -> int:
    """Every credential of one workspace (an uninstall); how many."""
    result = session.execute(delete(IntegrationCredential).where(IntegrationCredential.workspace_id == workspace_id))
    session.flush()
    return result.rowcount or 0


def with_secrets(session: Session) -> Sequence[IntegrationCredential]:
    """Every stored credential, across workspaces: only for re-encrypting them all (`secrets rotate`)."""
    return session.scalars(select(IntegrationCredential).order_by(IntegrationCredential.id)).all()
