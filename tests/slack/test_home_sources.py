"""App Home shows each source's health to admins only (issue 11.6), as `signalroom status` does."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.config import load_settings
from bot.sync.health import record_result
from bot.sync.service import SourceResult
from tests.slack.conftest import ADMIN, NOW, OWNER, SECRET, running_app, seed_tickets

CONFIG = f"""
timezone = "Europe/Berlin"
[slack]
admins = ["{ADMIN}"]
[sources.zendesk]
[sources.legacy]
type = "csv"
path = "legacy.csv"
"""


@pytest.fixture
def home(tmp_path, session_factory, slack):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-single",
                              "SLACK_API_URL": slack.api_url}, config_path=str(path))
    with running_app(settings, session_factory, slack) as driver:
        yield driver


def opened(driver, user, count=1):
    assert driver.event({"type": "app_home_opened", "user": user, "tab": "home"}).status_code == 200
    call = driver.slack.wait_for("views.publish", count)[count - 1]
    assert call.args["user_id"] == user
    return call.args["view"]


def test_admins_see_each_sources_health_and_others_do_not(home, session_factory):
    seed_tickets(session_factory)  # 10 zendesk tickets
    record_result(session_factory, workspace_id="default", source="zendesk", type="zendesk",
                  result=SourceResult("zendesk", fetched=10, inserted=10), now=NOW - timedelta(hours=3))
    for _ in range(2):
        record_result(session_factory, workspace_id="default", source="zendesk", type="zendesk", now=NOW,
                      result=SourceResult("zendesk", error="zendesk: authentication failed (HTTP 401); check "
                                          "ZENDESK_EMAIL/ZENDESK_API_TOKEN <b>", auth_failed=True))
    view = opened(home, ADMIN)
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert {"type": "header", "text": {"type": "plain_text", "text": "Sources"}} in view["blocks"]
    (zendesk,) = [t for t in texts if "*zendesk*" in t]
    assert zendesk.startswith(":red_circle: *zendesk* (zendesk) · failing · last success <!date^")
    assert "(3.0 h ago) · 10 tickets" in zendesk
    assert "2 failed syncs in a row: zendesk: authentication failed (HTTP 401)" in zendesk
    assert "&lt;b&gt;" in zendesk and "<b>" not in zendesk  # error text is escaped
    (legacy,) = [t for t in texts if "*legacy*" in t]
    assert legacy == ":white_circle: *legacy* (csv) · never · never synced · 0 tickets"

    view = opened(home, OWNER, 2)
    assert "Sources" not in json.dumps(view) and "zendesk" not in json.dumps(view)
