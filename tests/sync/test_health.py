"""Source health (issue 11.6): failures classified as the adapters report them, the health row each sync
leaves, `signalroom status` (JSON contract, table, exit codes) and the [health] settings."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.storage.health_models import SourceHealth
from bot.sync.health import classify, record_problem, record_result, redact, source_statuses
from bot.sync.service import SourceResult, sync_source
from integrations.zendesk import ZendeskAdapter
from tests.fakes.clock import FakeClock
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

START = datetime(2020, 1, 1, tzinfo=UTC)


def zendesk_sync(session_factory, fake):
    clock = FakeClock()
    adapter = ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://acme.zendesk.com",
                             email="a@example.com", api_token="t", name="zendesk", page_size=10, sleep=clock.sleep,
                             clock=clock.time)
    return sync_source(adapter, session_factory=session_factory, workspace_id="T1", start=START)


def faulty(kind, times=50):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 4)])
    fake.fail_next(kind, times=times)
    return fake


def looping():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 40)])
    fake.repeat_cursor_at = {2}  # hands back the request's own cursor
    return fake


@pytest.mark.parametrize(("fake", "kind"), [
    (lambda: FakeZendesk([zendesk_ticket(1)], auth="Bearer other"), "auth"),  # a revoked token: 401
    (lambda: faulty("403", 1), "auth"),
    (lambda: faulty("429"), "rate_limited"),  # still 429 after every retry
    (lambda: faulty("503"), "server"),
    (lambda: faulty("500"), "server"),
    (lambda: faulty("timeout"), "timeout"),
    (lambda: faulty("connect"), "network"),
    (lambda: faulty("404", 1), "refused"),
    (lambda: faulty("malformed"), "unparseable"),
    (lambda: looping(), "loop"),
    (lambda: FakeZendesk([zendesk_ticket(i) for i in range(1, 4)]), None),
], ids=["401", "403", "429", "503", "500", "timeout", "connect", "404", "malformed", "loop", "ok"])
def test_failures_are_classified_as_the_adapters_report_them(session_factory, fake, kind):
    result = zendesk_sync(session_factory, fake())
    assert classify(result, type="zendesk") == kind, result.error


def test_a_sync_that_stores_nothing_but_quarantine_is_a_failure():
    assert classify(SourceResult("z", fetched=3, quarantined=3)) == "quarantined"
    assert classify(SourceResult("z", fetched=3, quarantined=1, inserted=2)) is None  # some stored: a success
    assert classify(SourceResult("z")) is None  # nothing new: a success
    assert classify(SourceResult("c", error="c: CSV file not found: x.csv (check sources.c.path)"), type="csv") == "config"
    assert classify(SourceResult("c", error="c: x.csv: use --mapping with delimiter = ';'"), type="csv") == "csv"
    assert classify(SourceResult("z", error="z: unexpected KeyError (run with -v for details)")) == "unexpected"


def test_redact_masks_credentials_and_keeps_one_short_line():
    text = redact("GET https://bob:hunter2@acme.example/x?api_key=s3cret&page=2 failed\nAuthorization: Bearer "
                  "abcdef1234567890 xoxb-1-2-3 " + "x" * 900)
    assert "hunter2" not in text and "s3cret" not in text and "abcdef1234567890" not in text and "xoxb-1" not in text
    assert "\n" not in text and len(text) <= 500 and "page=2" in text


def test_the_health_row_counts_failures_in_a_row_and_a_success_resets_them(session_factory):
    t0 = datetime(2026, 11, 27, 8, tzinfo=UTC)
    ok = SourceResult("zendesk", fetched=4, inserted=4, quarantined=1)
    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk", result=ok, now=t0)
    denied = SourceResult("zendesk", error="zendesk: authentication failed (HTTP 401); check X", auth_failed=True)
    for minute in (10, 20):
        assert record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk", result=denied,
                             now=t0 + timedelta(minutes=minute)) == "auth"
    record_problem(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                   error="zendesk: set ZENDESK_SUBDOMAIN or ZENDESK_URL", now=t0 + timedelta(minutes=30))
    record_result(session_factory, workspace_id="OTHER", source="zendesk", type="zendesk", result=ok, now=t0)
    with session_factory() as session:
        row = session.scalar(select(SourceHealth).where(SourceHealth.workspace_id == "T1"))
        assert (row.consecutive_failures, row.last_error_kind, row.last_success_at) == (3, "config", t0)
        assert row.failing_since == t0 + timedelta(minutes=10) and row.last_attempt_at == t0 + timedelta(minutes=30)
        assert row.last_error == "zendesk: set ZENDESK_SUBDOMAIN or ZENDESK_URL"
    later = t0 + timedelta(hours=1)
    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk", result=ok, now=later)
    with session_factory() as session:
        row = session.scalar(select(SourceHealth).where(SourceHealth.workspace_id == "T1"))
        assert (row.consecutive_failures, row.failing_since, row.last_error, row.last_success_at) == (0, None, None, later)
        assert (row.last_fetched, row.last_quarantined) == (4, 1)


CONFIG = """
workspace_id = "T1"
[sources.zendesk]
[sources.legacy]
type = "csv"
path = "legacy.csv"
max_lag_minutes = 1440
[sources.old]
type = "freshdesk"
enabled = false
"""


def cli_env(tmp_path, db_url, text=CONFIG):
    path = tmp_path / "signalroom.toml"
    path.write_text(text, encoding="utf-8")
    return {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url, "SIGNALROOM_LOG_LEVEL": "WARNING",
            "COLUMNS": "80"}


def test_status_json_shape_and_exit_codes(tmp_path, db_url, session_factory, capsys):
    env = cli_env(tmp_path, db_url)
    assert main(["status", "--json"], env=env) == 1  # never synced: not ok
    data = json.loads(capsys.readouterr().out)
    assert data == {"sources": [
        {"name": "zendesk", "type": "zendesk", "ok": False, "last_success_at": None, "lag_seconds": None,
         "last_error": None, "tickets": 0},
        {"name": "legacy", "type": "csv", "ok": False, "last_success_at": None, "lag_seconds": None,
         "last_error": None, "tickets": 0}]}

    now = datetime.now(UTC).replace(microsecond=0)
    synced = now - timedelta(minutes=5)
    for source, kind in (("zendesk", "zendesk"), ("legacy", "csv")):
        record_result(session_factory, workspace_id="T1", source=source, type=kind,
                      result=SourceResult(source, fetched=2, inserted=2), now=synced)
    assert main(["status", "--json"], env=env) == 0
    sources = json.loads(capsys.readouterr().out)["sources"]
    assert [set(s) for s in sources] == [{"name", "type", "ok", "last_success_at", "lag_seconds", "last_error",
                                          "tickets"}] * 2
    assert sources[0]["ok"] and sources[0]["last_success_at"] == synced.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert 300 <= sources[0]["lag_seconds"] < 400 and sources[0]["last_error"] is None

    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", error="zendesk: request failed (HTTP 503 after 6 attempts)"),
                  now=now)
    assert main(["status", "--json"], env=env) == 1
    zendesk, legacy = json.loads(capsys.readouterr().out)["sources"]
    assert not zendesk["ok"] and zendesk["last_error"] == "zendesk: request failed (HTTP 503 after 6 attempts)"
    assert zendesk["last_success_at"] == synced.strftime("%Y-%m-%dT%H:%M:%SZ") and legacy["ok"]


def test_status_table_fits_80_columns_and_says_what_is_wrong(tmp_path, db_url, session_factory, capsys):
    from tests.rituals import factories as f

    env = cli_env(tmp_path, db_url)
    now = datetime.now(UTC)
    error = ("zendesk: authentication failed (HTTP 401); check ZENDESK_EMAIL/ZENDESK_API_TOKEN "
             "(or ZENDESK_OAUTH_TOKEN) and the account URL")
    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", fetched=1, inserted=1), now=now - timedelta(hours=2))
    for _ in range(3):
        record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                      result=SourceResult("zendesk", error=error, auth_failed=True), now=now)
    record_result(session_factory, workspace_id="T1", source="legacy", type="csv",
                  result=SourceResult("legacy", fetched=1, inserted=1), now=now - timedelta(days=3))
    with session_factory.begin() as session:
        for n in range(1, 4):
            ticket = f.ticket(n, now - timedelta(days=1))
            ticket.workspace_id, ticket.source = "T1", "zendesk"
            session.add(ticket)
    assert main(["status"], env=env) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Sources: 2 of 2 not ok"
    assert all(len(line) <= 80 for line in lines), out
    zendesk = next(line for line in lines if line.startswith("zendesk"))
    assert zendesk.split()[:3] == ["zendesk", "zendesk", "failing"] and zendesk.split()[-1] == "3"
    assert "2.0 h" in zendesk
    assert "3 failed syncs in a row: zendesk: authentication failed (HTTP 401)" in " ".join(out.split())
    legacy = next(line for line in lines if line.startswith("legacy"))
    assert legacy.split()[:3] == ["legacy", "csv", "lagging"] and "3.0 days" in legacy
    assert "behind: the limit is 24.0 h" in out
    assert "old" not in out  # disabled


@pytest.mark.parametrize(("text", "message"), [
    ("[health]\nfailures = 0\n", "health.failures: Input should be greater than or equal to 1"),
    ("[health]\nmax_lag_minutes = 5\n[sources.zendesk]\ninterval_minutes = 10\n",
     "health.max_lag_minutes: 5 minutes is not longer than sources.zendesk.interval_minutes (10)"),
    ("[sources.zendesk]\ninterval_minutes = 30\nmax_lag_minutes = 30\n",
     "sources.zendesk.max_lag_minutes: 30 minutes is not longer than sources.zendesk.interval_minutes (30)"),
    ("[health]\nchannel = \"#alerts\"\n", "health.channel: '#alerts' is not a Slack channel id"),
    ("[health]\nfailure = 3\n", "health.failure: unknown key"),
])
def test_health_settings_errors_name_the_key(tmp_path, text, message):
    path = tmp_path / "signalroom.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings({}, config_path=str(path))
    assert message in str(error.value)


def test_health_settings_defaults_and_lag_per_source(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text("[sources.zendesk]\n[sources.daily]\ntype = \"csv\"\npath = \"d.csv\"\ninterval_minutes = 1440\n"
                    "[sources.eu]\ntype = \"intercom\"\nmax_lag_minutes = 45\n", encoding="utf-8")
    file = load_settings({}, config_path=str(path)).file
    assert (file.health.failures, file.health.channel) == (3, None)
    lags = {name: file.health.max_lag(source) for name, source in file.sources.items()}
    assert lags == {"zendesk": timedelta(hours=6), "daily": timedelta(days=2), "eu": timedelta(minutes=45)}


def test_statuses_are_scoped_by_workspace(tmp_path, session_factory):
    path = tmp_path / "signalroom.toml"
    path.write_text('workspace_id = "T1"\n[sources.zendesk]\n', encoding="utf-8")
    settings = load_settings({}, config_path=str(path))
    now = datetime(2026, 11, 27, tzinfo=UTC)
    record_result(session_factory, workspace_id="T2", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", fetched=1, inserted=1), now=now)
    with session_factory() as session:
        (status,) = source_statuses(session, settings=settings, now=now)
    assert status.state == "never" and status.last_success_at is None
