"""Request verification through the real endpoint: malformed headers are 401s, replays are refused
by every web process sharing the database, and refused requests leave one short log line."""
from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date

import pytest
from slack_sdk import WebClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot import logs
from bot.actions.service import list_actions, open_action
from bot.slack import action_ids as ids
from bot.slack.app import build_app
from bot.slack.server import build_asgi
from bot.slack.signatures import ReplayGuard, SignatureCheck, refusal, signature_check
from bot.storage.slack_models import SlackRequestSignature
from tests.slack.conftest import CHANNEL, NOW, OTHER, OWNER, SECRET, SlackDriver, make_settings, sign


def _command(driver: SlackDriver, text: str, n: int = 1) -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": "T0001", "channel_id": CHANNEL, "user_id": OWNER, "command": "/metrics",
        "text": text, "api_app_id": "A0001", "response_url": driver.slack.response_url(n), "trigger_id": f"t-{n}",
    })


@pytest.fixture
def web_processes(tmp_path, session_factory, slack) -> Iterator[list[SlackDriver]]:
    """Two independently built apps (two web processes) on one database."""
    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    executor = ThreadPoolExecutor(max_workers=4)
    with ExitStack() as stack:
        drivers = []
        for _ in range(2):
            app = build_app(settings, session_factory, client=WebClient(base_url=settings.env.slack_api_url),
                            now=lambda: NOW, sleep=lambda s: None, listener_executor=executor)
            drivers.append(SlackDriver(stack.enter_context(TestClient(build_asgi(app, session_factory))), slack))
        try:
            yield drivers
        finally:
            executor.shutdown(wait=True)


def _actions(session_factory) -> int:
    with session_factory() as session:
        return len(list_actions(session, workspace_id="default"))


@pytest.mark.parametrize("timestamp", ["abc", "1795795056.5", "", " 1795795056", "1.8e9", "9" * 40, "-1", None])
def test_malformed_timestamp_is_401_never_500(driver, timestamp, caplog):
    body = "command=%2Fmetrics&text=&user_id=U0OWNER&team_id=T0001"
    headers = sign(body)
    if timestamp is None:
        del headers["X-Slack-Request-Timestamp"]
    else:
        headers["X-Slack-Request-Timestamp"] = timestamp
    with caplog.at_level(logging.INFO):
        response = driver.post(body, headers)
    assert response.status_code == 401
    assert not any(r.exc_info for r in caplog.records)  # no traceback
    assert driver.slack.of("respond") == []


@pytest.mark.parametrize("signature", ["", "v0=", "v0=zz", "v1=" + "0" * 64, "v0=" + "A" * 64, None])
def test_malformed_signature_is_401(driver, signature):
    body = "command=%2Fmetrics&text=&user_id=U0OWNER&team_id=T0001"
    headers = sign(body)
    if signature is None:
        del headers["X-Slack-Signature"]
    else:
        headers["X-Slack-Signature"] = signature
    assert driver.post(body, headers).status_code == 401


def test_refusal_is_pure_and_names_the_problem():
    body, ts = "a=1", "1795795056"
    good = sign(body, timestamp=int(ts))["X-Slack-Signature"]
    assert refusal(secret=SECRET, body=body, timestamp=ts, signature=good, now=1795795056 + 299) is None
    assert refusal(secret=SECRET, body=body, timestamp=ts, signature=good, now=1795795056 + 301) == "stale timestamp"
    assert refusal(secret=SECRET, body=body + "2", timestamp=ts, signature=good, now=1795795056) == "bad signature"
    assert refusal(secret=SECRET, body=body, timestamp="1795795056.5", signature=good, now=1795795056) == \
        "malformed signature headers"
    assert refusal(secret=SECRET, body=body, timestamp="١٧٩٥٧٩٥٠٥٦", signature=good, now=1795795056) == \
        "malformed signature headers"  # int() would read these digits
    assert refusal(secret=SECRET, body=body, timestamp=None, signature=good, now=1) == "missing signature headers"


def test_a_replay_is_refused_by_another_web_process(web_processes, session_factory):
    first, second = web_processes
    body = _command(first, f"action add frt <@{OTHER}> due 2026-11-27 Add macros")
    headers = sign(body)
    assert first.post(body, headers).status_code == 200
    first.answer()
    assert second.post(body, headers).status_code == 401  # another process, same signed request
    assert first.post(body, headers).status_code == 401  # the same process again
    time.sleep(0.3)  # a wrongly accepted replay would be handled by a lazy listener by now
    assert _actions(session_factory) == 1
    assert len(first.slack.of("respond")) == 1


def test_a_repeated_retry_is_acknowledged_without_being_handled_again(web_processes, session_factory):
    first, second = web_processes
    body = _command(first, f"action add frt <@{OTHER}> due 2026-11-27 Add macros")
    headers = sign(body)
    assert first.post(body, headers).status_code == 200
    first.answer()
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    response = second.post(body, retry)
    assert response.status_code == 200 and response.text == ""  # Slack stops retrying
    time.sleep(0.3)
    assert _actions(session_factory) == 1


def test_a_fresh_signature_on_the_same_body_is_a_new_request(web_processes):
    # Slack signs each retry anew (new timestamp): those are never mistaken for replays.
    first, second = web_processes
    body = _command(first, "help")
    assert first.post(body, sign(body, timestamp=int(time.time()) - 1)).status_code == 200
    assert second.post(body, sign(body)).status_code == 200


def test_signatures_are_pruned_once_their_window_is_over(session_factory):
    clock = [1_795_795_056.0]
    guard = ReplayGuard(session_factory, clock=lambda: clock[0])
    assert guard.first_delivery("v0=" + "1" * 64, int(clock[0]))
    assert not guard.first_delivery("v0=" + "1" * 64, int(clock[0]))
    clock[0] += 7 * 60  # past the window and the clock-skew margin
    assert guard.first_delivery("v0=" + "2" * 64, int(clock[0]))
    guard.settle()  # pruning runs beside the request, not inside it
    with session_factory() as session:
        digests = session.scalar(select(func.count()).select_from(SlackRequestSignature))
    assert digests == 1  # the expired one went


def test_database_trouble_lets_requests_through_with_a_warning(tmp_path, caplog):
    broken = sessionmaker(create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite"))
    with caplog.at_level(logging.WARNING):
        assert ReplayGuard(broken).first_delivery("v0=" + "3" * 64, int(time.time()))
    assert "replay check skipped" in caplog.text


def test_refused_huge_request_adds_one_short_line_to_the_log(driver, capsys):
    root = logging.getLogger()
    level = root.level
    logs.configure("INFO")
    try:
        marker = "secret-ticket-text-"
        body = "command=%2Fmetrics&text=" + marker + "x" * 900_000
        for _ in range(3):
            assert driver.post(body, sign(body, secret="forged")).status_code == 401
        err = capsys.readouterr().err
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_signalroom", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
    assert marker not in err
    assert len(err) < 3 * 300, err[:1000]
    assert err.count("refused a Slack request: bad signature") == 3


def test_a_replayed_button_click_is_refused(web_processes, session_factory):
    with session_factory.begin() as session:
        action_id = open_action(session, workspace_id="default", metric="csat", description="Fix macros", owner=OWNER,
                                created_by=OWNER, due_on=date(2026, 11, 27), value_at_open=0.8).id
    first, second = web_processes
    payload = {"type": "block_actions", "user": {"id": OWNER}, "trigger_id": "t-1", "team": {"id": "T0001"},
               "api_app_id": "A0001", "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"},
               "actions": [{"action_id": ids.ACTION_SNOOZE, "block_id": "b", "value": str(action_id), "type": "button"}]}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    headers = sign(body)
    assert first.post(body, headers).status_code == 200
    assert second.post(body, headers).status_code == 401


def test_socket_mode_requests_carry_no_signature_and_are_not_refused(tmp_path, session_factory, slack):
    from slack_bolt.request import BoltRequest

    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    app = build_app(settings, session_factory, client=WebClient(base_url=settings.env.slack_api_url),
                    socket_mode=True, now=lambda: NOW, sleep=lambda s: None)
    body = {"command": "/metrics", "text": "help", "team_id": "T0001", "user_id": OWNER, "channel_id": CHANNEL,
            "response_url": slack.response_url(1), "trigger_id": "t-1"}
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200 and "/metrics action add" in response.body


def test_the_server_finds_the_check_its_app_was_built_with(tmp_path, session_factory, slack):
    """`build_asgi` runs the app's own check ahead of dispatch (found without Bolt's private attributes);
    a Socket Mode app has none."""
    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    apps = [build_app(settings, session_factory, client=WebClient(base_url=settings.env.slack_api_url),
                      socket_mode=socket, now=lambda: NOW, sleep=lambda s: None) for socket in (False, False, True)]
    checks = [signature_check(app) for app in apps]
    assert isinstance(checks[0], SignatureCheck) and isinstance(checks[1], SignatureCheck)
    assert checks[0] is not checks[1] and checks[2] is None
