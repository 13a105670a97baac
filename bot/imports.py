"""CSV import service: parse, upsert in batches, quarantine bad rows. Owns its transactions."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from integrations.base import Ticket
from integrations.csv_import import CsvMapping, RowError, read_file
from bot.storage.tickets import UpsertResult, quarantine, upsert_tickets

log = logging.getLogger(__name__)
BATCH = 2000


@dataclass
class ImportSummary:
    rows: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)
    errors: list[RowError] = field(default_factory=list)


def import_tickets(
    rows: Iterable[Ticket | RowError],
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    source: str,
    store_subject: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary()
    batch: list[Ticket] = []
    errors: list[RowError] = []

    def flush() -> None:
        with session_factory.begin() as session:
            summary.result += upsert_tickets(
                session, workspace_id=workspace_id, tickets=batch, store_subject=store_subject
            )
            for error in errors:
                quarantine(
                    session, workspace_id=workspace_id, source=source,
                    external_id=error.external_id, reason=str(error), raw=None,
                )
        summary.errors.extend(errors)
        if progress:
            progress(len(batch) + len(errors))
        batch.clear()
        errors.clear()

    for item in rows:
        summary.rows += 1
        (errors if isinstance(item, RowError) else batch).append(item)  # type: ignore[arg-type]
        if len(batch) + len(errors) >= BATCH:
            flush()
    if batch or errors:
        flush()
    for error in summary.errors:
        log.warning("csv row skipped: %s", error)  # line, id and reason only: no ticket text
    return summary


def import_csv_file(
    path: Path,
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    source: str = "csv",
    mapping: CsvMapping | None = None,
    store_subject: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    return import_tickets(
        read_file(path, source=source, mapping=mapping),
        session_factory=session_factory,
        workspace_id=workspace_id,
        source=source,
        store_subject=store_subject,
        progress=progress,
    )
