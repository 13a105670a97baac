"""The long-running queue worker: APScheduler's clock enqueues what is due, the queue runs it; SIGTERM
stops it cleanly (exit 0) and releases the scheduler lease."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from bot.cli import main
from tests.fakes.loopback import serve
from tests.jobqueue.conftest import EMAIL, ROOT, export_requests, fake_zendesk


def test_serve_syncs_then_stops_on_sigterm_and_releases_the_lease(env, pg_engine):
    fake = fake_zendesk("token-a", range(1, 5))
    with serve(fake) as url:
        assert main(["workspace", "add", "T0001"], env=env) == 0
        assert main(["source", "add", "emea", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                     "--email", EMAIL, "--secret-env", "TOKEN_A"], env={**env, "TOKEN_A": "token-a"}) == 0
        process = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env={**os.environ, **env},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and tickets(pg_engine) < 4:
                time.sleep(0.2)
            assert tickets(pg_engine) == 4
            with pg_engine.connect() as connection:
                leases = connection.execute(text("SELECT name FROM leases WHERE name = 'queue-scheduler'")).all()
            assert len(leases) == 1
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err[-2000:]
    assert export_requests(fake) == 1
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM leases WHERE name = 'queue-scheduler'")).scalar() == 0


def tickets(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM tickets WHERE workspace_id = 'T0001'")).scalar()
