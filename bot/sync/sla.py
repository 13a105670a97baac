"""Sync a source's SLA targets (Zendesk ticket metric events) after its tickets.

Each page's targets commit with their checkpoint, like ticket pages. A failure here is
logged and leaves the tickets synced: SLA compliance then lags, nothing else does.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.storage.tickets import apply_sla_signals, save_checkpoint
from integrations.base import Checkpoint, SourceAuthError

log = logging.getLogger(__name__)


def sync_sla(adapter: object, *, session_factory: sessionmaker, workspace_id: str,
             checkpoints: Mapping[str, Checkpoint], start: datetime) -> int:
    """Run the adapter's `sla_pages` when it has them; the number of tickets whose targets changed."""
    pages = getattr(adapter, "sla_pages", None)
    if pages is None:
        return 0
    source = getattr(adapter, "name", "?")
    changed = 0
    try:
        for page in pages(checkpoints, start=start):
            with session_factory.begin() as session:
                changed += apply_sla_signals(session, workspace_id=workspace_id, source=source, signals=page.signals)
                save_checkpoint(session, workspace_id=workspace_id, checkpoint=page.checkpoint)
    except SourceAuthError as error:  # the export needs an admin token; tickets sync without it
        log.warning("%s: SLA targets not synced: the token may not read ticket metric events (%s)", source, error)
    except Exception as error:  # noqa: BLE001 - SLA events must not fail the source's tickets
        log.warning("%s: SLA targets not synced, SLA compliance may lag (%s)", source, type(error).__name__)
    if changed:
        log.info("%s: SLA targets updated on %d ticket(s)", source, changed)
    return changed
