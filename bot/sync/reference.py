"""Sync a source's reference data (agents, groups, organizations, brands, contact links) after its tickets.

Each page's references commit with their checkpoint, like ticket pages. Names
are a convenience, not the data: a source whose token may not read agents or
companies (a missing scope) still syncs its tickets; the failure is logged and
those ids read as ids until it is fixed.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.storage.base import utcnow
from bot.storage.reference import contact_organizations, link_organizations, upsert_references
from bot.storage.tickets import save_checkpoint
from integrations.base import Checkpoint, SourceAuthError, SourceFatalError, TicketPage

log = logging.getLogger(__name__)
LINKS_STREAM = "ref_links"


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass
class ReferenceResult:
    written: int = 0
    linked: int = 0
    error: str | None = None


def sync_references(
    adapter: object,
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    checkpoints: Mapping[str, Checkpoint],
    start: datetime,
) -> ReferenceResult:
    """Run the adapter's `reference_pages` (when it has them) and link tickets to organizations."""
    result = ReferenceResult()
    pages = getattr(adapter, "reference_pages", None)
    if pages is None:
        return result
    source = getattr(adapter, "name", "?")
    try:
        for page in pages(checkpoints, start=start):
            with session_factory.begin() as session:
                result.written += upsert_references(session, workspace_id=workspace_id, source=source,
                                                    references=page.references)
                if page.checkpoint is not None:
                    save_checkpoint(session, workspace_id=workspace_id, checkpoint=page.checkpoint)
    except (SourceAuthError, SourceFatalError) as error:
        result.error = str(error)
        log.warning("%s: reference data not synced, ids show instead of names (%s)", source, error)
    # Incremental: only requesters whose contact link was written since the last pass began (the first pass,
    # or one after a backfill, looks at every ticket without an organization).
    saved = checkpoints.get(LINKS_STREAM)
    since = _instant(saved.value.get("since")) if saved is not None else None
    with session_factory.begin() as session:
        began = utcnow()
        result.linked = link_organizations(session, workspace_id=workspace_id, source=source, contacts_since=since)
        save_checkpoint(session, workspace_id=workspace_id,
                        checkpoint=Checkpoint(source, LINKS_STREAM, {"since": began.isoformat()}))
    if result.written or result.linked:
        log.info("%s: %d reference record(s) updated, %d ticket(s) linked to organizations",
                 source, result.written, result.linked)
    return result


def with_linked_organizations(session_factory: sessionmaker, *, workspace_id: str, page: TicketPage) -> TicketPage:
    """The page with each ticket that names no organization given its requester's (Intercom contact → company).

    Before storing, so an updated conversation keeps the company `link_organizations` gave it instead of
    losing it until the end of the sync (and touching its whole life twice).
    """
    missing = {t.requester for t in page.tickets if t.organization is None and t.requester}
    if not missing:
        return page
    with session_factory() as session:
        links = contact_organizations(session, workspace_id=workspace_id, source=page.checkpoint.source,
                                      contacts=missing)
    if not links:
        return page
    tickets = tuple(dataclasses.replace(t, organization=links[t.requester])
                    if t.organization is None and t.requester in links else t for t in page.tickets)
    return dataclasses.replace(page, tickets=tickets)
