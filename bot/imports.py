"""CSV import service: parse, upsert in batches, quarantine bad rows. Owns its transactions.

A batch the database refuses is stored apart (as the sync does): each row it still refuses is
quarantined with its line and the database's reason, and the other rows import.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.storage.tickets import UpsertResult, quarantine, upsert_tickets
from bot.sync.service import SourceResult, refused_by_data, store_apart
from integrations.base import Ticket
from integrations.csv_import import CsvMapping, MappingError, RowError, RowNote, read_file_numbered

log = logging.getLogger(__name__)
BATCH = 2000


@dataclass
class ImportSummary:
    rows: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)


def import_tickets(
    rows: Iterable[tuple[int, Ticket | RowError | RowNote]],
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    source: str,
    store_subject: bool = True,
    progress: Callable[[int], None] | None = None,
    log_rows: bool = True,
) -> ImportSummary:
    """Import parsed rows, each with its line number (`read_file_numbered`).

    `log_rows=False` when the caller reports each bad row itself (the CLI prints them), so none shows twice.
    """
    batches = _Batches(session_factory, workspace_id, source, store_subject, progress)
    for line, item in rows:
        if isinstance(item, RowNote):
            batches.summary.notes.append(item)
            continue
        batches.summary.rows += 1
        if isinstance(item, RowError):
            batches.errors.append(item)
        else:
            batches.batch.append(item)
            batches.line_of[id(item.raw)] = line
        if len(batches.batch) + len(batches.errors) >= BATCH:
            batches.flush()
    if batches.batch or batches.errors:
        batches.flush()
    summary = batches.summary
    summary.errors.sort(key=lambda error: error.line)
    if log_rows:
        for error in summary.errors:
            log.warning("csv row skipped: %s", error)  # line, id and reason only: no ticket text
        for note in summary.notes:
            log.warning("csv row note: %s", note)
    return summary


class _Batches:
    """Tickets and bad rows of one batch, stored together (one transaction), into the running summary."""

    def __init__(self, session_factory: sessionmaker, workspace_id: str, source: str, store_subject: bool,
                 progress: Callable[[int], None] | None) -> None:
        self.session_factory, self.workspace_id, self.source = session_factory, workspace_id, source
        self.store_subject, self.progress = store_subject, progress
        self.summary = ImportSummary()
        self.batch: list[Ticket] = []
        self.line_of: dict[int, int] = {}  # id(ticket.raw) -> line: names a row the database refuses
        self.errors: list[RowError] = []

    def flush(self) -> None:
        workspace_id, source = self.workspace_id, self.source
        try:
            with self.session_factory.begin() as session:
                self.summary.result += upsert_tickets(
                    session, workspace_id=workspace_id, tickets=self.batch, store_subject=self.store_subject
                )
                _quarantine(session, workspace_id, source, self.errors)
        except Exception as error:
            if not refused_by_data(error):
                raise
            outcome, refused = store_apart(self.session_factory, workspace_id=workspace_id, tickets=self.batch,
                                           store_subject=self.store_subject)
            self.summary.result += outcome
            for problem in refused:
                self.errors.append(RowError(self.line_of.get(id(problem.raw), 0), problem.external_id, problem.reason))
            with self.session_factory.begin() as session:
                _quarantine(session, workspace_id, source, self.errors)
        self.summary.errors.extend(self.errors)
        if self.progress:
            self.progress(len(self.batch) + len(self.errors))
        self.batch.clear()
        self.line_of.clear()
        self.errors.clear()


def _quarantine(session, workspace_id: str, source: str, errors: Iterable[RowError]) -> None:
    for error in errors:
        quarantine(session, workspace_id=workspace_id, source=source,
                   external_id=error.external_id, reason=str(error), raw=None)


def import_csv_file(
    path: Path,
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    source: str = "csv",
    mapping: CsvMapping | None = None,
    store_subject: bool = True,
    progress: Callable[[int], None] | None = None,
    log_rows: bool = True,
) -> ImportSummary:
    return import_tickets(
        read_file_numbered(path, source=source, mapping=mapping),
        session_factory=session_factory,
        workspace_id=workspace_id,
        source=source,
        store_subject=store_subject,
        progress=progress,
        log_rows=log_rows,
    )


def sync_csv(planned, runtime, *, workspace_id: str | None = None):
    """Re-import a csv source's file (a planned source of `bot.sync.sources`, `runtime` the command's or a
    tenant's); the outcome as a `SourceResult`. The `sync` command, the worker's and the queue's sync jobs."""
    result = SourceResult(planned.name)
    began = time.monotonic()
    path = Path(planned.config.path or "")
    fix = planned.fix or f"check sources.{planned.name}.path"
    if not path.exists():
        result.error = f"{planned.name}: CSV file not found: {path} ({fix})"
        return result
    if not path.is_file():
        result.error = f"{planned.name}: {path} is not a file ({fix})"
        return result
    try:
        summary = import_csv_file(
            path,
            session_factory=runtime.session_factory(),
            workspace_id=workspace_id or runtime.workspace_id,
            source=planned.name,
            store_subject=runtime.settings.file.privacy.store_subject,
        )
    except MappingError as exc:  # the file as a whole (encoding, delimiter, columns): this source only
        result.error = f"{planned.name}: {path}: {exc}"
        return result
    except OSError as exc:  # no permission to read it, an I/O error: this source only, too
        result.error = f"{planned.name}: cannot read {path} ({exc.strerror or exc.__class__.__name__}; {fix})"
        return result
    result.fetched = summary.rows
    result.inserted, result.updated = summary.result.inserted, summary.result.updated
    result.deleted, result.unchanged = summary.result.deleted, summary.result.unchanged
    result.quarantined = len(summary.errors)
    result.duration = time.monotonic() - began
    return result
