"""Incremental sync of the configured helpdesks (Zendesk, Freshdesk, Intercom, CSV files).

Each page of tickets is stored together with its checkpoint, so an interrupted
sync resumes where it stopped. `--backfill DAYS` re-reads the last DAYS days,
ignoring saved checkpoints. `--workspace TEAM_ID` syncs that workspace's sources
stored with `signalroom source add` (credentials decrypted with SIGNALROOM_SECRET_KEY)
instead of the configured ones. Exit 0 when every source synced, 1 when one failed
(the others still run), 2 for usage or configuration errors.
"""
from __future__ import annotations

import logging
import sys
import time

from bot.errors import UsageError
from bot.workspaces.scope import add_workspace_option

log = logging.getLogger("bot.sync")


def add_arguments(parser) -> None:
    parser.add_argument("--source", metavar="NAME", help="only this configured source")
    add_workspace_option(parser, help="sync this workspace's stored sources (`signalroom source add`), "
                                      "not the configured ones")
    parser.add_argument("--backfill", type=int, metavar="DAYS", help="re-read the last DAYS days, ignoring checkpoints")


class LogProgress:
    """Plain log lines (not a TTY): one per page and one per source."""

    def start(self, source: str) -> None:
        log.info("%s: sync started", source)

    def page(self, result) -> None:
        log.info(
            "%s: page %d, %d fetched (%d inserted, %d updated, %d deleted, %d quarantined)",
            result.name, result.pages, result.fetched, result.inserted, result.updated, result.deleted,
            result.quarantined,
        )

    def finish(self, result) -> None:
        pass


class BarProgress:
    """A live progress line per source on a TTY (rich)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def start(self, source: str) -> None:
        self._tasks[source] = self._progress.add_task(source, total=None, detail="starting")

    def page(self, result) -> None:
        detail = f"{result.fetched} fetched · {result.inserted} new · {result.updated} updated · {result.pages} pages"
        self._progress.update(self._tasks[result.name], detail=detail)

    def finish(self, result) -> None:
        detail = f"{result.fetched} fetched · done" if result.ok else "failed"
        self._progress.update(self._tasks[result.name], detail=detail, total=1, completed=1)


def run(args, runtime) -> int:
    from bot.sync.health import record_planned
    from bot.sync.service import SyncSummary
    from bot.sync.sources import make_client, now_utc, plan_sources

    if args.backfill is not None and args.backfill < 1:
        raise UsageError("--backfill takes a number of days (1 or more)")
    settings = runtime.settings
    workspace_id = args.workspace or runtime.workspace_id
    began = time.monotonic()
    with make_client() as client:
        if args.workspace:
            from bot.workspaces.sync import plan_workspace_sources

            planned = plan_workspace_sources(runtime.session_factory(), workspace_id=args.workspace,
                                             settings=settings, client=client, only=args.source)
        else:
            planned = plan_sources(settings, client=client, only=args.source)
        problems = [p.problem for p in planned if p.problem]
        if len(problems) == len(planned):
            raise UsageError("; ".join(problems))
        session_factory = runtime.session_factory()
        now = now_utc()
        results = _sync_planned(planned, args, runtime, session_factory, workspace_id=workspace_id, now=now)
        for source, result in zip(planned, results):  # per source: failure streak, last success (status, alerts)
            record_planned(session_factory, workspace_id=workspace_id, planned=source, result=result,
                           now=now_utc())
    summary = SyncSummary(tuple(results), time.monotonic() - began)
    for result in summary.sources:
        status = "ok" if result.ok else f"FAILED: {result.error}"
        print(
            f"{result.name}: {result.fetched} fetched, {result.inserted} inserted, {result.updated} updated, "
            f"{result.deleted} deleted, {result.quarantined} quarantined, {result.requests} requests, "
            f"{result.rate_limited} 429s, {result.duration:.1f}s: {status}"
        )
    print(summary.line())
    return 0 if summary.ok else 1


def _sync_planned(planned, args, runtime, session_factory, *, workspace_id: str, now) -> list:
    """Sync each planned source in turn (a progress bar on a TTY, log lines otherwise): its result, or its
    problem as a failed result."""
    from bot.imports import sync_csv
    from bot.sync.service import SourceResult, sync_source

    results: list[SourceResult] = []
    tty = sys.stderr.isatty()
    progress = BarProgress() if tty else LogProgress()
    if tty:
        progress.__enter__()
    try:
        for source in planned:
            if source.problem:
                results.append(SourceResult(source.name, error=source.problem))
            elif source.kind == "csv":
                results.append(sync_csv(source, runtime, workspace_id=workspace_id))
            else:
                results.append(sync_source(
                    source.adapter, session_factory=session_factory, workspace_id=workspace_id,
                    start=source.start(now, args.backfill), store_subject=runtime.settings.file.privacy.store_subject,
                    ignore_checkpoints=args.backfill is not None, progress=progress))
    finally:
        if tty:
            progress.__exit__(None, None, None)
    return results
