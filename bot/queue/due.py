"""What is due, for every served workspace: the queue's only scheduler.

The job table of the in-process worker (bot/rituals/worker.py), per workspace:

| job                 | every                     | due when                                         |
|---------------------|---------------------------|--------------------------------------------------|
| `sync_source`       | the source's interval     | its period's claim is free                       |
| `rollup`            | 15 min (and after a sync) | its period's claim is free                       |
| `alerts`            | 1 min                     | its period's claim is free                       |
| `health`            | 5 min                     | the workspace has sources (or an open alert of a removed one); claim free |
| `interval_ritual`   | the ritual's `every`      | claim free (registry rituals with their own job: reminders) |
| `themes`            | 6 h                       | 6 h since its last stored run; claim free        |
| `trackers`          | `[trackers] poll_minutes` | the workspace has Jira/Linear credentials; claim free |
| `crm`               | 1 h (a sync once a day)   | the workspace has a HubSpot token; claim free    |
| `ritual`            | its schedule              | within its time and grace, not in the ledger yet |

A claim (`bot.rituals.lease.claim_in`) is a lease row per job and workspace that only
an expired one can be taken from, so whichever worker plans first enqueues a job
for that period and every other worker, at the same instant or later in the
period, finds it taken: `worker --once` from any number of processes, or one
long-running worker's clock, enqueue each piece of work once. `enqueue` takes the
claim and defers the job in one transaction (Procrastinate's `defer` on the
claim's connection), so a process that dies between the two leaves neither and
the next plan queues the job. The queueing lock keeps one waiting job per task
and scope besides.

`plan` lists the due jobs in rounds, one job per workspace per round, so that
first-in-first-out treats a workspace with ten sources and one with one alike.
`enqueue_due` plans and queues `PLAN_CHUNK` workspaces at a time, so workers start on
the first jobs while the rest are planned (`worker --once` waits for the planner:
bot/queue/run.py).
"""
from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.queue.tasks import lock_for, queueing_lock_for
from bot.queue.tenants import Tenant, Tenants
from bot.rituals import lease
from bot.rituals.registry import RITUALS
from bot.rituals.worker import EVERY  # the in-process job table's intervals

log = logging.getLogger(__name__)
RITUAL_RETRY = timedelta(minutes=10)  # a ritual still not in the ledger is queued again after this


@dataclass(frozen=True)
class Planned:
    task: str
    kwargs: dict[str, Any] = field(hash=False)
    lock: str
    queueing_lock: str
    claim: str  # its lease name: taken for `every` when the job is queued
    every: timedelta


PLAN_CHUNK = 25  # workspaces planned and queued at a time: workers start on the first ones meanwhile


def enqueue_due(tenants: Tenants, now: datetime, *, between: Callable[[], object] = lambda: None) -> int:
    """Queue every job due now whose period nobody has claimed yet; how many were queued. Planned and
    queued `PLAN_CHUNK` workspaces at a time (calling `between` after each), so that with hundreds of
    workspaces the first jobs run while the rest are still being planned."""
    served, sessions, queued = tenants.served(), tenants.runtime.session_factory(), 0
    for start in range(0, len(served), PLAN_CHUNK):
        queued += enqueue(sessions, plan(tenants, now, served[start:start + PLAN_CHUNK]), now)
        between()
    return queued


def plan(tenants: Tenants, now: datetime, workspaces: list[str] | None = None) -> list[Planned]:
    """Every job due now, round by round across the served workspaces (or those of `workspaces`, taken as
    served; `enqueue` claims them)."""
    per_workspace = []
    for workspace_id in tenants.served() if workspaces is None else workspaces:
        tenant = tenants.tenant(workspace_id, check=False)
        if tenant is None:
            continue
        try:
            per_workspace.append(plan_workspace(tenant, now))
        except Exception:  # one workspace's broken settings must not stop the others'
            log.exception("planning workspace %s failed", workspace_id)
    rounds = itertools.zip_longest(*per_workspace)
    return [job for round_ in rounds for job in round_ if job is not None]


def plan_workspace(tenant: Tenant, now: datetime) -> list[Planned]:
    sessions = tenant.runtime.session_factory()
    ws = tenant.workspace_id
    jobs: list[Planned] = []

    def add(task: str, every: timedelta, claim: str, *, scope: str = "", in_period: str = "", **kwargs: Any) -> None:
        jobs.append(Planned(task, {"workspace_id": ws, **kwargs}, lock_for(task, ws, scope),
                            queueing_lock_for(task, ws, scope, in_period), f"due:{claim}", every))

    for due in due_rituals(tenant, now):
        add("ritual", RITUAL_RETRY, f"ritual:{ws}:{due.ritual}:{due.period}", scope=due.ritual, in_period=due.period,
            ritual=due.ritual, period=due.period, day=due.day)
    sources = {name: s for name, s in tenant.settings.file.sources.items() if s.enabled}
    for name, source in sources.items():
        add("sync_source", timedelta(minutes=source.interval_minutes), f"sync:{ws}:{name}", scope=name, source=name)
    add("alerts", EVERY["alerts"], f"alerts:{ws}")
    if sources or open_health_alerts(sessions, ws):  # a removed source's open alert is still closed
        add("health", EVERY["health"], f"health:{ws}")
    for ritual in RITUALS.values():  # the registry's rituals with their own job: owner reminders
        if ritual.every is not None:
            add("interval_ritual", ritual.every, f"{ritual.key}:{ws}", scope=ritual.key, ritual=ritual.key)
    add("rollup", EVERY["refresh"], f"rollup:{ws}")
    if themes_due(tenant, now):
        add("themes", EVERY["themes"], f"themes:{ws}")
    add_integrations(tenant, add)
    return jobs


def open_health_alerts(sessions, workspace_id: str) -> bool:
    from bot.storage.health import open_alerts

    with sessions() as session:
        return bool(open_alerts(session, workspace_id=workspace_id))


def add_integrations(tenant: Tenant, add) -> None:
    """The trackers' poll and the CRM check for a workspace with credentials: its stored ones, or the
    environment's for the config file's own workspace (the tenant's settings carry them: settings_for)."""
    from bot.crm.sync import configured as crm_configured
    from bot.trackers.clients import configured as trackers_configured

    ws, settings = tenant.workspace_id, tenant.settings
    if trackers_configured(settings):
        add("trackers", timedelta(minutes=settings.file.trackers.poll_minutes), f"trackers:{ws}")
    if crm_configured(settings):
        add("crm", EVERY["crm"], f"crm:{ws}")


@dataclass(frozen=True)
class DueRitual:
    ritual: str
    period: str
    day: str  # the local day it is for, ISO


def due_rituals(tenant: Tenant, now: datetime) -> list[DueRitual]:
    """The periodic rituals due now (within their grace) and not yet done for their period."""
    from bot.rituals import ledger, schedule
    from bot.rituals.delivery import RecordingDelivery
    from bot.rituals.runner import Runner

    sessions = tenant.runtime.session_factory()
    runner = Runner(tenant.settings, sessions, RecordingDelivery())  # schedules only: nothing is sent
    found = []
    for due in runner.due_rituals(now):
        row = ledger.find(sessions, workspace_id=tenant.workspace_id, key=ledger.Key(f"{due.ritual}#run", "-", due.period))
        if row is None or row.status != ledger.POSTED:
            day = schedule.local_date(due.scheduled_at, runner.schedules()[due.ritual].timezone)
            found.append(DueRitual(due.ritual, due.period, day.isoformat()))
    return found


def themes_due(tenant: Tenant, now: datetime) -> bool:
    from bot.themes.service import last_run_at

    last = last_run_at(tenant.runtime.session_factory(), workspace_id=tenant.workspace_id)
    return last is None or last + EVERY["themes"] <= now


def enqueue(sessions, planned: list[Planned], now: datetime) -> int:
    """Claim and defer each planned job, the two in one transaction (neither stays without the other); how
    many were queued. A job claimed for its period already is skipped; one already waiting under its
    queueing lock is not queued again, and its claim stands."""
    from procrastinate.exceptions import AlreadyEnqueued

    from bot.queue.app import defer_app
    from bot.queue.tasks import PREFIX

    app, queued = defer_app(), 0
    for job in planned:
        with sessions.begin() as session:
            if not lease.claim_in(session, name=job.claim, now=now, ttl=job.every):
                continue
            try:
                with session.begin_nested():  # AlreadyEnqueued must not abort the claim's transaction
                    connection = session.connection().connection.driver_connection  # emits the SAVEPOINT
                    app.configure_task(PREFIX + job.task, lock=job.lock, queueing_lock=job.queueing_lock,
                                       connection=connection).defer(**job.kwargs)
                queued += 1
            except AlreadyEnqueued:
                pass
    return queued
