"""Queue workers: `worker --once` (enqueue what is due, work the queue until it is empty, exit) and the
long-running worker (APScheduler's clock enqueues what is due; Procrastinate runs the jobs).

Any number of either share the jobs. A job whose worker was killed (`kill -9`, a lost machine) stays
"doing" with that worker's heartbeat going stale; `recover_stalled` hands it back to the queue, and the
next worker runs it again: a sync resumes from its stored checkpoint, a post is kept single by the ledger.
`--once` runs it first; the long-running worker's scheduler on every tick (as leader only).

On SIGTERM a long-running worker takes no new job, waits up to `SHUTDOWN_GRACE` for the running ones
(Procrastinate's `shutdown_graceful_timeout`), and releases the scheduler lease.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.queue.due import enqueue_due
from bot.queue.tenants import Tenants
from bot.rituals import lease

log = logging.getLogger(__name__)
TICK = timedelta(seconds=30)  # how often the leader's clock plans what is due
SCHEDULER_LEASE = "queue-scheduler"
SHUTDOWN_GRACE = timedelta(seconds=20)
# `--once` processes started together plan once: the first takes this round, the others only work the
# queue (each job's own claim keeps it single either way; this saves N-1 plannings' reads)
PLAN_ROUND = timedelta(seconds=20)
# Held while one `--once` process plans (renewed after every chunk of workspaces). The others work the
# jobs it has queued so far and do not take an empty queue for the end while it is held: with hundreds
# of workspaces planning takes a while, and they would otherwise exit before the first jobs appear.
PLANNING = "due:planning"
PLANNING_TTL = timedelta(minutes=2)
_LEFT = """
SELECT count(*) AS n FROM procrastinate_jobs
 WHERE (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())
        AND (%(queues)s::varchar[] IS NULL OR queue_name = ANY(%(queues)s)))
    OR (status = 'doing' AND worker_id = %(worker_id)s)
"""


@dataclass(frozen=True)
class Options:
    concurrency: int = 1  # jobs at once per process (threads)
    stalled_after: float = 30.0  # seconds without a heartbeat before a worker's jobs are taken back
    queues: tuple[str, ...] | None = None  # None: every queue
    poll: float = 0.5  # seconds between checks for new jobs (LISTEN/NOTIFY wakes a worker sooner)


@dataclass(frozen=True)
class OnceReport:
    recovered: int  # jobs of dead workers put back
    queued: int  # jobs this process enqueued (others may have enqueued the rest)

    def line(self) -> str:
        return (f"queue: {self.queued} job(s) enqueued, {self.recovered} recovered from stopped workers; "
                "the queue is empty")


def run_once(runtime, options: Options = Options()) -> OnceReport:
    from bot.queue.app import make_app

    tenants = Tenants(runtime)
    try:
        return asyncio.run(_once(make_app(runtime.settings.database_url), tenants, options))
    finally:
        tenants.close()


async def _once(app, tenants: Tenants, options: Options) -> OnceReport:
    async with app.open_async():
        recovered = await recover_stalled(app, options.stalled_after)
        planning = asyncio.create_task(asyncio.to_thread(plan_round, tenants))
        await drain(app, make_worker(app, tenants, options, themes_child=False), options,
                    planned=lambda: planning.done() and not _someone_plans(tenants))
        queued = await planning
    return OnceReport(recovered, queued)


def plan_round(tenants: Tenants) -> int:
    """Enqueue what is due if this process is the first of its round (under the planning lease, so that no
    other process finds the round taken but its jobs not queued yet); how many jobs were queued."""
    sessions, holder = tenants.runtime.session_factory(), lease.holder_id()
    if not lease.acquire(sessions, name=PLANNING, holder=holder, now=datetime.now(UTC), ttl=PLANNING_TTL):
        return 0  # another process is planning this round
    try:
        if not lease.claim(sessions, name="due:plan-round", now=datetime.now(UTC), ttl=PLAN_ROUND):
            return 0
        queued = enqueue_due(tenants, datetime.now(UTC), between=lambda: lease.acquire(
            sessions, name=PLANNING, holder=holder, now=datetime.now(UTC), ttl=PLANNING_TTL))
        lease.claim(sessions, name="due:plan-round", now=datetime.now(UTC), ttl=PLAN_ROUND)  # the round from its end
        return queued
    finally:
        lease.release(sessions, name=PLANNING, holder=holder)


def _someone_plans(tenants: Tenants) -> bool:
    from bot.storage.models import Lease

    with tenants.runtime.session_factory()() as session:
        held = session.get(Lease, PLANNING)
        return held is not None and held.expires_at > datetime.now(UTC)


def make_worker(app, tenants: Tenants, options: Options, *, themes_child: bool):
    from procrastinate.worker import Worker

    return Worker(app, queues=list(options.queues) if options.queues else None, concurrency=options.concurrency, wait=True,
                  fetch_job_polling_interval=options.poll, shutdown_graceful_timeout=SHUTDOWN_GRACE.total_seconds(),
                  additional_context={"tenants": tenants, "themes_child": themes_child},
                  update_heartbeat_interval=max(options.stalled_after / 3, 0.5),
                  stalled_worker_timeout=options.stalled_after, delete_jobs="successful")


async def drain(app, worker, options: Options, *, planned: Callable[[], bool] = lambda: True) -> None:
    """Run `worker` until what is due has been planned (`planned()`, checked in a thread), no job of its
    queues is waiting (that is due now) and none of its own is running."""
    queues = list(options.queues) if options.queues else None
    running = asyncio.create_task(worker.run())
    while not running.done():
        await asyncio.wait({running}, timeout=options.poll)
        if not running.done() and worker.worker_id is not None:
            left = await app.connector.execute_query_one_async(_LEFT, worker_id=worker.worker_id, queues=queues)
            if left["n"] == 0 and await asyncio.to_thread(planned):
                worker.stop()
    await running


async def recover_stalled(app, seconds: float) -> int:
    """Put the jobs of workers silent for `seconds` back in the queue; how many."""
    recovered = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        try:
            await app.job_manager.retry_job(job)
        except Exception as error:  # another worker recovered it first
            log.info("stalled job %s not retried here: %s", job.id, type(error).__name__)
            continue
        log.warning("job %s (%s %s) was running on a worker that stopped: queued again", job.id, job.task_name,
                    job.task_kwargs.get("workspace_id", ""))
        recovered += 1
    return recovered


def serve(runtime, options: Options = Options()) -> None:
    from bot.queue.app import make_app

    tenants = Tenants(runtime)
    try:
        asyncio.run(_serve(make_app(runtime.settings.database_url), tenants, options))
    finally:
        tenants.close()


async def _serve(app, tenants: Tenants, options: Options) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    holder = lease.holder_id()
    sessions = tenants.runtime.session_factory()
    async with app.open_async():
        worker = make_worker(app, tenants, options, themes_child=True)
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        scheduler.add_job(tick, IntervalTrigger(seconds=TICK.total_seconds(), timezone=UTC),
                          args=[app, tenants, options, holder], id="enqueue", next_run_time=datetime.now(UTC))
        scheduler.start()
        log.info("worker %s: queue worker on %s", holder, ", ".join(options.queues or ("every queue",)))
        try:
            await worker.run()
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.to_thread(lease.release, sessions, name=SCHEDULER_LEASE, holder=holder)
            log.info("worker %s stopped", holder)


async def tick(app, tenants: Tenants, options: Options, holder: str) -> None:
    """The clock: the scheduler lease's holder recovers stalled jobs and enqueues what is due."""
    sessions = tenants.runtime.session_factory()
    try:
        leads = await asyncio.to_thread(lease.acquire, sessions, name=SCHEDULER_LEASE, holder=holder,
                                        now=datetime.now(UTC), ttl=TICK * 3)
        if not leads:
            return
        await recover_stalled(app, options.stalled_after)
        queued = await asyncio.to_thread(enqueue_due, tenants, datetime.now(UTC))
        log.info("enqueued %d job(s)", queued)
    except Exception:  # the next tick tries again
        log.exception("planning the due jobs failed")
