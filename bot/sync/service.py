"""The sync service: pull pages from adapters and store each page with its checkpoint.

Every page's tickets, its quarantined records and its checkpoint commit in ONE
transaction, so a sync killed at any moment (even `kill -9`) resumes from the
last committed page: nothing lost, and the overlap it re-reads upserts in place.
Sources are isolated: an auth failure, a cursor loop or a page that never
parses stops that source (its checkpoint intact) while the others go on.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import sessionmaker

from bot.storage.tickets import load_checkpoints, quarantine, save_checkpoint, upsert_tickets
from integrations.base import Adapter, SourceAuthError, SourceFatalError, TicketPage

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
    """One transaction: the page's tickets, its quarantined records and its checkpoint."""
    with session_factory.begin() as session:
        outcome = upsert_tickets(session, workspace_id=workspace_id, tickets=page.tickets, store_subject=store_subject)
        for error in page.quarantined:
            quarantine(
                session,
                workspace_id=workspace_id,
                source=page.checkpoint.source,
                external_id=error.external_id,
                reason=error.reason,
                raw=error.raw,
            )
        save_checkpoint(session, workspace_id=workspace_id, checkpoint=page.checkpoint)
    for error in page.quarantined:
        # Id and reason only: never the record's text.
        log.warning("%s: quarantined record %s: %s", page.checkpoint.source, error.external_id or "?", error.reason)
    result.pages += 1
    result.fetched += len(page.tickets) + len(page.quarantined)
    result.inserted += outcome.inserted
    result.updated += outcome.updated
    result.deleted += outcome.deleted
    result.unchanged += outcome.unchanged
    result.quarantined += len(page.quarantined)
    result.requests += page.requests
    result.rate_limited += page.rate_limited


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
            store_page(session_factory, workspace_id=workspace_id, page=page, store_subject=store_subject, result=result)
            progress.page(result)
    except SourceAuthError as error:
        result.error, result.auth_failed = str(error), True
    except SourceFatalError as error:
        result.error = str(error)
    except Exception as error:  # noqa: BLE001 - one source's bug must not stop the others
        log.debug("%s: unexpected failure", adapter.name, exc_info=True)
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
