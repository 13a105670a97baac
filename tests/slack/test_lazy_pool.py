"""Lazy listeners run on the app's own bounded pool, set through Bolt's public `listener_executor`."""
from __future__ import annotations

import threading
import time
import urllib.parse

from slack_sdk import WebClient
from starlette.testclient import TestClient

from bot.slack.app import build_app
from bot.slack.server import build_asgi
from tests.slack.conftest import make_settings, sign


def test_lazy_listeners_share_a_pool_of_three_threads(tmp_path, session_factory, slack):
    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    app = build_app(settings, session_factory, client=WebClient(base_url=slack.api_url), sleep=lambda s: None)
    threads: list[str] = []
    done = threading.Semaphore(0)

    def slow(body: dict) -> None:
        time.sleep(0.05)
        threads.append(threading.current_thread().name)
        done.release()

    app.command("/probe")(ack=lambda ack: ack(), lazy=[slow])
    try:
        with TestClient(build_asgi(app, session_factory)) as http:
            for n in range(6):
                body = urllib.parse.urlencode({"team_id": "T0001", "channel_id": "C0SUPPORT", "user_id": "U0OWNER",
                                               "command": "/probe", "text": "", "api_app_id": "A0001",
                                               "response_url": slack.response_url(n), "trigger_id": f"t{n}"})
                assert http.post("/slack/events", content=body, headers=sign(body)).status_code == 200
            for _ in range(6):
                assert done.acquire(timeout=10)
    finally:
        app.listener_runner.listener_executor.shutdown(wait=True)
    assert len(threads) == 6 and all(name.startswith("slack-lazy") for name in threads)
    assert len(set(threads)) <= 3
