"""Exactly one message whatever fails between Slack and the database, and the owner DMs on time.

The trigger alert is the case the issue reproduced: a grouped alert posted, then a DM to the
playbook owner once the alert is recorded. Each fault strikes the alert's `chat.postMessage`; the fake
Slack and a real database (SQLite, and PostgreSQL with --db=postgres) tell what really happened.
"""
from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from slack_sdk import WebClient
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.rituals import ledger
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.storage.models import PostedMessage
from tests.rituals import factories as f
from tests.rituals.scenario import seed_tickets, settings
from tests.fakes.slack import serve_slack

MONDAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: the owner's working hours, DMs go at once
OWNER_DM = "DU0LEAD"


class Outage:
    """The database refuses every statement while `down` (as a lost connection would)."""

    def __init__(self, engine) -> None:
        self.down = False
        event.listen(engine, "before_cursor_execute", self._refuse)

    def _refuse(self, *args, **kwargs) -> None:
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionError("the database is down"))


@pytest.fixture
def seeded(session_factory):
    with session_factory.begin() as session:
        f.seed_review_scenario(session, MONDAY)
        seed_tickets(session, MONDAY)
    return session_factory


def make_runner(tmp_path, sessions, slack, *, timeout: int = 30) -> Runner:
    client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack.api_url, timeout=timeout,
                       retry_handlers=[])
    return Runner(settings(tmp_path), sessions, SlackDelivery(client=client, sleep=lambda s: None))


def alerts(slack):
    return slack.in_channel("C0ALERTS")


def owner_dms(slack):
    return [m for m in slack.messages if m["channel"] == OWNER_DM and "new alert" in m["text"]]


def ledger_rows(sessions, ritual: str) -> list[PostedMessage]:
    with sessions() as session:
        return list(session.scalars(select(PostedMessage).where(
            PostedMessage.workspace_id == "default", PostedMessage.ritual == ritual).order_by(PostedMessage.id)))


def alert_row(sessions):
    rows = ledger_rows(sessions, "alert")
    assert len(rows) == 1
    return rows[0]


def test_database_down_between_the_post_and_the_ledger(tmp_path, seeded, engine):
    outage = Outage(engine)
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}) as slack, \
            time_machine.travel(AT, tick=False) as traveller:
        slack.on_answer("chat.postMessage",
                        lambda call: setattr(outage, "down", True) if call.args.get("channel") == "C0ALERTS" else None)
        runner = make_runner(tmp_path, seeded, slack)
        with pytest.raises(OperationalError):
            runner.run_alerts()  # Slack stored the alert; its ledger row could not be written
        assert len(alerts(slack)) == 1 and owner_dms(slack) == []
        outage.down = False
        assert alert_row(seeded).status == "pending"

        traveller.move_to(AT + timedelta(seconds=30))  # the next minute's run, while the poster may still be at it
        make_runner(tmp_path, seeded, slack).run_alerts()
        assert len(alerts(slack)) == 1 and owner_dms(slack) == [] and slack.of("conversations.history") == []

        traveller.move_to(AT + ledger.CHECK_PENDING_AFTER)  # a restarted worker, a minute on
        make_runner(tmp_path, seeded, slack).run_alerts()
    assert len(alerts(slack)) == 1
    row = alert_row(seeded)
    assert row.status == "posted" and row.ts == alerts(slack)[0]["ts"]
    # the owner's DM went out with the run that found the alert, not 15 minutes later
    assert [m["at"] for m in owner_dms(slack)] == [AT + ledger.CHECK_PENDING_AFTER]


@pytest.mark.parametrize("fault", ["503 after store", "answer past the timeout"])
def test_a_lost_answer_is_found_by_its_key_and_never_posted_again(tmp_path, seeded, fault):
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}) as slack, time_machine.travel(AT, tick=False):
        if fault == "503 after store":
            slack.server_error("chat.postMessage", status=503, after_store=True, channel="C0ALERTS")
        else:
            slack.slow("chat.postMessage", 2.0, channel="C0ALERTS")
        runner = make_runner(tmp_path, seeded, slack, timeout=1)
        runner.run_alerts()
        runner.run_alerts()  # the next minute: nothing more
    assert len(alerts(slack)) == 1 and len(slack.of("chat.postMessage")) == 2  # the alert and the DM, once each
    assert alert_row(seeded).ts == alerts(slack)[0]["ts"]
    assert [m["at"] for m in owner_dms(slack)] == [AT]
    meta = alerts(slack)[0]["metadata"]
    assert meta["event_type"] == "signalroom_post" and meta["event_payload"]["key"] == alert_row(seeded).post_key


def test_an_owner_dm_answered_503_after_store_is_found_in_the_dm(tmp_path, seeded):
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}) as slack, time_machine.travel(AT, tick=False):
        slack.server_error("chat.postMessage", status=503, after_store=True, channel=OWNER_DM)
        make_runner(tmp_path, seeded, slack).run_alerts()
        make_runner(tmp_path, seeded, slack).run_alerts()
    assert len(owner_dms(slack)) == 1 and len(alerts(slack)) == 1
    assert slack.of("conversations.history")[0].args["channel"] == OWNER_DM  # read with im:history
    (dm,) = ledger_rows(seeded, "alert_dm")
    assert (dm.status, dm.ts) == ("posted", owner_dms(slack)[0]["ts"])


def test_a_post_that_did_not_land_is_posted_once_after_settling(tmp_path, seeded):
    """A 503 before anything was stored: looked for, not found, left unsure; posted again once a late copy
    can no longer appear, and exactly once."""
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}) as slack, \
            time_machine.travel(AT, tick=False) as traveller:
        slack.server_error("chat.postMessage", status=503, channel="C0ALERTS")
        make_runner(tmp_path, seeded, slack).run_alerts()
        assert alerts(slack) == [] and alert_row(seeded).status == "unsure"
        assert len(slack.of("conversations.history")) == 1  # looked for at once
        traveller.move_to(AT + timedelta(minutes=1))
        make_runner(tmp_path, seeded, slack).run_alerts()
        assert alerts(slack) == []  # not found, but too early to be sure
        traveller.move_to(AT + ledger.SETTLE)
        make_runner(tmp_path, seeded, slack).run_alerts()
        make_runner(tmp_path, seeded, slack).run_alerts()
    assert len(alerts(slack)) == 1 and alert_row(seeded).status == "posted"
    assert [m["at"] for m in owner_dms(slack)] == [AT + ledger.SETTLE]


def test_without_the_history_scope_a_lost_post_is_not_sent_again(tmp_path, seeded, caplog):
    scopes = {"chat:write", "im:write", "users:read", "users:read.email", "channels:join"}
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}, scopes=scopes) as slack, \
            time_machine.travel(AT, tick=False) as traveller:
        slack.server_error("chat.postMessage", status=503, after_store=True, channel="C0ALERTS")
        make_runner(tmp_path, seeded, slack).run_alerts()
        for minutes in (1, 5, 30):
            traveller.move_to(AT + timedelta(minutes=minutes))
            with caplog.at_level(logging.WARNING, logger="bot.rituals.publish"):
                make_runner(tmp_path, seeded, slack).run_alerts()
    assert len(alerts(slack)) == 1  # stored once by Slack; never a blind second post
    assert alert_row(seeded).status == "unsure"
    assert any("cannot be read to check" in r.getMessage() and "channels:history" in r.getMessage()
               for r in caplog.records)


def test_the_weekly_review_parent_answered_503_keeps_its_thread(tmp_path, seeded):
    """The issue's second reproduction: the parent appeared twice and the first copy had no thread."""
    with serve_slack() as slack, time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False):
        slack.server_error("chat.postMessage", status=503, after_store=True, channel="C0REVIEW")
        runner = make_runner(tmp_path, seeded, slack)
        runner.post("weekly_review", today=MONDAY, period="2026-W48")
        runner.post("weekly_review", today=MONDAY, period="2026-W48")
    parents = slack.in_channel("C0REVIEW")
    assert len(parents) == 1
    thread = [m for m in slack.messages if m["thread_ts"] == parents[0]["ts"]]
    assert len(thread) >= 3 and len(slack.in_channel("C0REVIEW", top_level=False)) == 1 + len(thread)



def test_a_chart_whose_upload_answer_was_lost_is_found_in_the_thread(tmp_path, seeded):
    with serve_slack() as slack, time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False):
        slack.server_error("files.completeUploadExternal", status=503, after_store=True)
        runner = make_runner(tmp_path, seeded, slack)
        runner.post("weekly_review", today=MONDAY, period="2026-W48")
        runner.post("weekly_review", today=MONDAY, period="2026-W48")
    names = [u["filename"] for u in slack.uploads]
    assert names and len(names) == len(set(names))  # each chart once, the lost answer's included
    assert len(slack.of("files.completeUploadExternal")) == len(names)  # never shared again blindly
    assert slack.of("conversations.replies")  # looked for in the thread instead
    charts = ledger_rows(seeded, "weekly_review#chart1")
    assert [(r.status, r.ts) for r in charts] == [("posted", slack.uploads[0]["id"])]
    assert len(slack.in_channel("C0REVIEW")) == 1


ONLY_ALERTS = "\n" + f.rituals_off("weekly_review", "digest", "account_risk", "reminders")
WORKER_SCRIPT = """
import logging, sys
from datetime import UTC, datetime

import time_machine

time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=True).start()

from slack_sdk import WebClient

from bot.config import load_settings
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.rituals.worker import Worker
from bot.storage.engine import make_engine, make_session_factory

config, db_url, api_url = sys.argv[1:4]
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
client = WebClient(token="xoxb-test-not-a-real-token", base_url=api_url, timeout=10, retry_handlers=[])
runner = Runner(load_settings({}, config_path=config), make_session_factory(make_engine(db_url)),
                SlackDelivery(client=client))
Worker(runner, holder="deployed-worker").serve()
"""


def test_sigterm_mid_post_finishes_the_post_and_releases_the_lease(tmp_path, seeded, db_url):
    """A real worker process (APScheduler, signal handlers) against the fake Slack on loopback, stopped
    by SIGTERM while Slack holds the alert's answer: it records the post, starts nothing new, releases
    the lease and exits 0; the next worker leads at once and sends the owner's DM on time."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.rituals.scenario import make_worker

    # The config the process reads: the alerts alone, so the test waits on nothing else.
    alerts_only = settings(tmp_path, ONLY_ALERTS)
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SCRIPT)
    with serve_slack(users={"U0LEAD": {"tz": "Europe/Berlin"}}) as slack:
        slack.slow("chat.postMessage", 4.0, channel="C0ALERTS")
        process = subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "signalroom.toml"), db_url, slack.api_url],
            cwd=os.getcwd(), stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not any(c.args.get("channel") == "C0ALERTS" for c in slack.of("chat.postMessage")):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("the worker never posted the alert:\n" + process.communicate()[1][-3000:])
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)  # Slack stored the alert and holds its answer for 4 s
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, stderr[-2000:]
        assert "SIGTERM" in stderr and "stopped" in stderr
        later = AT + timedelta(minutes=1)
        row = alert_row(seeded)
        assert row.status == "posted" and row.ts == alerts(slack)[0]["ts"]  # the post in flight was recorded
        assert owner_dms(slack) == []  # nothing new was started after SIGTERM

        with time_machine.travel(later, tick=False):
            successor = make_worker(alerts_only, seeded, slack.api_url, [], "next-worker")
            assert successor.run_once()  # the lease is free now, not 90 s later
    assert len(alerts(slack)) == 1
    assert [m["at"] for m in owner_dms(slack)] == [later]
    # every ledger row's message is in Slack exactly once
    keys = [m["metadata"]["event_payload"]["key"] for m in slack.messages
            if m.get("metadata") and not m["metadata"]["event_payload"].get("part")]
    assert len(keys) == len(set(keys)) and keys
