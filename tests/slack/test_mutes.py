"""Mutes from Slack (issue 12.5, done when): `/metrics mute` through the real app stops the alert, and the
weekly review lists it; unmute, the mutes list, the alert's Mute button, history in the action log."""
from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from starlette.testclient import TestClient

from bot.actions import mutes
from bot.config import load_settings
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.slack.app import build_app
from bot.slack.server import build_asgi
from bot.storage.models import ActionEvent, TriggerRow
from tests.fakes.slack import serve_slack
from tests.rituals import factories as f
from tests.rituals.scenario import CONFIG
from tests.slack.conftest import SECRET, SlackDriver

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
LEAD, OTHER = "U0LEAD", "U0OTHER"


@pytest.fixture
def world(tmp_path, session_factory) -> Iterator[tuple[SlackDriver, Runner]]:
    """The review scenario (an unposted CSAT billing trigger), the Bolt app and the rituals on one fake Slack."""
    with session_factory.begin() as session:
        f.seed_review_scenario(session, MONDAY)
        session.flush()
        for trig in session.query(TriggerRow):
            trig.created_at = NOW - timedelta(hours=2)  # the morning's rollup, before anyone muted
    with serve_slack(users={LEAD: {"id": LEAD, "tz": "Europe/Berlin"}}) as slack:
        path = tmp_path / "signalroom.toml"
        path.write_text(CONFIG)
        settings = load_settings({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-single",
                                  "SLACK_API_URL": slack.api_url}, config_path=str(path))
        executor = ThreadPoolExecutor(max_workers=2)
        app = build_app(settings, session_factory, client=WebClient(base_url=slack.api_url), now=lambda: NOW,
                        sleep=lambda s: None, listener_executor=executor)
        delivery = SlackDelivery(client=WebClient(token="xoxb-single", base_url=slack.api_url, retry_handlers=[]),
                                 sleep=lambda s: None)
        runner = Runner(settings, session_factory, delivery, clock=lambda: NOW + timedelta(minutes=5))
        try:
            with TestClient(build_asgi(app, session_factory)) as http:
                yield SlackDriver(http, slack), runner
        finally:
            executor.shutdown(wait=True)


def _review_parent(runner: Runner) -> str:
    parent = runner.render("weekly_review", today=MONDAY, period="2026-W48")[0].message
    return json.dumps(parent.blocks, ensure_ascii=False)


def test_a_mute_set_from_slack_stops_the_alert_and_appears_in_the_review(world, session_factory):
    driver, runner = world
    driver.command("mute csat area=billing 1w billing outage, fix ships Friday", user=LEAD)
    answer = driver.texts(driver.answer())
    assert "Customer satisfaction — billing (product area)" in answer and "is muted until" in answer
    assert "billing outage, fix ships Friday" in answer and "/metrics unmute csat product_area=billing" in answer

    runner.run_alerts(ignore_hours=True)
    assert driver.slack.in_channel("C0ALERTS") == []  # the CSAT billing alert is silenced
    assert not [m for m in driver.slack.messages if "csat-drop" in json.dumps(m["blocks"] or "")]

    parent = _review_parent(runner)
    assert "Muted this week" in parent and "Customer satisfaction — billing (product area)" in parent
    assert "billing outage, fix ships Friday" in parent and "<@U0LEAD>" in parent

    with session_factory() as session:
        (window,) = mutes.active(session, workspace_id="default", now=NOW)
        events = mutes.history(session, workspace_id="default", mute_id=window.id)
    assert window.until_at == NOW + timedelta(days=7)
    assert [(e.kind, e.actor, e.changes["reason"]) for e in events] == [
        ("muted", LEAD, "billing outage, fix ships Friday")]


def test_without_a_matching_mute_the_alert_goes_out(world):
    driver, runner = world
    driver.command("mute ticket volume 3d release week", user=LEAD)
    assert "Ticket volume" in driver.texts(driver.answer())
    runner.run_alerts(ignore_hours=True)
    (alert,) = driver.slack.in_channel("C0ALERTS")
    assert "csat-drop" in json.dumps(alert["blocks"])


def test_a_rule_mute_silences_that_rule(world):
    driver, runner = world
    driver.command("mute CSAT-drop until fri", user=LEAD)
    assert "(rule csat-drop)" in driver.texts(driver.answer())
    runner.run_alerts(ignore_hours=True)
    assert driver.slack.in_channel("C0ALERTS") == []


def test_unmute_lifts_it_and_is_recorded_with_who_and_why(world, session_factory):
    driver, runner = world
    driver.command("mute csat 2w", user=LEAD)
    driver.answer()
    driver.command("mutes", user=OTHER)
    listing = driver.texts(driver.answer(2))
    assert "#1 · Customer satisfaction" in listing and "/metrics unmute csat" in listing
    driver.command("unmute csat", user=OTHER)
    assert "no longer muted" in driver.texts(driver.answer(3))
    driver.command("mutes", user=OTHER)
    assert "Nothing is muted" in driver.texts(driver.answer(4))
    with session_factory() as session:
        kinds = [(e.kind, e.actor) for e in session.query(ActionEvent).filter(ActionEvent.mute_id.is_not(None))
                 .order_by(ActionEvent.id)]
    assert kinds == [("muted", LEAD), ("unmuted", OTHER)]
    # the trigger fired before the mute and waited behind it: still not announced once it is lifted
    runner.run_alerts(ignore_hours=True)
    assert driver.slack.in_channel("C0ALERTS") == []


def test_unmute_of_something_not_muted_says_so(world):
    driver, _ = world
    driver.command("unmute csat", user=LEAD)
    assert "is not muted now" in driver.texts(driver.answer())


@pytest.mark.parametrize("text, expected", [
    ("mute volumee 3d", "did you mean `ticket_volume`"),
    ("mute csat-dorp 3d", "did you mean `csat-drop`"),
    ("mute csat 3dy", "did you mean `3d`"),
    ("mute csat", "how long?"),
    ("mtue csat 3d", "did you mean `mute`"),
    ("mute csat 20w", "at most 13w"),
])
def test_mistakes_are_answered_in_the_ack(world, text, expected):
    driver, _ = world
    payload = driver.command(text, user=LEAD).json()
    assert payload["response_type"] == "ephemeral" and expected in payload["text"]


def _mute_button(alert: dict) -> tuple[str, dict]:
    for block in alert["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == "alert_mute":
                return block.get("block_id"), element
    raise AssertionError("the alert has no Mute button")


def test_the_alert_mute_button_mutes_for_a_week_and_shows_it_on_the_alert(world, session_factory):
    driver, runner = world
    runner.run_alerts(ignore_hours=True)
    (alert,) = driver.slack.in_channel("C0ALERTS")
    block_id, button = _mute_button(alert)
    assert json.loads(button["value"]) == {"metric": "csat", "segment_type": "product_area", "segment_value": "billing"}
    driver.interactive({
        "type": "block_actions", "user": {"id": LEAD}, "trigger_id": "trigger-b",
        "channel": {"id": "C0ALERTS"}, "container": {"type": "message", "channel_id": "C0ALERTS",
                                                     "message_ts": alert["ts"]},
        "message": {"ts": alert["ts"], "text": alert["text"], "blocks": alert["blocks"]},
        "response_url": driver.slack.response_url(7),
        "actions": [{"action_id": "alert_mute", "block_id": block_id, "value": button["value"], "type": "button"}],
    })
    confirmation = driver.texts(driver.answer())  # to the clicker, with how to lift it
    assert "is muted until" in confirmation and "/metrics unmute csat product_area=billing" in confirmation
    (update,) = driver.slack.wait_for("chat.update")
    assert update.args["channel"] == "C0ALERTS" and update.args["ts"] == alert["ts"]
    blocks = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert ":no_bell: Muted by <@U0LEAD> until" in blocks and "alert_mute" not in blocks
    assert [b for b in update.args["blocks"] if b.get("block_id") == block_id]  # its other buttons stay
    with session_factory() as session:
        (window,) = mutes.active(session, workspace_id="default", now=NOW)
    assert window.target == mutes.Target("csat", None, "product_area", "billing")
    assert window.until_at == NOW + mutes.DEFAULT_BUTTON_MUTE


def test_a_button_without_a_metric_is_refused(world):
    driver, _ = world
    driver.click("alert_mute", json.dumps({"metric": "nope"}), user=LEAD)
    payload = driver.slack.wait_for("chat.postMessage")[-1].args  # App Home: the answer goes to the app DM
    assert "names no metric" in driver.texts(payload)
