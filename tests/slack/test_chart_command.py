"""`/metrics <metric> chart`: the trend chart on demand, shared through Slack's external upload flow."""
from __future__ import annotations

from datetime import date, timedelta

from bot.storage.models import DailyMetric
from tests.slack.conftest import CHANNEL, OWNER


def seed_history(session_factory, *, end: date = date(2026, 11, 19), days: int = 60) -> None:
    with session_factory.begin() as session:
        for back in range(days):
            value = 2400.0 + (back % 7) * 60
            session.add(DailyMetric(
                workspace_id="default", day=end - timedelta(days=back), metric="first_response_time", dimension="",
                segment="", value=value, zone="healthy", expected=2500.0, score=(value - 2500.0) / 200, n=300,
                evidence={"value": value, "expected": 2500.0, "spread": 200.0, "n": 300, "annotations": []}))


def test_a_chart_is_shared_in_the_channel_through_the_external_upload(driver, session_factory):
    seed_history(session_factory)
    driver.command("frt chart")
    driver.slack.wait_for("files.completeUploadExternal")
    methods = [c.method for c in driver.slack.calls if c.method.startswith("files.") or c.method == "upload"]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [upload] = driver.slack.uploads
    assert upload["channel"] == CHANNEL and upload["filename"] == "first_response_time-2026-11-19.png"
    assert upload["bytes"] == upload["length"] > 1000
    assert upload["alt_txt"].startswith("First response time")
    assert driver.slack.of("respond") == []  # the chart is the answer: no extra ephemeral message


def test_outside_the_channel_the_chart_goes_to_a_dm(driver, session_factory):
    seed_history(session_factory)
    driver.slack.outside.add(CHANNEL)
    driver.command("frt 30d chart")
    answer = driver.answer()
    assert "in our DM" in answer["text"]
    [upload] = driver.slack.uploads
    assert upload["channel"] == f"D{OWNER}"


def test_no_stored_days_says_so(driver):
    driver.command("csat chart")
    assert "No stored days of Customer satisfaction" in driver.texts(driver.answer())
    assert driver.slack.uploads == []


def test_a_typo_of_chart_gets_did_you_mean(driver):
    payload = driver.command("frt chrat").json()
    assert payload["response_type"] == "ephemeral"
    assert "did you mean `chart`" in payload["text"]
    assert driver.slack.uploads == [] and driver.slack.of("respond") == []


def test_a_typo_of_the_metric_in_a_chart_request_suggests_the_metric(driver):
    payload = driver.command("csta chart").json()
    assert "did you mean `csat`" in payload["text"]
