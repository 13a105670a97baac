"""Store functions for CRM companies and their matches to helpdesk organizations (never commit).

Every query is scoped by workspace. `high_value_organizations` is what the account-tier segment and
account risk read; `accounts` gives account risk each organization's value and CS owner.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.storage.base import utcnow
from bot.storage.crm_models import CrmCompany, CrmMatch
from bot.storage.models import QuarantinedRecord, TicketRow, TicketTouch
from bot.storage.reference_models import ReferenceEntity


@dataclass(frozen=True, slots=True)
class Account:
    crm_id: str
    name: str
    value: float | None
    tier: str | None
    lifecycle: str | None
    owner_name: str | None
    owner_email: str | None
    high_value: bool
    method: str


def save_companies(session: Session, *, workspace_id: str, rows: Sequence[dict[str, Any]], synced_at: datetime,
                   crm: str = "hubspot") -> int:
    """Upsert this full sync's companies (each row: CrmCompany's columns) and drop those HubSpot no longer has."""
    existing = {c.crm_id: c for c in session.scalars(select(CrmCompany).where(
        CrmCompany.workspace_id == workspace_id, CrmCompany.crm == crm))}
    seen = set()
    for row in rows:
        seen.add(row["crm_id"])
        company = existing.get(row["crm_id"])
        if company is None:
            session.add(CrmCompany(workspace_id=workspace_id, crm=crm, synced_at=synced_at, **row))
        else:
            for key, value in row.items():
                setattr(company, key, value)
            company.synced_at = synced_at
    gone = [key for key in existing if key not in seen]
    if gone:
        session.execute(delete(CrmCompany).where(CrmCompany.workspace_id == workspace_id, CrmCompany.crm == crm,
                                                 CrmCompany.crm_id.in_(gone)))
    session.flush()
    return len(rows)


def quarantine(session: Session, *, workspace_id: str, records: Iterable[tuple[str | None, str, Any]]) -> int:
    count = 0
    for external_id, reason, raw in records:
        session.add(QuarantinedRecord(workspace_id=workspace_id, source="hubspot", external_id=external_id,
                                      reason=reason, raw=raw if isinstance(raw, dict) else {"value": repr(raw)[:500]}))
        count += 1
    session.flush()
    return count


def companies(session: Session, *, workspace_id: str) -> list[CrmCompany]:
    return list(session.scalars(select(CrmCompany).where(CrmCompany.workspace_id == workspace_id)
                                .order_by(CrmCompany.name, CrmCompany.crm_id)))


def organizations(session: Session, *, workspace_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(key, name, domains) of every helpdesk organization: synced ones, and names only tickets carry (CSV)."""
    out: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for key, name, domains in session.execute(select(
            ReferenceEntity.external_id, ReferenceEntity.name, ReferenceEntity.domains).where(
            ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.kind == "organization")):
        out.setdefault(key, (key, name or key, tuple(str(d) for d in domains or ())))
    for (key,) in session.execute(select(TicketRow.organization).where(
            TicketRow.workspace_id == workspace_id, TicketRow.organization.is_not(None)).distinct()):
        if key and key not in out:
            out[key] = (key, key, ())
    return sorted(out.values(), key=lambda o: (o[1].lower(), o[0]))


def replace_matches(session: Session, *, workspace_id: str, matches: Iterable[Any], now: datetime) -> int:
    session.execute(delete(CrmMatch).where(CrmMatch.workspace_id == workspace_id))
    count = 0
    for m in matches:
        session.add(CrmMatch(workspace_id=workspace_id, organization=m.organization[:254],
                             organization_name=(m.organization_name or "")[:254], crm_id=m.crm_id,
                             method=m.method, matched_at=now))
        count += 1
    session.flush()
    return count


def high_value_organizations(session: Session, *, workspace_id: str) -> set[str]:
    """Organization keys matched to a company the `[crm] high_value` rule judged high-value."""
    return set(session.scalars(select(CrmMatch.organization).join(CrmCompany, (
        CrmCompany.workspace_id == CrmMatch.workspace_id) & (CrmCompany.crm_id == CrmMatch.crm_id)).where(
        CrmMatch.workspace_id == workspace_id, CrmCompany.high_value.is_(True))))


def accounts(session: Session, *, workspace_id: str, organizations: Iterable[str]) -> dict[str, Account]:
    """Organization key → its CRM account, for the organizations that matched one."""
    keys = sorted({o for o in organizations if o})
    if not keys:
        return {}
    rows = session.execute(select(CrmMatch.organization, CrmMatch.method, CrmCompany).join(CrmCompany, (
        CrmCompany.workspace_id == CrmMatch.workspace_id) & (CrmCompany.crm_id == CrmMatch.crm_id)).where(
        CrmMatch.workspace_id == workspace_id, CrmMatch.organization.in_(keys)))
    return {org: Account(c.crm_id, c.name, c.value, c.tier, c.lifecycle, c.owner_name, c.owner_email,
                         c.high_value, method) for org, method, c in rows}


def last_synced_at(session: Session, *, workspace_id: str) -> datetime | None:
    return session.scalar(select(func.max(CrmCompany.synced_at)).where(CrmCompany.workspace_id == workspace_id))


def touch_organizations(session: Session, *, workspace_id: str, organizations: Iterable[str]) -> None:
    """Days with tickets of these organizations need their rollups again (their account tier changed)."""
    keys = sorted(set(organizations))
    if not keys:
        return
    first = session.scalar(select(func.min(TicketRow.created_at)).where(
        TicketRow.workspace_id == workspace_id, TicketRow.organization.in_(keys)))
    if first is not None:
        session.add(TicketTouch(workspace_id=workspace_id, touched_at=first, recorded_at=utcnow()))
        session.flush()
