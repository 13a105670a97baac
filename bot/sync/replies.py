"""Agent reply counts for first contact resolution, on sources whose ticket records lack them.

Freshdesk and Intercom report no reply count with a ticket: their adapters count one ticket's thread
on request (`adapter.agent_replies(id)`, integrations/replies.py). After a source's tickets are stored,
this pass asks for the tickets solved since `start` whose count is still unknown — after the first run,
the tickets solved since the last sync — newest solve first, at most `PER_SYNC` of them and for at most
`TIME_BUDGET` seconds a run. Every request goes through the source's `Requester`, which paces on the
vendor's rate-limit headers.

Resumable: each batch of counts commits with the `replies` checkpoint, and a ticket counted keeps its
count (storage keeps it while the solve instant stands), so a run cut short, or over its budget, goes on
with what is left next time. A ticket reopened and solved again is counted again.

A failure on one ticket is recorded and the pass moves on: its id, attempts and solve instant go into the
checkpoint and the log (id and reason only); it is asked again on later runs, up to `MAX_ATTEMPTS` times,
and afresh once it is solved again. A ticket the vendor no longer has (404) is not asked again until then. `BREAKER` consecutive failures (the API is down) end
the run's pass early; a rejected token ends it at once. Nothing here fails the source: its tickets are
synced, and FCR only counts tickets with a known reply count.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.storage.tickets import apply_reply_counts, save_checkpoint, solved_without_replies
from integrations.base import Checkpoint, MalformedRecordError, SourceAuthError, SourceFatalError

log = logging.getLogger(__name__)

STREAM = "replies"
PER_SYNC = 1000  # tickets counted at most per run
TIME_BUDGET = 300.0  # seconds per run; the rest waits for the next one
BATCH = 50  # counts committed together with the checkpoint
MAX_ATTEMPTS = 3
BREAKER = 5  # consecutive failures that end the pass for this run
FAILED_KEPT = 1000  # failed ids remembered in the checkpoint (the oldest are forgotten)


@dataclass
class RepliesResult:
    counted: int = 0
    changed: int = 0
    failed: int = 0
    gone: int = 0
    stopped: str | None = None  # why the pass ended before its list did


def sync_replies(
    adapter: object,
    *,
    session_factory: sessionmaker,
    workspace_id: str,
    checkpoints: Mapping[str, Checkpoint],
    start: datetime,
    limit: int = PER_SYNC,
    budget: float = TIME_BUDGET,
    clock: Callable[[], float] = time.monotonic,
) -> RepliesResult:
    """Count agent replies of the source's newly solved tickets, when its adapter can (`agent_replies`)."""
    result = RepliesResult()
    fetch = getattr(adapter, "agent_replies", None)
    if fetch is None:
        return result
    source = getattr(adapter, "name", "?")
    saved = checkpoints.get(STREAM)
    failed = _failures((saved.value if saved else {}).get("failed"))
    given_up = {key: solved for key, (attempts, solved) in failed.items() if attempts >= MAX_ATTEMPTS}
    with session_factory() as session:
        pending = solved_without_replies(session, workspace_id=workspace_id, source=source, solved_from=start,
                                         skip=given_up, limit=limit)
    began = clock()
    counts: dict[str, int] = {}
    asking = _Asking(fetch, source, failed, result)
    for external_id, solved_at in pending:
        if external_id in failed and failed[external_id][1] != solved_at:
            del failed[external_id]  # solved again since it failed: a fresh start
        if clock() - began > budget:
            result.stopped = f"time budget of {budget:.0f}s used"
            break
        value = asking.ask(external_id, solved_at)
        if value is _STOP:
            break
        if value is _SKIP:
            continue
        failed.pop(external_id, None)
        counts[external_id] = value
        if len(counts) >= BATCH:
            _commit(session_factory, workspace_id, source, counts, failed, result)
            counts = {}
    _commit(session_factory, workspace_id, source, counts, failed, result)
    if result.stopped:
        log.warning("%s: reply counts paused (%s); the rest follow on the next sync", source, result.stopped)
    if result.counted or result.failed:
        log.info("%s: agent replies counted on %d solved ticket(s), %d failed", source, result.counted, result.failed)
    return result


_STOP, _SKIP = object(), object()


class _Asking:
    """Asks the vendor one ticket's reply count at a time; records failures (and gone tickets) in `failed`
    and `result`, and says when to stop: the credentials are refused, or BREAKER failures in a row."""

    def __init__(self, fetch: Callable[[str], int | None], source: str,
                 failed: dict[str, tuple[int, datetime | None]], result: RepliesResult) -> None:
        self.fetch, self.source, self.failed, self.result = fetch, source, failed, result
        self.in_a_row = 0

    def ask(self, external_id: str, solved_at: datetime | None) -> object:
        failed, result, source = self.failed, self.result, self.source
        try:
            value = self.fetch(external_id)
        except SourceAuthError as error:
            result.stopped = str(error)
            return _STOP
        except MalformedRecordError as error:
            failed[external_id], result.failed = (MAX_ATTEMPTS, solved_at), result.failed + 1
            log.warning("%s: reply count of %s not asked: %s", source, external_id, error.reason)
            return _SKIP
        except Exception as error:  # noqa: BLE001 - one ticket's failure must not stop the others
            attempts = failed.get(external_id, (0, solved_at))[0] + 1
            failed[external_id] = (attempts, solved_at)
            result.failed += 1
            self.in_a_row += 1
            reason = str(error) if isinstance(error, SourceFatalError) else type(error).__name__
            log.warning("%s: reply count of %s not fetched (attempt %d of %d): %s", source, external_id,
                        attempts, MAX_ATTEMPTS, reason)
            if self.in_a_row >= BREAKER:
                result.stopped = f"{self.in_a_row} failures in a row"
                return _STOP
            return _SKIP
        self.in_a_row = 0
        if value is None:  # gone from the vendor: not asked again (unless it comes back solved anew)
            failed[external_id], result.gone = (MAX_ATTEMPTS, solved_at), result.gone + 1
            return _SKIP
        return value


def _failures(value: object) -> dict[str, tuple[int, datetime | None]]:
    """The checkpoint's failures: external id → (attempts, the solve instant they were made for)."""
    out: dict[str, tuple[int, datetime | None]] = {}
    for key, entry in dict(value or {}).items():
        try:
            attempts, solved = entry
            out[str(key)] = (int(attempts), datetime.fromisoformat(solved) if solved else None)
        except (TypeError, ValueError):
            continue  # an entry of another shape: forgotten, the ticket is simply asked again
    return out


def _commit(session_factory: sessionmaker, workspace_id: str, source: str, counts: dict[str, int],
            failed: dict[str, tuple[int, datetime | None]], result: RepliesResult) -> None:
    kept = {key: [attempts, solved.isoformat() if solved else None]
            for key, (attempts, solved) in list(failed.items())[-FAILED_KEPT:]}
    with session_factory.begin() as session:
        result.changed += apply_reply_counts(session, workspace_id=workspace_id, source=source, counts=counts)
        save_checkpoint(session, workspace_id=workspace_id, checkpoint=Checkpoint(source, STREAM, {"failed": kept}))
    result.counted += len(counts)
