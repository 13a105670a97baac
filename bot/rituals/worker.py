"""The worker: APScheduler 3 with one explicit job table, led by one process at a time.

Job table (`job_table`):

| job            | trigger                   | does                                                      |
|----------------|---------------------------|-----------------------------------------------------------|
| `lease`        | every 30 s                | take or renew the leader lease                            |
| `sync:<name>`  | every source interval     | incremental sync, source health, intraday spikes, rollups + triggers, alerts |
| `health`       | every 5 min               | source health alerts: N failed syncs or a lag (bot/rituals/source_health.py) |
| `refresh`      | every 15 min              | rollups + triggers (picks up completed days), then alerts |
| `rituals`      | every minute              | post due rituals (within grace) and the review's nudge    |
| `alerts`       | every minute              | grouped trigger alerts, owner DMs, recovery updates       |
| `reminders`    | every 15 min              | owner reminders inside each owner's working hours         |
| `themes`       | every 6 h                 | ticket themes over the last weeks (the digests read them) |
| `crm`          | every hour (HUBSPOT_TOKEN) | HubSpot companies once a day from `[crm] sync_hour` (bot/crm/sync.py) |

A job with a `last_run` (themes: its latest stored run) is due only once its
interval has passed since then: `run_once` skips it before that, and `serve`
first runs it then, so neither a `--once` cron nor a restart repeats it early.

Every job runs only while this process holds the lease, with `coalesce=True`,
`max_instances=1` and a misfire grace. Posting is idempotent through the
ledger, so even two leaders (a lease lost mid-job) cannot post twice.
`run_once` runs every due job once (if this process can lead) and returns.

On SIGTERM (a deploy) or SIGINT, `serve` starts no new job and no new post: the
post in flight gets its answer and its ledger row, a retry wait is cut short
(nothing was sent then), and once the running jobs end — or `SHUTDOWN_GRACE`
runs out, within the platform's 30 s before SIGKILL — the lease is released, so
the next worker leads at once instead of a lease TTL later.
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.errors import describe_error, is_database_error
from bot.rituals import lease
from bot.rituals.runner import Runner

log = logging.getLogger(__name__)
LEASE_TTL = timedelta(seconds=90)
MISFIRE_GRACE_SECONDS = 300
SHUTDOWN_GRACE = timedelta(seconds=20)  # for the running jobs to end after SIGTERM
# How often each job of the table runs; the queue's planner (bot/queue/due.py) reads the same intervals.
EVERY = {"health": timedelta(minutes=5), "refresh": timedelta(minutes=15), "themes": timedelta(hours=6),
         "crm": timedelta(hours=1), "rituals": timedelta(minutes=1), "alerts": timedelta(minutes=1)}


@dataclass(frozen=True)
class JobSpec:
    id: str
    every: timedelta
    func: Callable[[], object]
    last_run: Callable[[], datetime | None] | None = None  # the last success, when it is stored

    def due_at(self) -> datetime | None:
        """When this job is next due by its stored last success; None: now (no record of one)."""
        last = self.last_run() if self.last_run is not None else None
        return None if last is None else last + self.every


@dataclass
class Worker:
    runner: Runner
    holder: str = field(default_factory=lease.holder_id)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sync: Callable[[str], object] | None = None  # sync one source by name
    refresh: Callable[[], object] | None = None  # rollups + triggers
    themes: Callable[[], object] | None = None  # cluster recent tickets into themes (feeds the digests)
    ttl: timedelta = LEASE_TTL
    leading: bool = False
    stop: threading.Event = field(default_factory=threading.Event)  # set on SIGTERM: finish, start nothing new
    _running: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.runner.stopping = self.stop.is_set

    @property
    def lease_name(self) -> str:
        return lease.lease_name(self.runner.settings.workspace_id)

    def renew(self) -> bool:
        if self.stop.is_set():  # shutting down: never take the lease back after releasing it
            return False
        was = self.leading
        self.leading = lease.acquire(self.runner.sessions, name=self.lease_name, holder=self.holder,
                                     now=self.clock(), ttl=self.ttl)
        if self.leading != was:
            log.info("worker %s %s", self.holder, "leads" if self.leading else "stands by")
        return self.leading

    def step_down(self) -> None:
        lease.release(self.runner.sessions, name=self.lease_name, holder=self.holder)
        self.leading = False

    def _as_leader(self, name: str, func: Callable[[], object]) -> Callable[[], object]:
        def job() -> object:
            with self._idle:
                if self.stop.is_set():
                    return None
                self._running += 1
            try:
                if not self.renew():
                    return None
                return func()
            except Exception as error:
                # A database error's text carries row values (SQL parameters, DETAIL lines): log its kind only.
                log.error("job %s failed: %s", name, describe_error(error), exc_info=not is_database_error(error))
                return None
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()
        job.__name__ = name
        job.inner = func  # type: ignore[attr-defined]
        return job

    def sync_then_refresh(self, source: str) -> None:
        if self.sync is not None:
            self.sync(source)
            self.check_sources()  # a source that just failed its Nth sync, or recovered
            self.runner.run_after_sync(self.clock())  # the registry's after-sync rituals: spikes within one interval
        self.refresh_then_alert()

    def check_sources(self) -> object:
        """Source health: alert once on a failing or lagging source, edit that alert when it recovers."""
        from bot.rituals import source_health

        return source_health.send(self.runner.publisher(), self.runner.sessions, settings=self.runner.settings,
                                  now=self.clock())

    def refresh_then_alert(self) -> None:
        if self.refresh is not None:
            self.refresh()
            self.runner.run_alerts()

    def job_table(self) -> list[JobSpec]:
        settings = self.runner.settings
        jobs = [JobSpec("lease", timedelta(seconds=30), self.renew)]
        for name, source in settings.file.sources.items():
            if source.enabled:
                jobs.append(JobSpec(f"sync:{name}", timedelta(minutes=source.interval_minutes),
                                    self._as_leader(f"sync:{name}", partial(self.sync_then_refresh, name))))
        # A source's lag grows even when its sync job never runs; a source removed or disabled while its alert
        # was open still gets that alert closed.
        if len(jobs) > 1 or self._open_health_alerts():
            jobs.append(JobSpec("health", EVERY["health"], self._as_leader("health", self.check_sources)))
        if self.refresh is not None:
            jobs.append(JobSpec("refresh", EVERY["refresh"], self._as_leader("refresh", self.refresh_then_alert)))
        if self.themes is not None:
            jobs.append(JobSpec("themes", EVERY["themes"], self._as_leader("themes", self.themes),
                                last_run=self.themes_last_run))
        jobs += self._tracker_jobs()  # linked Jira/Linear issues' status (issue 17)
        jobs += self._crm_jobs()  # HubSpot companies, daily at [crm] sync_hour (issue 17)
        jobs += [
            JobSpec("rituals", EVERY["rituals"], self._as_leader("rituals", lambda: self.runner.run_due(self.clock()))),
            JobSpec("alerts", EVERY["alerts"], self._as_leader("alerts", self.runner.run_alerts)),
        ]
        jobs += [JobSpec(r.key, r.every, self._as_leader(r.key, partial(self.run_now, r.key)))  # reminders
                 for r in self.runner.rituals.values() if r.every is not None]
        return jobs

    def _open_health_alerts(self) -> bool:
        from bot.storage.health import open_alerts

        with self.runner.sessions() as session:
            return bool(open_alerts(session, workspace_id=self.runner.settings.workspace_id))

    def _tracker_jobs(self) -> list[JobSpec]:
        from bot.trackers.clients import configured
        from bot.trackers.poll import poll_links

        settings = self.runner.settings
        if not configured(settings):
            return []
        poll = partial(poll_links, self.runner.sessions, settings)
        return [JobSpec("trackers", timedelta(minutes=settings.file.trackers.poll_minutes),
                        self._as_leader("trackers", poll))]

    def _crm_jobs(self) -> list[JobSpec]:
        from bot.crm.sync import configured, run_if_due

        if not configured(self.runner.settings):
            return []
        sync = lambda: run_if_due(self.runner.sessions, self.runner.settings, now=self.clock())  # noqa: E731
        return [JobSpec("crm", EVERY["crm"], self._as_leader("crm", sync))]

    def run_now(self, ritual: str) -> object:
        """A registry ritual with its own job (`every`), as of the worker's clock."""
        return self.runner.run_now(ritual, self.clock())

    def themes_last_run(self) -> datetime | None:
        from bot.themes.service import last_run_at

        return last_run_at(self.runner.sessions, workspace_id=self.runner.settings.workspace_id)

    def run_once(self) -> bool:
        """Every due job once. False when another worker holds the lease (nothing was run)."""
        if not self.renew():
            return False
        for job in self.job_table():
            if job.id != "lease":
                if (due := job.due_at()) is not None and due > self.clock():
                    log.info("job %s not due until %s", job.id, due.isoformat(timespec="minutes"))
                    continue
                try:
                    job.func.inner()  # type: ignore[attr-defined]  # the lease was just renewed
                except Exception:
                    log.exception("job %s failed", job.id)
        return True

    def scheduler(self, scheduler_cls=None):
        """A configured APScheduler (BlockingScheduler by default) holding the job table."""
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = (scheduler_cls or BlockingScheduler)(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        )
        now = datetime.now(UTC)
        for job in self.job_table():
            first = max(now, job.due_at() or now)
            scheduler.add_job(job.func, IntervalTrigger(seconds=job.every.total_seconds(), timezone=UTC),
                              id=job.id, name=job.id, next_run_time=first, replace_existing=True)
        return scheduler

    def serve(self, scheduler=None) -> None:
        """Run the job table until SIGTERM or SIGINT; then finish the running jobs and release the lease."""
        scheduler = scheduler or self.scheduler()

        def on_signal(signum, _frame) -> None:
            if self.stop.is_set():
                return
            log.info("worker %s: %s, finishing the running jobs then stepping down", self.holder,
                     signal.Signals(signum).name)
            self.stop.set()
            if not scheduler.running:  # before the scheduler started: leave through serve's cleanup
                raise SystemExit(0)
            scheduler.shutdown(wait=False)  # no new job; start() returns

        stop_on = getattr(getattr(self.runner.delivery, "notifier", None), "stop_on", None)
        if stop_on is not None:
            stop_on(self.stop)  # a retry wait ends at once on SIGTERM (nothing is sent after it)
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            scheduler.start()
        finally:
            self.stop.set()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if not self.wait_idle(SHUTDOWN_GRACE):
                log.warning("worker %s: a job still runs after %ds; releasing the lease anyway (the ledger keeps "
                            "its posts single)", self.holder, SHUTDOWN_GRACE.total_seconds())
            self.step_down()
            log.info("worker %s stopped", self.holder)

    def wait_idle(self, timeout: timedelta) -> bool:
        """Wait for the running jobs to end; False when some still run after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout=timeout.total_seconds())


def make_sync(runtime) -> Callable[[str], object]:
    """Sync one configured source by name (CSV sources re-import their file); its health is recorded."""
    def sync(name: str) -> object:
        from bot.imports import sync_csv
        from bot.sync.health import record_planned
        from bot.sync.service import SourceResult, sync_source
        from bot.sync.sources import make_client, plan_sources

        settings = runtime.settings
        with make_client() as client:
            planned = plan_sources(settings, client=client, only=name)[0]
            if planned.problem:
                result = SourceResult(name, error=planned.problem)
            elif planned.kind == "csv":
                result = sync_csv(planned, runtime)
            else:
                result = sync_source(planned.adapter, session_factory=runtime.session_factory(),
                                     workspace_id=runtime.workspace_id, start=planned.start(datetime.now(UTC)),
                                     store_subject=settings.file.privacy.store_subject)
        if result.error and planned.adapter is None:  # sync_source logs its own failures
            log.error("sync %s: %s", name, result.error)
        record_planned(runtime.session_factory(), workspace_id=runtime.workspace_id, planned=planned, result=result,
                       now=datetime.now(UTC))
        return result
    return sync


def make_refresh(runtime) -> Callable[[], object]:
    def refresh() -> object:
        from bot.metrics.config_map import rollup_settings
        from bot.metrics.rollup import run_rollup

        report = run_rollup(runtime.session_factory(), workspace_id=runtime.workspace_id,
                            settings=rollup_settings(runtime.settings),
                            alerts_channel=runtime.settings.file.slack.alerts_channel)
        log.info("%s", report.summary())
        return report
    return refresh



def make_themes(runtime, clock: Callable[[], datetime] | None = None, child: bool = False) -> Callable[[], object]:
    """The themes job. `child`: run it in a spawned process that exits after it, so the long-running worker
    does not keep a run's peak memory (2.6–2.8 GB over 300k tickets, issue 16) between jobs."""
    def themes() -> object:
        now_at = clock() if clock else None
        if child:
            summary = in_child(themes_summary, runtime.settings, now_at)
        else:
            summary = themes_summary(runtime.settings, now_at, runtime.session_factory())
        log.info("themes: %d themes from %d tickets (%d embedded, %d cached)", *summary)
        return summary
    return themes


def themes_summary(settings, now_at: datetime | None, sessions=None) -> tuple[int, int, int, int]:
    """Run and store themes; (themes, tickets, embedded, cached). Without `sessions`, on a new engine."""
    from bot.context import Runtime
    from bot.themes.service import run_themes

    runtime = Runtime(settings)
    try:
        report = run_themes(sessions or runtime.session_factory(), settings=settings, now_at=now_at)
    finally:
        runtime.close()
    return len(report.run.themes), report.documents, report.run.embedded, report.run.cached


def in_child(func: Callable[..., object], *args: object) -> object:
    """`func(*args)` in a fresh spawned process that exits afterwards (its memory goes back to the system);
    its result or its exception comes back here. `func` and its arguments must pickle."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()
