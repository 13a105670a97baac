"""`serve` starts without Bolt's "As you gave client as well, token will be unused" warning."""
from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack.app import build_app
from tests.slack.conftest import make_settings


def test_no_token_warning_when_the_environment_has_a_token(tmp_path, session_factory, slack, monkeypatch, caplog):
    # A deployment sets SLACK_BOT_TOKEN in the process environment, which Bolt reads on its own.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-from-the-environment"})
    with caplog.at_level(logging.INFO, logger="slack_bolt"):
        build_app(settings, session_factory, client=WebClient(base_url=slack.api_url))
        logging.getLogger("slack_bolt").warning("an unrelated warning still gets through")
    messages = [r.getMessage() for r in caplog.records]
    assert not any("will be unused" in m for m in messages), messages
    assert "an unrelated warning still gets through" in messages
