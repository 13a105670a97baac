"""A single-team install whose token Slack revoked: one Slack call in the run that finds out, none after.

The worker posts with SLACK_BOT_TOKEN through the real `delivery_for`; the fake Slack answers the revoked
token as Slack does (HTTP 200, ok: false, error: token_revoked).
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import time_machine

from bot.config import load_settings
from bot.context import Runtime
from bot.rituals.worker import Worker
from bot.slack.delivery import delivery_for
from tests.rituals.scenario import settings as write_config
from tests.rituals.test_worker import MONDAY, seed

TOKEN = "xoxb-single-team"
DUE = datetime(2026, 11, 23, 8, 45, tzinfo=UTC)  # Monday 09:45 in Berlin: the weekly review is due


def runtime(tmp_path, engine, session_factory, slack, token: str = TOKEN) -> Runtime:
    write_config(tmp_path)
    env = {"SLACK_BOT_TOKEN": token, "SLACK_API_URL": slack.api_url}
    return Runtime(load_settings(env, config_path=str(tmp_path / "signalroom.toml")), _engine=engine,
                   _sessions=session_factory)


def run_once(runtime_: Runtime, holder: str) -> Worker:
    """One `signalroom worker --once` (in process): a fresh delivery, as a new process would have."""
    from bot.rituals.cli import make_runner

    worker = Worker(make_runner(runtime_, delivery_for(runtime_, post=True)), holder=holder)
    assert worker.run_once()
    worker.step_down()
    return worker


def calls_with(slack, token: str) -> list:
    return [c for c in slack.calls if c.token == token]


@pytest.mark.parametrize("error", ["token_revoked", "account_inactive", "invalid_auth"])
def test_a_revoked_token_costs_one_call_then_none(tmp_path, engine, session_factory, fake_slack, caplog, error):
    seed(session_factory, MONDAY)
    fake_slack.revoke(TOKEN, error=error)
    rt = runtime(tmp_path, engine, session_factory, fake_slack)
    with time_machine.travel(DUE, tick=False), caplog.at_level(logging.INFO):
        run_once(rt, "worker-a")
        assert len(calls_with(fake_slack, TOKEN)) == 1  # the first refusal ends the workspace's posts
        refusals = [r for r in caplog.records if error in r.getMessage() and r.levelno >= logging.WARNING]
        assert len(refusals) == 1 and "SLACK_BOT_TOKEN" in refusals[0].getMessage()
        assert TOKEN not in caplog.text

        run_once(runtime(tmp_path, engine, session_factory, fake_slack), "worker-b")  # the next run
        assert len(calls_with(fake_slack, TOKEN)) == 1

        from bot.queue.tenants import Tenants
        assert Tenants(rt).served() == [] and Tenants(rt).tenant("default") is None  # nor does the queue


def test_a_new_token_lifts_the_mark(tmp_path, engine, session_factory, fake_slack):
    seed(session_factory, MONDAY)
    fake_slack.revoke(TOKEN)
    with time_machine.travel(DUE, tick=False):
        run_once(runtime(tmp_path, engine, session_factory, fake_slack), "worker-a")
        assert fake_slack.in_channel("C0REVIEW") == []

        fresh = runtime(tmp_path, engine, session_factory, fake_slack, token="xoxb-reinstalled")
        from bot.queue.tenants import Tenants
        assert Tenants(fresh).served() == ["default"]
        run_once(fresh, "worker-b")
    assert len(fake_slack.in_channel("C0REVIEW")) == 1  # the review the revoked token could not post


def test_the_mark_is_checked_again_after_a_while(tmp_path, engine, session_factory, fake_slack):
    """Slack has answered invalid_auth in outages: a refusal silences the workspace until the mark is re-checked
    (`revocations.RECHECK`), not for good; a token still refused then costs one call and is marked again."""
    from datetime import timedelta

    from bot.queue.tenants import Tenants
    from bot.slack.revocations import RECHECK

    seed(session_factory, MONDAY)
    fake_slack.revoke(TOKEN, error="invalid_auth")
    rt = runtime(tmp_path, engine, session_factory, fake_slack)
    with time_machine.travel(DUE, tick=False):
        run_once(rt, "worker-a")
        assert Tenants(rt).served() == []
    with time_machine.travel(DUE + RECHECK - timedelta(minutes=1), tick=False):
        assert Tenants(rt).served() == [] and not Tenants(rt).is_served("default")
    with time_machine.travel(DUE + RECHECK + timedelta(minutes=1), tick=False):
        assert Tenants(rt).served() == ["default"] and Tenants(rt).is_served("default")  # tried again
        run_once(runtime(tmp_path, engine, session_factory, fake_slack), "worker-b")
        assert len(calls_with(fake_slack, TOKEN)) == 2  # still refused: one call, marked again
        assert Tenants(rt).served() == []
    fake_slack.revoked.pop(TOKEN)  # the outage is over
    with time_machine.travel(DUE + 2 * RECHECK + timedelta(minutes=2), tick=False):
        run_once(runtime(tmp_path, engine, session_factory, fake_slack), "worker-c")
    assert len(fake_slack.in_channel("C0REVIEW")) == 1  # the review posts once Slack takes the token again
