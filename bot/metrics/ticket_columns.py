"""Ticket facts of a workspace loaded into the numpy columns the rollups compute from.

The SQL lives in `bot/storage/metrics.py` (`iter_fact_rows`, `lookback_rows`); the column building in
`bot.metrics.facts`. This module joins the two, so storage imports no metrics code.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics.columns import ColumnsBuilder
from bot.metrics.facts import TicketColumns
from bot.metrics.settings import RollupSettings
from bot.storage.metrics import iter_fact_rows, lookback_rows
from bot.storage.reference import with_reference_ids


def load_ticket_columns(session: Session, *, workspace_id: str, settings: RollupSettings,
                        lookback_from_at: datetime | None = None, **filters: Any) -> TicketColumns:
    """Facts of the tickets `filters` select; with `lookback_from_at` (and `relevant_since_at`), also the
    slim repeat-contact history: tickets created from then until `relevant_since_at` that the full query
    leaves out (solved before it and not open again)."""
    # Names in the config (high-value accounts, `group:Payments` product areas) also match the ids tickets carry.
    segments = with_reference_ids(session, workspace_id=workspace_id, segments=settings.segments)
    builder = ColumnsBuilder(settings if segments is settings.segments else dataclasses.replace(settings, segments=segments))
    outbound = settings.definitions.include_outbound
    for part in iter_fact_rows(session, workspace_id=workspace_id, include_outbound=outbound, **filters):
        builder.add(part)
    since_at = filters.get("relevant_since_at")
    if lookback_from_at is not None and since_at is not None:
        builder.add_lookback(lookback_rows(session, workspace_id=workspace_id, start_at=lookback_from_at,
                                           since_at=since_at, include_outbound=outbound))
    return builder.build()
