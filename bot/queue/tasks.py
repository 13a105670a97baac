"""The jobs: one workspace's piece of work each, registered on a Procrastinate app by `register`.

| task              | queue   | priority | lock (one at a time) | does                                                 |
|-------------------|---------|----------|----------------------|------------------------------------------------------|
| `sync_source`     | `sync`  | 10       | `sync:<ws>:<source>` | sync one source, its health, spikes; queues a rollup |
| `rollup`          | `heavy` | 0        | `rollup:<ws>`        | rollups + triggers, then alerts                      |
| `themes`          | `heavy` | 0        | `themes:<ws>`        | ticket themes (feeds the digests)                    |
| `ritual`          | `posts` | 20       | `posts:<ws>`         | one ritual for one period, through the ledger        |
| `alerts`          | `posts` | 20       | `posts:<ws>`         | trigger alerts, recoveries, the review's nudge       |
| `interval_ritual` | `posts` | 20       | `posts:<ws>`         | a ritual with its own `every` (reminders)            |
| `health`          | `posts` | 20       | `posts:<ws>`         | source health alerts                                 |
| `trackers`        | `sync`  | 10       | `trackers:<ws>`      | linked Jira/Linear issues' status                    |
| `crm`             | `sync`  | 10       | `crm:<ws>`           | the rule re-judged; HubSpot once a day               |

Workers fetch the highest priority first, then first in, first out: posts go before
syncs, syncs before the heavy jobs, and since `bot/queue/due.py` queues each round
one job per workspace at a time, a workspace with many sources cannot push a small
one's work back. A workspace's posting jobs never run side by side (`posts:<ws>`),
and the queueing lock (`<task>:<ws>[:<source or ritual>[:<period>]]`) keeps one waiting
job per task and scope. A job that fails is retried (`RETRY`); a job whose worker was killed is
found by its stale heartbeat and retried (bot/queue/run.py). Posting through the
ledger (bot/rituals/ledger.py) keeps a retried ritual to one post per period; a
retried sync resumes from its last stored checkpoint.

A job gets the process's `Tenants` in `context.additional_context["tenants"]` and finds
nothing to do for a workspace that is no longer served.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.queue.tenants import Tenant, runner_for, sync_source

log = logging.getLogger(__name__)
PREFIX = "signalroom."
QUEUES = ("posts", "sync", "heavy")


@dataclass(frozen=True)
class Kind:
    queue: str
    priority: int
    lock: str  # the lock's scope: `{ws}` and `{source}` are filled in


KINDS = {
    "sync_source": Kind("sync", 10, "sync:{ws}:{source}"),
    "rollup": Kind("heavy", 0, "rollup:{ws}"),
    "themes": Kind("heavy", 0, "themes:{ws}"),
    "ritual": Kind("posts", 20, "posts:{ws}"),
    "alerts": Kind("posts", 20, "posts:{ws}"),
    "interval_ritual": Kind("posts", 20, "posts:{ws}"),
    "health": Kind("posts", 20, "posts:{ws}"),
    "trackers": Kind("sync", 10, "trackers:{ws}"),
    "crm": Kind("sync", 10, "crm:{ws}"),
}


def lock_for(task: str, workspace_id: str, source: str = "") -> str:
    return KINDS[task].lock.format(ws=workspace_id, source=source)


def queueing_lock_for(task: str, workspace_id: str, source: str = "", period: str = "") -> str:
    """One waiting job per task and scope (a source; a ritual and its period). Not the run lock: the posting
    jobs share `posts:<ws>` to run one at a time, but a waiting `alerts` must not keep `reminders` out."""
    return ":".join(part for part in (task, workspace_id, source, period) if part)


def defer(app, task: str, *, lock: str, queueing_lock: str, **kwargs) -> bool:
    """Queue a job from a running job; False when one is waiting already (its queueing lock)."""
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        app.configure_task(PREFIX + task, lock=lock, queueing_lock=queueing_lock).defer(**kwargs)
    except AlreadyEnqueued:
        return False
    return True


def _tenant(context, workspace_id: str) -> Tenant | None:
    return context.additional_context["tenants"].tenant(workspace_id)


def _now() -> datetime:
    return datetime.now(UTC)


def run_sync(context, workspace_id: str, source: str) -> None:
    from bot.rituals import source_health

    if (tenant := _tenant(context, workspace_id)) is None:
        return
    result = sync_source(tenant, source, context.additional_context["tenants"].client())
    log.info("sync %s/%s: %s", workspace_id, source, "ok" if result.ok else result.error)
    runner = runner_for(tenant)
    source_health.send(runner.publisher(), runner.sessions, settings=tenant.settings, now=_now())
    if result.ok:
        runner.run_after_sync(_now())  # the registry's after-sync rituals: intraday spikes
    defer(context.app, "rollup", lock=lock_for("rollup", workspace_id),
          queueing_lock=queueing_lock_for("rollup", workspace_id), workspace_id=workspace_id)


def run_rollup(context, workspace_id: str) -> None:
    from bot.rituals.worker import make_refresh

    if (tenant := _tenant(context, workspace_id)) is None:
        return
    make_refresh(tenant.runtime)()
    runner_for(tenant).run_alerts(_now())


def run_themes(context, workspace_id: str) -> None:
    """In a spawned child that exits (a long-running worker keeps no themes peak), unless this process is
    a `--once` one that exits anyway."""
    from bot.rituals.worker import make_themes

    if (tenant := _tenant(context, workspace_id)) is not None:
        make_themes(tenant.runtime, child=context.additional_context.get("themes_child", True))()


def run_ritual(context, workspace_id: str, ritual: str, period: str, day: str) -> None:
    if (tenant := _tenant(context, workspace_id)) is not None:
        results = runner_for(tenant).post(ritual, today=date.fromisoformat(day), period=period, skip_posted=True)
        log.info("ritual %s %s for %s: %s", ritual, period, workspace_id,
                 ", ".join(r.outcome for r in results) or "nothing to post")


def run_alerts(context, workspace_id: str) -> None:
    if (tenant := _tenant(context, workspace_id)) is not None:
        runner = runner_for(tenant)
        runner.run_alerts(_now())
        runner.run_nudge(_now())


def run_interval_ritual(context, workspace_id: str, ritual: str) -> None:
    """A registry ritual that runs on its own interval (`every`: owner reminders), posting as of now."""
    if (tenant := _tenant(context, workspace_id)) is not None:
        runner_for(tenant).run_now(ritual, _now())


def run_health(context, workspace_id: str) -> None:
    from bot.rituals import source_health

    if (tenant := _tenant(context, workspace_id)) is not None:
        runner = runner_for(tenant)
        source_health.send(runner.publisher(), runner.sessions, settings=tenant.settings, now=_now())


def run_trackers(context, workspace_id: str) -> None:
    """The workspace's open linked issues that are due, with its own tracker credentials (settings_for)."""
    from bot.trackers.poll import poll_links

    if (tenant := _tenant(context, workspace_id)) is not None:
        report = poll_links(tenant.runtime.session_factory(), tenant.settings)
        log.info("trackers %s: %d refreshed, %d resolved", workspace_id, report.refreshed, report.resolved)


def run_crm(context, workspace_id: str) -> None:
    """The workspace's HubSpot check: its rule over the stored companies, and the daily sync when due."""
    from bot.crm.sync import run_if_due

    if (tenant := _tenant(context, workspace_id)) is not None:
        run_if_due(tenant.runtime.session_factory(), tenant.settings, now=_now())


FUNCTIONS = {"sync_source": run_sync, "rollup": run_rollup, "themes": run_themes, "ritual": run_ritual,
             "alerts": run_alerts, "interval_ritual": run_interval_ritual, "health": run_health, "trackers": run_trackers,
             "crm": run_crm}


def register(app) -> None:
    """Every job on `app`: named `signalroom.<task>`, with its queue, priority and retry policy."""
    from procrastinate import RetryStrategy

    retry = RetryStrategy(max_attempts=3, exponential_wait=5)  # 5 s, 25 s: a database blip, a Slack outage
    for name, func in FUNCTIONS.items():
        kind = KINDS[name]
        app.task(func, name=PREFIX + name, queue=kind.queue, priority=kind.priority, pass_context=True,
                 retry=retry)
