"""Source health alerts (issue 11.6): one alert per incident through the ledger, the same message edited on
recovery. Done when: a Zendesk source whose token is revoked (the fake answers 401 as Zendesk does) alerts
once after 3 failed worker syncs, not again on the 4th, and that message is edited when it recovers."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import time_machine
from slack_sdk import WebClient
from sqlalchemy import select

from bot.config import load_settings
from bot.context import Runtime
from bot.rituals import source_health
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.rituals.worker import Worker, make_sync
from bot.storage.health_models import SourceHealth
from bot.storage.models import PostedMessage
from bot.sync.health import record_result, source_statuses
from bot.sync.service import SourceResult
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket
from tests.golden import assert_golden

CONFIG = """
workspace_id = "T1"
[slack]
alerts_channel = "C0ALERTS"
[sources.zendesk]
lookback_minutes = 0
"""


def make_settings(tmp_path, env, extra=""):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    return load_settings({"SIGNALROOM_CONFIG": str(path), "SIGNALROOM_LOG_LEVEL": "WARNING", **env})


def make_worker(settings, sessions, slack_url, holder="w1", sync=None):
    client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack_url, retry_handlers=[])
    runner = Runner(settings, sessions, SlackDelivery(client=client, sleep=lambda s: None))
    return Worker(runner, holder=holder, sync=sync)


def sync_job(worker):
    return next(job.func for job in worker.job_table() if job.id == "sync:zendesk")


def alerts(fake_slack):
    return fake_slack.in_channel("C0ALERTS")


def test_a_revoked_token_alerts_once_after_three_failed_syncs_and_the_alert_is_edited_on_recovery(
        tmp_path, db_url, fake_slack, slack_url):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 6)], auth="Bearer zd")
    with serve(fake) as url:
        settings = make_settings(tmp_path, {"DATABASE_URL": db_url, "ZENDESK_URL": url, "ZENDESK_OAUTH_TOKEN": "zd"})
        runtime = Runtime(settings)
        try:
            worker = make_worker(settings, runtime.session_factory(), slack_url, sync=make_sync(runtime))
            job = sync_job(worker)
            job()
            assert alerts(fake_slack) == []  # a healthy sync says nothing

            fake.auth = "Bearer rotated"  # the token was revoked: every request now answers 401
            job()
            job()
            assert alerts(fake_slack) == []  # two failures: not yet
            job()
            (alert,) = alerts(fake_slack)
            assert "check ZENDESK_API_TOKEN" in alert["text"] and "zendesk" in alert["text"]
            job()  # the 4th failure: still failing, nothing new
            assert len(alerts(fake_slack)) == 1 and fake_slack.updates == []
            assert len(fake_slack.of("chat.postMessage")) == 1

            with runtime.session_factory()() as session:
                (status,) = source_statuses(session, settings=settings, now=datetime.now(UTC))
            assert status.state == "failing" and status.failures == 4 and status.error_kind == "auth"
            assert "zd" not in (status.last_error or "").split()  # the error names the variable, never the token

            fake.auth = "Bearer zd"  # a new token is configured
            job()
            assert len(alerts(fake_slack)) == 1 and len(fake_slack.of("chat.postMessage")) == 1
            (update,) = fake_slack.updates
            assert update["ts"] == alert["ts"] and update["channel"] == "C0ALERTS"
            assert "recovered" in update["text"]
            job()  # healthy again: nothing more
            assert len(fake_slack.updates) == 1 and len(fake_slack.of("chat.postMessage")) == 1
            with runtime.session_factory()() as session:
                row = session.scalar(select(SourceHealth))
                assert row.alert_ts is None and row.consecutive_failures == 0
        finally:
            runtime.close()


def failure(name="zendesk", error="zendesk: request failed (HTTP 503 after 6 attempts)"):
    return SourceResult(name, error=error)


def test_concurrent_workers_post_one_alert(tmp_path, session_factory, fake_slack, slack_url):
    settings = make_settings(tmp_path, {})
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    for minute in range(3):
        record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk", result=failure(),
                      now=now + timedelta(minutes=minute))
    workers = [make_worker(settings, session_factory, slack_url, holder=f"w{i}") for i in range(3)]
    with time_machine.travel(now + timedelta(minutes=5), tick=False), ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda w: w.check_sources(), workers))
        for w in workers:  # and every one of them again (a retried job)
            w.check_sources()
    (alert,) = alerts(fake_slack)
    assert "server errors (HTTP 503)" in alert["blocks"][1]["text"]["text"]
    with session_factory() as session:
        assert len(session.scalars(select(PostedMessage)).all()) == 1


def test_a_failed_post_is_retried_until_slack_takes_it(tmp_path, session_factory, fake_slack, slack_url):
    settings = make_settings(tmp_path, {})
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    for _ in range(3):
        record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                      result=failure(error="zendesk: request failed (ReadTimeout after 6 attempts)"), now=now)
    worker = make_worker(settings, session_factory, slack_url)
    worker.clock = lambda: now
    fake_slack.fail("chat.postMessage", "channel_not_found")
    worker.check_sources()
    assert alerts(fake_slack) == []
    worker.check_sources()
    (alert,) = alerts(fake_slack)
    assert "timed out" in alert["text"]
    worker.check_sources()
    assert len(alerts(fake_slack)) == 1


def test_a_lagging_source_alerts_once_and_the_alert_is_edited_when_it_syncs_again(
        tmp_path, session_factory, fake_slack, slack_url):
    settings = make_settings(tmp_path, {}, "max_lag_minutes = 120\n")
    synced = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", fetched=5, inserted=5), now=synced)
    worker = make_worker(settings, session_factory, slack_url)
    clock = [synced + timedelta(minutes=119)]
    worker.clock = lambda: clock[0]
    worker.check_sources()
    assert alerts(fake_slack) == []  # within the limit
    clock[0] = synced + timedelta(hours=3)
    worker.check_sources()
    (alert,) = alerts(fake_slack)
    assert "has not synced successfully for 3.0 h (limit 2.0 h)" in alert["blocks"][0]["text"]["text"]
    clock[0] = synced + timedelta(hours=5)
    worker.check_sources()  # later, still behind: no second alert
    assert len(alerts(fake_slack)) == 1 and fake_slack.updates == []
    record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", fetched=1, unchanged=1), now=clock[0])
    worker.check_sources()
    (update,) = fake_slack.updates
    assert update["ts"] == alert["ts"] and "recovered" in update["text"]
    # A new incident later (after that newer success) is a new message
    clock[0] += timedelta(hours=3)
    worker.check_sources()
    assert len(alerts(fake_slack)) == 2


def test_no_alerts_channel_posts_nothing(tmp_path, session_factory, fake_slack, slack_url):
    path = tmp_path / "signalroom.toml"
    path.write_text("workspace_id = \"T1\"\n[sources.zendesk]\n", encoding="utf-8")
    settings = load_settings({}, config_path=str(path))
    for _ in range(3):
        record_result(session_factory, workspace_id="T1", source="zendesk", type="zendesk", result=failure(),
                      now=datetime(2026, 11, 27, tzinfo=UTC))
    assert make_worker(settings, session_factory, slack_url).check_sources() == []
    assert fake_slack.of("chat.postMessage") == []


def golden_status(**overrides):
    from bot.sync.health import SourceStatus

    values = dict(name="zendesk", type="zendesk", state="failing",
                  last_success_at=datetime(2026, 11, 20, 8, tzinfo=UTC),
                  last_attempt_at=datetime(2026, 11, 27, 8, tzinfo=UTC), lag=timedelta(hours=7),
                  max_lag=timedelta(hours=6),
                  last_error="zendesk: authentication failed (HTTP 401); check ZENDESK_EMAIL/ZENDESK_API_TOKEN "
                             "(or ZENDESK_OAUTH_TOKEN) and the account URL",
                  error_kind="auth", failures=3, failing_since=datetime(2026, 11, 27, 7, tzinfo=UTC), tickets=120,
                  quarantined=0)
    values.update(overrides)
    return SourceStatus(**values)


def test_templates_golden(tmp_path):
    settings = make_settings(tmp_path, {})
    assert_golden("ritual_source_health", source_health.render_alert(golden_status(), settings, "failing:auth"))
    assert_golden("ritual_source_health_lagging",
                  source_health.render_alert(golden_status(failures=0, last_error=None), settings, "lagging"))
    assert_golden("ritual_source_health_recovered",
                  source_health.render_recovered(golden_status(state="ok", failures=0, last_error=None,
                                                               lag=timedelta(minutes=1)), settings, "failing:auth"))


def test_every_failure_kind_has_its_own_hint(tmp_path):
    settings = make_settings(tmp_path, {})
    kinds = ("auth", "config", "rate_limited", "server", "timeout", "network", "refused", "loop", "unparseable",
             "quarantined", "csv", "unexpected")
    texts = {source_health.render_alert(golden_status(error_kind=kind), settings, f"failing:{kind}")
             .blocks[1]["text"]["text"] for kind in kinds}
    assert len(texts) == len(kinds)
