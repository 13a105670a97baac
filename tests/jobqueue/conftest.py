"""The queue runs on the real PostgreSQL (never a mock of it), in every pass: these tests take the
session's throwaway PostgreSQL database directly, so CI (CI=true) fails rather than skips without one."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.credentials import new_key
from bot.queue.schema import apply
from bot.storage.engine import make_engine
from integrations.normalize import basic_auth_header
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket
from tests.rituals.factories import rituals_off

EMAIL = "agent@acme.example"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(_postgres_url):
    engine = make_engine(_postgres_url)
    apply(engine)
    yield _postgres_url
    with engine.begin() as connection:
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                         "AND tablename <> 'alembic_version'")).scalars().all()
        connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def review_due_now(now: datetime | None = None) -> str:
    """Config text: the weekly review is due now (two minutes ago, UTC); the other rituals are off."""
    at = (now or datetime.now(UTC)) - timedelta(minutes=2)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[at.weekday()]
    return f"""timezone = "UTC"
[slack]
review_channel = "C0REVIEW"
[rituals.weekly_review]
day = "{day}"
time = "{at:%H:%M}"
timezone = "UTC"
{rituals_off("digest", "account_risk", "reminders")}"""


@pytest.fixture
def env(tmp_path, pg_url, fake_slack):
    config = tmp_path / "signalroom.toml"
    config.write_text(review_due_now(), encoding="utf-8")
    return {"DATABASE_URL": pg_url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": new_key(),
            "SIGNALROOM_LOG_LEVEL": os.environ.get("QUEUE_TEST_LOG", "WARNING"), "SLACK_BOT_TOKEN": "xoxb-test-not-a-real-token",
            "SLACK_API_URL": fake_slack.api_url, "SIGNALROOM_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def fake_slack():
    from tests.fakes.slack import serve_slack

    with serve_slack() as fake:
        yield fake


def fake_zendesk(token: str, ids: range) -> FakeZendesk:
    now = int(time.time())
    return FakeZendesk([zendesk_ticket(i, updated_ts=now - 86_400 + i * 60) for i in ids],
                       auth=basic_auth_header(f"{EMAIL}/token", token))


def worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`signalroom worker --once ...` in its own process."""
    return subprocess.Popen([sys.executable, "-m", "bot", "worker", "--once", *args], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen, timeout: float = 60) -> str:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"worker still running after {timeout} s: {err[-3000:]}") from None
    assert process.returncode == 0, err[-3000:]
    if os.environ.get("QUEUE_TEST_DUMP"):
        Path(os.environ["QUEUE_TEST_DUMP"], f"worker-{process.pid}.log").write_text(err, encoding="utf-8")
    return out


def export_requests(fake: FakeZendesk) -> int:
    return sum(1 for r in fake.requests if r.url.path.startswith("/api/v2/incremental/tickets"))
