"""Reference data: store what vendor ids stand for, and resolve ids to names when read.

One resolver for every reader (`display_names`): Slack messages, `/metrics`,
CLI tables and JSON segments all show the name a source reports today, so a
renamed group reads with its new name on old days too. A value with no
reference row (CSV imports store names already, and ids a source never
listed) reads as itself. Store functions never commit.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.storage.base import utcnow
from bot.storage.crm import high_value_organizations
from bot.storage.models import TicketRow, TicketTouch
from bot.storage.reference_models import ReferenceEntity
from integrations.reference import Reference

# Segment dimensions (and ticket fields) whose values are vendor ids for API sources.
DIMENSION_KINDS: Mapping[str, str] = {"group": "group", "agent": "agent", "assignee": "agent",
                                      "organization": "organization", "brand": "brand"}
_CHUNK = 500
_FIELDS = ("name", "email", "role", "active", "domains", "organization_id")


def upsert_references(session: Session, *, workspace_id: str, source: str, references: Sequence[Reference]) -> int:
    """Insert or update references keyed on (workspace, source, kind, id); the last of a batch wins.

    Returns how many rows were written (new or changed). A field the vendor left out (None) keeps
    what was stored: a sideload without emails must not erase the emails a list gave.
    """
    latest: dict[tuple[str, str], Reference] = {(r.kind, r.external_id): r for r in references}
    if not latest:
        return 0
    written = 0
    by_kind: dict[str, list[str]] = {}
    for kind, key in latest:
        by_kind.setdefault(kind, []).append(key)
    for kind, keys in by_kind.items():
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            rows = {row.external_id: row for row in session.scalars(select(ReferenceEntity).where(
                ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.source == source,
                ReferenceEntity.kind == kind, ReferenceEntity.external_id.in_(chunk)))}
            for key in chunk:
                ref = latest[(kind, key)]
                values = {"name": ref.name, "email": ref.email, "role": ref.role, "active": ref.active,
                          "domains": list(ref.domains) or None, "organization_id": ref.organization_id}
                row = rows.get(key)
                if row is None:
                    values["domains"] = values["domains"] or []
                    session.add(ReferenceEntity(workspace_id=workspace_id, source=source, kind=kind,
                                                external_id=key, **values))
                    written += 1
                    continue
                changed = False
                for name, value in values.items():
                    if value is not None and getattr(row, name) != value:
                        setattr(row, name, value)
                        changed = True
                if kind == "contact" and row.organization_id != ref.organization_id:
                    row.organization_id, changed = ref.organization_id, True  # a contact that left its company
                written += changed
    session.flush()
    return written


def _rows(session: Session, workspace_id: str, kind: str, keys: Sequence[str]) -> list[ReferenceEntity]:
    out: list[ReferenceEntity] = []
    for start in range(0, len(keys), _CHUNK):
        out += session.scalars(select(ReferenceEntity).where(
            ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.kind == kind,
            ReferenceEntity.external_id.in_(keys[start:start + _CHUNK])).order_by(ReferenceEntity.source))
    return out


def display_names(session: Session, *, workspace_id: str, dimension: str, ids: Iterable[str | None]) -> dict[str, str]:
    """id → display name for the values of one dimension; values without a named reference map to themselves.

    Dimensions without reference data (channel, priority, product area …) map every value to itself.
    """
    keys = sorted({str(i) for i in ids if i not in (None, "")})
    names = {k: k for k in keys}
    kind = DIMENSION_KINDS.get(dimension)
    if kind is None or not keys:
        return names
    for row in _rows(session, workspace_id, kind, keys):
        if row.name and names[row.external_id] == row.external_id:  # the first source to name it wins
            names[row.external_id] = row.name
    return names


def display_name(session: Session, *, workspace_id: str, dimension: str, value: str | None) -> str:
    if value in (None, ""):
        return ""
    return display_names(session, workspace_id=workspace_id, dimension=dimension, ids=[value])[str(value)]


def agent_keys_for_email(session: Session, *, workspace_id: str, email: str) -> list[str]:
    """The assignee values (vendor ids) of the agents synced with this email, in every source."""
    if not email:
        return []
    return list(session.scalars(select(ReferenceEntity.external_id).where(
        ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.kind == "agent",
        func.lower(ReferenceEntity.email) == email.lower())))


def organization_keys(session: Session, *, workspace_id: str, names: Iterable[str]) -> set[str]:
    """Organization ids whose name or one of whose domains is among `names` (case-insensitive).

    High-value accounts are configured by name or domain (`acme.com`); tickets of API sources carry ids.
    """
    wanted = {n.strip().lower().removeprefix("www.") for n in names if n and n.strip()}
    if not wanted:
        return set()
    out: set[str] = set()
    rows = session.execute(select(ReferenceEntity.external_id, ReferenceEntity.name, ReferenceEntity.domains).where(
        ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.kind == "organization"))
    for key, name, domains in rows:
        if (name or "").lower() in wanted or any(str(d).lower() in wanted for d in domains or ()):
            out.add(key)
    return out


def link_organizations(session: Session, *, workspace_id: str, source: str,
                       contacts_since: datetime | None = None) -> int:
    """Fill `organization` of the source's tickets from their requester's contact link (Intercom contact → company).

    Only tickets without an organization of their own, whose link now says otherwise; the earliest
    creation among them is recorded as touched, so the next incremental rollup recomputes from there.
    With `contacts_since`, only the requesters whose link was written since then are looked at (tickets
    stored later got their link on the way in: bot/sync/reference.py), and none at all when no link moved.
    """
    contact = (ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.source == source,
               ReferenceEntity.kind == "contact")
    if contacts_since is not None:
        moved = [key for (key,) in session.execute(select(ReferenceEntity.external_id).where(
            *contact, ReferenceEntity.updated_at >= contacts_since, ReferenceEntity.organization_id.is_not(None)))]
        if not moved:
            return 0
        return sum(_link(session, workspace_id, source, contact, moved[start:start + _CHUNK])
                   for start in range(0, len(moved), _CHUNK))
    return _link(session, workspace_id, source, contact, None)


def _link(session: Session, workspace_id: str, source: str, contact: tuple, requesters: list[str] | None) -> int:
    link = select(ReferenceEntity.organization_id).where(
        *contact, ReferenceEntity.external_id == TicketRow.requester).scalar_subquery()
    pending = select(TicketRow.id, TicketRow.created_at).where(
        TicketRow.workspace_id == workspace_id, TicketRow.source == source, TicketRow.organization.is_(None),
        TicketRow.requester.is_not(None) if requesters is None else TicketRow.requester.in_(requesters),
        link.is_not(None))
    rows = session.execute(pending).all()
    if not rows:
        return 0
    now = utcnow()
    ids = [r.id for r in rows]
    for start in range(0, len(ids), _CHUNK):
        session.execute(update(TicketRow).where(TicketRow.id.in_(ids[start:start + _CHUNK]))
                        .values(organization=link, changed_at=now).execution_options(synchronize_session=False))
    first: datetime = min(r.created_at for r in rows)
    session.add(TicketTouch(workspace_id=workspace_id, touched_at=first, recorded_at=now))
    session.flush()
    return len(ids)


def segment_names(session: Session, *, workspace_id: str,
                  pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(dimension, segment) → display name, for a batch of stored segments (triggers, actions, days)."""
    by_dim: dict[str, set[str]] = {}
    for dim, seg in pairs:
        if dim and seg:
            by_dim.setdefault(dim, set()).add(seg)
    out: dict[tuple[str, str], str] = {}
    for dim, segs in by_dim.items():
        for seg, name in display_names(session, workspace_id=workspace_id, dimension=dim, ids=segs).items():
            out[(dim, seg)] = name
    return out


def named_text(text: str, dimension: str, segment: str, name: str) -> str:
    """A stored explanation ("… for group 101 …", as the rollup writes it) with the segment's name instead."""
    if not text or name == segment:
        return text
    where = dimension.replace("_", " ")
    return text.replace(f"{where} {segment}", f"{where} {name}")


def ids_for_names(session: Session, *, workspace_id: str, dimension: str, names: Iterable[str]) -> set[str]:
    """Vendor ids whose name is among `names` (case-insensitive): rules and filters written with names."""
    kind = DIMENSION_KINDS.get(dimension)
    wanted = {n.lower() for n in names if n}
    if kind is None or not wanted:
        return set()
    rows = session.execute(select(ReferenceEntity.external_id, ReferenceEntity.name).where(
        ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.kind == kind,
        func.lower(ReferenceEntity.name).in_(sorted(wanted))))
    return {key for key, _ in rows}


def with_reference_ids(session: Session, *, workspace_id: str, segments: Any) -> Any:
    """`SegmentSettings` whose names also match ids: high-value accounts by name or domain, and product-area
    `field:value` matches naming a group, organization or agent ("group:Payments", "organization:acme.com",
    "assignee:ann@example.com") — API sources' tickets carry the vendor's ids."""
    hv = set(segments.high_value_orgs)
    hv |= organization_keys(session, workspace_id=workspace_id, names=hv) if hv else set()
    hv |= high_value_organizations(session, workspace_id=workspace_id)  # the [crm] high_value rule (bot/crm)
    areas = []
    for area in segments.product_areas:
        extra: list[str] = []
        for match in area.match:
            field, sep, value = match.partition(":")
            if not sep or field not in ("group", "organization", "assignee"):
                continue
            if field == "organization":
                ids = organization_keys(session, workspace_id=workspace_id, names=[value])
            elif field == "assignee" and "@" in value:
                ids = set(agent_keys_for_email(session, workspace_id=workspace_id, email=value))
            else:
                ids = ids_for_names(session, workspace_id=workspace_id, dimension=field, names=[value])
            extra += [f"{field}:{key}" for key in sorted(ids) if f"{field}:{key}" not in area.match]
        areas.append(dataclasses.replace(area, match=(*area.match, *extra)) if extra else area)
    if hv == set(segments.high_value_orgs) and areas == list(segments.product_areas):
        return segments
    return dataclasses.replace(segments, high_value_orgs=frozenset(hv), product_areas=tuple(areas))


def segment_key(session: Session, *, workspace_id: str, dimension: str, value: str) -> str:
    """The stored segment for what a person typed: the id when exactly one reference has that name, else as typed."""
    if not value:
        return value
    ids = ids_for_names(session, workspace_id=workspace_id, dimension=dimension, names=[value])
    return next(iter(ids)) if len(ids) == 1 else value


def contact_organizations(session: Session, *, workspace_id: str, source: str, contacts: Iterable[str]) -> dict[str, str]:
    """contact id → organization id, for the contacts of one source that have a link."""
    keys = sorted(set(contacts))
    out: dict[str, str] = {}
    for start in range(0, len(keys), _CHUNK):
        out.update(session.execute(select(ReferenceEntity.external_id, ReferenceEntity.organization_id).where(
            ReferenceEntity.workspace_id == workspace_id, ReferenceEntity.source == source,
            ReferenceEntity.kind == "contact", ReferenceEntity.external_id.in_(keys[start:start + _CHUNK]),
            ReferenceEntity.organization_id.is_not(None))).tuples().all())
    return out
