"""The manifest an admin pastes matches what the app serves and asks for."""
from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML: requested as a dev dependency

from bot.slack import action_ids, uninstalls
from bot.slack.app import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
from bot.slack.commands import COMMAND

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "slack-manifest.yml").read_text())


def test_scopes_match_the_oauth_request():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_urls_command_events_and_interactivity():
    command = MANIFEST["features"]["slash_commands"][0]
    assert command["command"] == COMMAND and command["url"].endswith(EVENTS_PATH) and command["should_escape"]
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] and settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", *uninstalls.EVENTS]
    assert MANIFEST["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"]


def test_action_ids_are_unique():
    values = [v for k, v in vars(action_ids).items() if k.isupper()]
    assert len(values) == len(set(values))
