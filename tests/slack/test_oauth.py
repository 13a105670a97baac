"""Many workspaces: install through /slack/install → /slack/oauth_redirect, then requests use the team's token."""
from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from starlette.testclient import TestClient

from bot.actions.service import list_actions
from bot.credentials import keyring_from_value
from bot.slack.app import build_app
from bot.slack.installations import bot_token_for, installation_store
from bot.slack.server import build_asgi
from tests.slack.conftest import NOW, OWNER, SlackDriver, make_settings


KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def oauth_env(slack, key: str = KEY) -> dict[str, str]:
    """An OAuth deployment's environment: client id and secret, and the key its bot tokens are encrypted with."""
    return {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh", "SLACK_API_URL": slack.api_url,
            "SIGNALROOM_SECRET_KEY": key}


def store_of(engine, key: str = KEY):
    return installation_store("111.222", engine, keyring_from_value(key))


@pytest.fixture
def oauth_driver(tmp_path, session_factory, slack):
    settings = make_settings(tmp_path, oauth_env(slack))
    executor = ThreadPoolExecutor(max_workers=2)
    app = build_app(settings, session_factory, client=WebClient(base_url=settings.env.slack_api_url),
                    now=lambda: NOW, sleep=lambda s: None, listener_executor=executor)
    try:
        with TestClient(build_asgi(app, session_factory)) as http:
            yield SlackDriver(http, slack, team_id="T0002")
    finally:
        executor.shutdown(wait=True)


def install(driver: SlackDriver) -> None:
    page = driver.http.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([A-Za-z0-9-]+)", page.text).group(1)
    cookie = page.headers["set-cookie"].split(";")[0]
    done = driver.http.get(f"/slack/oauth_redirect?code=the-code&state={state}", headers={"Cookie": cookie})
    assert done.status_code == 200, done.text


def test_install_saves_the_workspace_and_its_token_is_used(oauth_driver, session_factory, engine):
    install(oauth_driver)
    access = oauth_driver.slack.of("oauth.v2.access")[0]
    assert access.args["code"] == "the-code"
    store = store_of(engine)
    assert bot_token_for(store, team_id="T0002") == "xoxb-installed-T0002"

    oauth_driver.command(f"action add csat <@{OWNER}> due 2026-11-27 Refund macro", user=OWNER)
    assert "Logged action #1" in oauth_driver.answer()["text"]
    post = oauth_driver.slack.wait_for("chat.postMessage")[0]
    assert post.token == "xoxb-installed-T0002"
    with session_factory() as session:
        assert [a.workspace_id for a in list_actions(session, workspace_id="T0002")] == ["T0002"]
        assert list_actions(session, workspace_id="default") == []


def test_redirect_with_a_forged_state_is_refused(oauth_driver, engine):
    oauth_driver.http.get("/slack/install")
    response = oauth_driver.http.get("/slack/oauth_redirect?code=x&state=forged")
    assert response.status_code >= 400
    assert oauth_driver.slack.of("oauth.v2.access") == []


def test_uninstalled_team_is_asked_to_reinstall(oauth_driver):
    oauth_driver.team_id = "T0NOPE"
    response = oauth_driver.command("")
    assert response.status_code == 200
    replies = oauth_driver.slack.wait_for("respond")
    assert len(replies) == 1 and "reinstall" in replies[0].args["text"]
    assert [c.method for c in oauth_driver.slack.calls if c.token] == []


def test_scheduled_jobs_get_each_workspace_token(oauth_driver, engine, tmp_path):
    from bot.blocks import Message
    from bot.slack.installations import notifier_for_workspace, workspaces
    from tests.slack.conftest import make_settings

    install(oauth_driver)
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    assert workspaces(settings, engine) == ["T0002"]
    notifier = notifier_for_workspace(settings, engine, "T0002", sleep=lambda s: None)
    notifier.post("C0REVIEW", Message("review", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]))
    assert oauth_driver.slack.of("chat.postMessage")[-1].token == "xoxb-installed-T0002"
    with pytest.raises(Exception, match="no Slack installation"):
        notifier_for_workspace(settings, engine, "T0NOPE")


def test_single_workspace_jobs_use_the_bot_token(tmp_path, engine, slack):
    from bot.slack.installations import client_for_workspace, workspaces
    from tests.slack.conftest import make_settings

    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    assert workspaces(settings, engine) == ["default"]
    client = client_for_workspace(settings, engine, "default")
    assert client.token == "xoxb-single" and client.base_url == slack.api_url
