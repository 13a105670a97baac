"""What the planner enqueues on the real queue: every due job of a workspace waits in the queue, each
under its own queueing lock, though the posting ones share one run lock; a job is claimed for its period
in the transaction that queues it."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.context import Runtime
from bot.queue.due import Planned, enqueue, enqueue_due
from bot.queue.tenants import Tenants
from bot.storage.engine import make_session_factory


def plan_and_enqueue(env, now: datetime) -> int:
    runtime = Runtime(load_settings(env, config_path=env["SIGNALROOM_CONFIG"]), env=env)
    tenants = Tenants(runtime)
    try:
        return enqueue_due(tenants, now)
    finally:
        tenants.close()
        runtime.close()


def waiting(engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT task_name, lock, args->>'ritual' FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id"))]


def test_alerts_and_reminders_both_wait_though_they_never_run_side_by_side(env, pg_engine):
    now = datetime.now(UTC)
    queued = plan_and_enqueue(env, now)
    jobs = waiting(pg_engine)
    assert queued == len(jobs)
    assert ("signalroom.alerts", "posts:default", None) in jobs
    assert ("signalroom.interval_ritual", "posts:default", "reminders") in jobs  # the registry's `every` ritual
    assert plan_and_enqueue(env, now) == 0  # every period is claimed: a second planner queues nothing


def test_a_job_that_cannot_be_queued_leaves_its_period_unclaimed(pg_engine):
    sessions = make_session_factory(pg_engine)
    now = datetime.now(UTC)
    job = Planned("alerts", {"workspace_id": "T0001"}, "posts:T0001", "alerts:T0001", "due:alerts:T0001",
                  timedelta(minutes=1))
    unqueueable = dataclasses.replace(job, kwargs={"workspace_id": "T0001", "at": object()})  # not JSON
    with pytest.raises(TypeError):
        enqueue(sessions, [unqueueable], now)  # as if the process died between the claim and the job
    assert waiting(pg_engine) == []
    assert enqueue(sessions, [job], now) == 1  # the claim went with the job: the period's job is queued
    assert enqueue(sessions, [job], now) == 0
    later = now + timedelta(minutes=2)  # the claim ran out while the job still waits
    assert enqueue(sessions, [job], later) == 0  # AlreadyEnqueued: its claim is taken all the same
    assert waiting(pg_engine) == [("signalroom.alerts", "posts:T0001", None)]
    with pg_engine.connect() as connection:
        expires = connection.execute(text("SELECT expires_at FROM leases WHERE name = 'due:alerts:T0001'")).scalar()
    assert expires == later + timedelta(minutes=1)
