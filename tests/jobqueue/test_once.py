"""`signalroom worker --once` on the job queue: two workspaces with their own fake Zendesks (one with two
accounts), two worker processes at once; then a worker killed mid-sync and another that recovers its job."""
from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.cli import main
from tests.fakes.loopback import serve
from tests.jobqueue.conftest import EMAIL, export_requests, fake_zendesk, finished, worker

SOURCES = (("T0001", "emea", "TOKEN_A"), ("T0001", "us", "TOKEN_B"), ("T0002", "emea", "TOKEN_C"))


def add_sources(env, urls) -> dict[str, str]:
    """Workspaces T0001 and T0002 and their stored sources; the environment without the tokens."""
    secrets = {"TOKEN_A": "token-a", "TOKEN_B": "token-b", "TOKEN_C": "token-c"}
    for team in ("T0001", "T0002"):
        assert main(["workspace", "add", team], env=env) == 0
    for (team, name, var), url in zip(SOURCES, urls):
        assert main(["source", "add", name, "--workspace", team, "--type", "zendesk", "--url", url,
                     "--email", EMAIL, "--secret-env", var], env={**env, **secrets}) == 0
    return env


def tickets(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT workspace_id, source, COUNT(*) FROM tickets GROUP BY 1, 2 ORDER BY 1, 2"))]


def reviews(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT workspace_id, status, COUNT(*) FROM posted_messages WHERE ritual = 'weekly_review' "
            "GROUP BY 1, 2 ORDER BY 1"))]


def test_two_workers_at_once_sync_each_source_once_and_post_each_review_once(env, pg_engine, fake_slack, capsys):
    fakes = [fake_zendesk("token-a", range(1, 4)), fake_zendesk("token-b", range(1, 3)),
             fake_zendesk("token-c", range(1, 6))]
    with serve(fakes[0]) as a, serve(fakes[1]) as b, serve(fakes[2]) as c:
        add_sources(env, [a, b, c])
        first, second = worker(env), worker(env)
        outs = [finished(first), finished(second)]
        assert [export_requests(f) for f in fakes] == [1, 1, 1]  # each source synced once, by one of them
        again = finished(worker(env))  # a third in the same period: nothing is due again
        assert [export_requests(f) for f in fakes] == [1, 1, 1]
    assert tickets(pg_engine) == [("T0001", "emea", 3), ("T0001", "us", 2), ("T0002", "emea", 5)]
    # One review per workspace (the config file's own "default" too), each posted once.
    assert reviews(pg_engine) == [("T0001", "posted", 1), ("T0002", "posted", 1), ("default", "posted", 1)]
    assert len(fake_slack.in_channel("C0REVIEW")) == 3
    assert sum("enqueued" in out for out in outs) == 2 and "0 job(s) enqueued" in again
    with pg_engine.connect() as connection:  # the queue is empty: every job ran (and was deleted)
        left = connection.execute(text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY 1")).all()
    assert left == []


def test_paused_workspace_is_skipped(env, pg_engine, fake_slack):
    fakes = [fake_zendesk("token-a", range(1, 4)), fake_zendesk("token-b", range(1, 3)),
             fake_zendesk("token-c", range(1, 6))]
    with serve(fakes[0]) as a, serve(fakes[1]) as b, serve(fakes[2]) as c:
        add_sources(env, [a, b, c])
        with pg_engine.begin() as connection:
            connection.execute(text("UPDATE workspaces SET paused = true WHERE team_id = 'T0002'"))
        finished(worker(env))
        assert [export_requests(f) for f in fakes] == [1, 1, 0]
    assert reviews(pg_engine) == [("T0001", "posted", 1), ("default", "posted", 1)]


def test_kill_9_mid_sync_loses_nothing_and_duplicates_nothing(env, pg_engine, fake_slack):
    fake = fake_zendesk("token-a", range(1, 8))
    with serve(fake) as url:
        add_sources(env, [url])  # T0001/emea (the other two sources point at nothing served: never reached)
        fake.gate_after = len(fake.requests)  # the next request (the first export page) blocks until the gate opens
        doomed = worker(env, "--stalled-after", "2", "--queues", "posts,sync")
        reached = fake.gated.wait(60)
        os.kill(doomed.pid, signal.SIGKILL)  # whatever happened: never leave it running
        assert reached, doomed.communicate(timeout=5)[1][-2000:]
        doomed.wait(5)
        fake.gate.set()
        with pg_engine.connect() as connection:
            stuck = connection.execute(text("SELECT task_name, status FROM procrastinate_jobs "
                                            "WHERE status = 'doing'")).all()
        assert [tuple(r) for r in stuck] == [("signalroom.sync_source", "doing")]
        posted = [("T0001", "posted", 1), ("T0002", "posted", 1), ("default", "posted", 1)]
        assert reviews(pg_engine) == posted  # posts go first
        time.sleep(2.5)  # its heartbeat goes stale
        out = finished(worker(env, "--stalled-after", "2"))
    assert "1 recovered" in out
    assert [r for r in tickets(pg_engine) if r[:2] == ("T0001", "emea")] == [("T0001", "emea", 7)]
    assert reviews(pg_engine) == posted
    tops = fake_slack.in_channel("C0REVIEW")
    assert len(tops) == 3  # the killed worker's review was not posted again


def test_a_worker_that_starts_while_another_plans_works_the_jobs_it_queues(env, pg_engine, fake_slack):
    """With hundreds of workspaces planning takes a while. A worker that finds the round taken must not
    take the still-empty queue for the end while the planner holds the planning lease: it used to exit at
    once, so extra workers added no capacity (bench/scaleout.py: 3 of 4 workers done in a second)."""
    from bot.config import load_settings
    from bot.context import Runtime
    from bot.queue.due import enqueue_due
    from bot.queue.run import PLANNING
    from bot.queue.tenants import Tenants
    from bot.rituals import lease
    from bot.storage.engine import make_session_factory

    fakes = [fake_zendesk("token-a", range(1, 4)), fake_zendesk("token-b", range(1, 3)),
             fake_zendesk("token-c", range(1, 6))]
    sessions, now = make_session_factory(pg_engine), datetime.now(UTC)
    with serve(fakes[0]) as a, serve(fakes[1]) as b, serve(fakes[2]) as c:
        add_sources(env, [a, b, c])
        assert lease.acquire(sessions, name=PLANNING, holder="the-other-planner", now=now, ttl=timedelta(minutes=2))
        assert lease.claim(sessions, name="due:plan-round", now=now, ttl=timedelta(minutes=2))
        late = worker(env)
        deadline = time.monotonic() + 60
        while not registered(pg_engine) and time.monotonic() < deadline and late.poll() is None:
            time.sleep(0.2)
        time.sleep(2.0)  # four of its polls of an empty queue
        assert late.poll() is None, "the worker left while the round was still being planned"
        runtime = Runtime(load_settings(env, config_path=env["SIGNALROOM_CONFIG"]), env=env)
        try:  # the other planner queues the round's jobs, then lets go
            assert enqueue_due(Tenants(runtime), datetime.now(UTC)) > 0
        finally:
            runtime.close()
        lease.release(sessions, name=PLANNING, holder="the-other-planner")
        finished(late)
        assert [export_requests(f) for f in fakes] == [1, 1, 1]  # the late worker ran them all
    assert reviews(pg_engine) == [("T0001", "posted", 1), ("T0002", "posted", 1), ("default", "posted", 1)]


def registered(engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() > 0
