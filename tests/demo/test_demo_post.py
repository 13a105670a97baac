"""`demo --post`: the demo's messages go to the operator's own channel through the Slack Web API."""
from __future__ import annotations

from datetime import date

from rich.console import Console

from bot.config import load_settings
from bot.demo.post import post_messages
from bot.demo.run import run_demo
from tests.fakes.slack import serve_slack


def test_post_sends_every_message_to_the_configured_channel(tmp_path):
    demo = run_demo(out=tmp_path / "out", as_of=date(2026, 11, 22), env={}, console=Console(quiet=True),
                    days=30, per_day=30)
    config = tmp_path / "signalroom.toml"
    config.write_text('[slack]\nalerts_channel = "C0MINE"\n')
    with serve_slack() as slack:
        settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test-token-0000", "SLACK_API_URL": slack.base_url + "/api/"},
                                 config_path=str(config))
        waits: list[float] = []
        post_messages(demo, settings, sleep=waits.append)
        posted = slack.of("chat.postMessage")
    assert len(posted) == len(demo.messages) > 0
    assert {call.args["channel"] for call in posted} == {"C0MINE"}  # demo placeholders never reach Slack
    assert all(call.token == "xoxb-test-token-0000" for call in posted)
    assert len(waits) == len(posted) - 1  # paced: every message after the first waits its turn
