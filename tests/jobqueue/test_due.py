"""What the planner enqueues on the real queue: every due job of a workspace waits in the queue, each
under its own queueing lock, though the posting ones share one run lock."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text

from bot.config import load_settings
from bot.context import Runtime
from bot.queue.app import make_app
from bot.queue.due import enqueue, plan
from bot.queue.tenants import Tenants


def plan_and_enqueue(env, now: datetime) -> int:
    runtime = Runtime(load_settings(env, config_path=env["SIGNALROOM_CONFIG"]), env=env)
    tenants = Tenants(runtime)
    try:
        app = make_app(env["DATABASE_URL"])

        async def go() -> int:
            async with app.open_async():
                return await enqueue(app, plan(tenants, now))

        return asyncio.run(go())
    finally:
        tenants.close()
        runtime.close()


def waiting(engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT task_name, lock, args->>'ritual' FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id"))]


def test_alerts_and_reminders_both_wait_though_they_never_run_side_by_side(env, pg_engine):
    plan_and_enqueue(env, datetime.now(UTC))
    jobs = waiting(pg_engine)
    assert ("signalroom.alerts", "posts:default", None) in jobs
    assert ("signalroom.interval_ritual", "posts:default", "reminders") in jobs  # the registry's `every` ritual
