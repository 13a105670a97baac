"""The sync service: pull pages from adapters and store each page with its checkpoint.

Every page's tickets, its quarantined records and its checkpoint commit in ONE
transaction, so a sync killed at any moment (even `kill -9`) resumes from the
last committed page: nothing lost, and the overlap it re-reads upserts in place.
Sources are isolated: an auth failure, a cursor loop or a page that never
parses stops that source (its checkpoint intact) while the others go on.
"""
from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import sessionmaker

from bot.errors import describe_error, is_database_error
from bot.storage.tickets import UpsertResult, load_checkpoints, quarantine, save_checkpoint, upsert_tickets
from bot.sync.reference import sync_references, with_linked_organizations
from bot.sync.replies import sync_replies
from bot.sync.sla import sync_sla
from integrations.base import Adapter, MalformedRecordError, SourceAuthError, SourceFatalError, Ticket, TicketPage
from integrations.normalize import CUT_KEY, storable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class SourceResult:
    name: str
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0
    pages: int = 0
    requests: int = 0
    rate_limited: int = 0
    duration: float = 0.0
    error: str | None = None
    auth_failed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class SyncSummary:
    sources: tuple[SourceResult, ...]
    duration: float

    def total(self, name: str) -> int:
        return sum(getattr(source, name) for source in self.sources)

    @property
    def ok(self) -> bool:
        return all(source.ok for source in self.sources)

    def line(self) -> str:
        counts = ", ".join(
            f"{self.total(name)} {label}"
            for name, label in (
                ("fetched", "fetched"),
                ("inserted", "inserted"),
                ("updated", "updated"),
                ("deleted", "deleted"),
                ("quarantined", "quarantined"),
                ("requests", "requests"),
                ("rate_limited", "429s"),
            )
        )
        failed = [s.name for s in self.sources if not s.ok]
        tail = f"; failed: {', '.join(failed)}" if failed else ""
        return f"sync: {len(self.sources)} source(s), {counts} in {self.duration:.1f}s{tail}"


class Progress(Protocol):
    def start(self, source: str) -> None: ...
    def page(self, result: SourceResult) -> None: ...
    def finish(self, result: SourceResult) -> None: ...


class NullProgress:
    def start(self, source: str) -> None:
        pass

    def page(self, result: SourceResult) -> None:
        pass

    def finish(self, result: SourceResult) -> None:
        pass


_DONE = object()


def prefetched(pages: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Fetch the next page while the caller stores this one.

    The adapter runs in a helper thread at most `depth` pages ahead, so memory
    stays bounded, pages keep their order, and checkpoints still commit only
    after their page is stored. An adapter error surfaces at the page where it
    happened; closing this generator early stops the helper.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put((page, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            buffer.put((_DONE, error))

    worker = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = buffer.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


def store_page(
    session_factory: sessionmaker, *, workspace_id: str, page: TicketPage, store_subject: bool, result: SourceResult
) -> None:
    """One transaction: the page's tickets, its quarantined records and its checkpoint.

    When the database refuses the page because of a record (a value the normalization let through), the
    tickets are stored apart, halving the batch until each refused record stands alone; those are
    quarantined with the database's reason, and the rest of the page and its checkpoint go through. A
    database that is unreachable is not a record's fault: that error stops the source, checkpoint kept.
    """
    page = storable_page(page)
    source = page.checkpoint.source
    quarantined = list(page.quarantined)
    storing_tickets = True
    try:
        with session_factory.begin() as session:
            outcome = upsert_tickets(session, workspace_id=workspace_id, tickets=page.tickets, store_subject=store_subject)
            storing_tickets = False
            _quarantine_all(session, workspace_id, source, quarantined)
            save_checkpoint(session, workspace_id=workspace_id, checkpoint=page.checkpoint)
    except Exception as error:
        if not storing_tickets or not refused_by_data(error):
            raise
        log.warning("%s: page refused by the database (%s); storing its records apart", source, describe_error(error))
        outcome, refused = store_apart(session_factory, workspace_id=workspace_id, tickets=page.tickets,
                                       store_subject=store_subject)
        quarantined += refused
        with session_factory.begin() as session:
            _quarantine_all(session, workspace_id, source, quarantined)
            save_checkpoint(session, workspace_id=workspace_id, checkpoint=page.checkpoint)
    for error in quarantined:
        # Id and reason only: never the record's text.
        log.warning("%s: quarantined record %s: %s", source, error.external_id or "?", error.reason)
    for ticket in page.tickets:
        notes = ticket.raw.get(CUT_KEY) if type(ticket.raw) is dict else None
        if notes:
            log.warning("%s: record %s stored with changes: %s", source, ticket.external_id, "; ".join(notes))
    result.pages += 1
    result.fetched += len(page.tickets) + len(page.quarantined)
    result.inserted += outcome.inserted
    result.updated += outcome.updated
    result.deleted += outcome.deleted
    result.unchanged += outcome.unchanged
    result.quarantined += len(quarantined)
    result.requests += page.requests
    result.rate_limited += page.rate_limited


def storable_page(page: TicketPage) -> TicketPage:
    """The page with every ticket as both databases store it (`integrations.normalize.storable`), whatever
    the adapter did: a ticket that cannot be made storable moves to the page's quarantine, with its reason."""
    tickets: list[Ticket] = []
    refused: list[MalformedRecordError] = []
    changed = False
    for ticket in page.tickets:
        try:
            fit = storable(ticket)
        except MalformedRecordError as error:
            error.raw = error.raw if error.raw is not None else ticket.raw
            refused.append(error)
            changed = True
            continue
        changed = changed or fit is not ticket
        tickets.append(fit)
    if not changed:
        return page
    return dataclasses.replace(page, tickets=tuple(tickets), quarantined=(*page.quarantined, *refused))


def _quarantine_all(session, workspace_id: str, source: str, errors: Iterable[MalformedRecordError]) -> None:
    for error in errors:
        quarantine(session, workspace_id=workspace_id, source=source, external_id=error.external_id,
                   reason=error.reason, raw=error.raw)


def refused_by_data(error: BaseException) -> bool:
    """The database refused a value (too long, out of range, unencodable, a constraint), not the statement
    itself (a missing table or column, no privilege), a lost connection or a lock."""
    if isinstance(error, (DataError, IntegrityError)):
        return not error.connection_invalidated
    if isinstance(error, DBAPIError):
        return False  # ProgrammingError, OperationalError, InternalError …: nothing one record caused
    if isinstance(error, StatementError):  # a value the driver could not even send (e.g. unencodable text)
        return isinstance(error.orig, (ValueError, TypeError, OverflowError))
    return isinstance(error, (ValueError, TypeError, OverflowError))


def store_apart(
    session_factory: sessionmaker, *, workspace_id: str, tickets: Sequence[Ticket], store_subject: bool
) -> tuple[UpsertResult, list[MalformedRecordError]]:
    """Store tickets in halves until each refused one stands alone: ~k·log2(n) transactions for k bad records.

    When every ticket of a batch is refused, the cause is not in the records (a constraint the code does not
    know about, say): that error is raised, so the source stops with its checkpoint kept rather than
    quarantining everything.
    """
    outcome, refused = UpsertResult(), []
    last_error: BaseException | None = None
    pending = [list(tickets)]
    while pending:
        batch = pending.pop()
        try:
            with session_factory.begin() as session:
                outcome += upsert_tickets(session, workspace_id=workspace_id, tickets=batch, store_subject=store_subject)
        except Exception as error:
            if not refused_by_data(error):
                raise
            if len(batch) > 1:
                middle = len(batch) // 2
                pending += [batch[middle:], batch[:middle]]  # first half first: pages keep their order
                continue
            (ticket,) = batch
            last_error = error
            reason = f"refused by the database: {describe_error(error)}"
            refused.append(MalformedRecordError(ticket.external_id, reason, ticket.raw))
    if len(tickets) > 1 and len(refused) == len(tickets) and last_error is not None:
        raise last_error
    return outcome, refused


def sync_source(
    adapter: Adapter,
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    start: datetime,
    store_subject: bool = True,
    ignore_checkpoints: bool = False,
    progress: Progress = NullProgress(),
    clock: Callable[[], float] = time.monotonic,
) -> SourceResult:
    result = SourceResult(adapter.name)
    began = clock()
    progress.start(adapter.name)
    try:
        if ignore_checkpoints:
            checkpoints = {}
        else:
            with session_factory() as session:
                checkpoints = load_checkpoints(session, workspace_id=workspace_id, source=adapter.name)
        for page in prefetched(adapter.pages(checkpoints, start=start)):
            page = with_linked_organizations(session_factory, workspace_id=workspace_id, page=page)
            store_page(session_factory, workspace_id=workspace_id, page=page, store_subject=store_subject, result=result)
            progress.page(result)
        # Names for the ids on tickets; its own failures are logged, never the source's (bot/sync/reference.py).
        sync_references(adapter, session_factory=session_factory, workspace_id=workspace_id,
                        checkpoints=checkpoints, start=start)
        # SLA targets reported apart from the tickets (Zendesk metric events): bot/sync/sla.py.
        sync_sla(adapter, session_factory=session_factory, workspace_id=workspace_id,
                 checkpoints=checkpoints, start=start)
        # Agent reply counts (FCR) of newly solved tickets, where records lack them: bot/sync/replies.py.
        sync_replies(adapter, session_factory=session_factory, workspace_id=workspace_id,
                     checkpoints=checkpoints, start=start)
    except SourceAuthError as error:
        result.error, result.auth_failed = str(error), True
    except SourceFatalError as error:
        result.error = str(error)
    except Exception as error:  # noqa: BLE001 - one source's bug must not stop the others
        # A database error's text carries row values: its kind only, even at -v.
        log.debug("%s: unexpected failure: %s", adapter.name, describe_error(error),
                  exc_info=not is_database_error(error))
        result.error = f"{adapter.name}: unexpected {type(error).__name__} (run with -v for details)"
    stats = getattr(adapter, "stats", None)
    if stats is not None:  # includes requests of a page that never arrived
        result.requests = max(result.requests, stats.requests)
        result.rate_limited = max(result.rate_limited, stats.rate_limited)
    result.duration = clock() - began
    if result.error:
        log.error("%s (checkpoint kept at the last stored page)", result.error)
    progress.finish(result)
    return result


def run_sync(
    *,
    session_factory: sessionmaker,
    adapters: Iterable[Adapter],
    workspace_id: str,
    start: datetime | Mapping[str, datetime],
    store_subject: bool = True,
    ignore_checkpoints: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SyncSummary:
    """Sync every adapter in turn. `start` (per source name, or one for all) is used where no checkpoint exists."""
    progress = progress or NullProgress()
    began = clock()
    results = []
    for adapter in adapters:
        source_start = start[adapter.name] if isinstance(start, Mapping) else start
        results.append(
            sync_source(
                adapter,
                session_factory=session_factory,
                workspace_id=workspace_id,
                start=source_start,
                store_subject=store_subject,
                ignore_checkpoints=ignore_checkpoints,
                progress=progress,
                clock=clock,
            )
        )
    return SyncSummary(tuple(results), clock() - began)
