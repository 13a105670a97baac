"""OAuth tokens at rest are ciphertext; `app_uninstalled` and `tokens_revoked` delete them and stop the workspace."""
from __future__ import annotations

import base64

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks import Message
from bot.credentials import UndecryptableSecretError
from bot.errors import UsageError
from bot.slack.installations import bot_token_for, notifier_for_workspace, rotate_tokens, workspaces
from bot.storage.slack_models import slack_bots, slack_installations
from tests.slack.conftest import make_settings
from tests.slack.test_oauth import KEY, install, oauth_driver, oauth_env, store_of  # noqa: F401 - the fixture

TOKEN = "xoxb-installed-T0002"
NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
HI = Message("review", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])


def raw_tokens(engine) -> list[str | None]:
    with engine.connect() as connection:
        return [*connection.execute(select(slack_bots.c.bot_token)).scalars(),
                *connection.execute(select(slack_installations.c.bot_token)).scalars()]


def test_tokens_are_ciphertext_in_the_database(oauth_driver, engine):  # noqa: F811
    install(oauth_driver)
    raw = raw_tokens(engine)
    assert len(raw) == 2 and all(value.startswith("gAAAAA") and TOKEN not in value for value in raw)
    assert bot_token_for(store_of(engine), team_id="T0002") == TOKEN
    with pytest.raises(UndecryptableSecretError):
        bot_token_for(store_of(engine, NEW_KEY), team_id="T0002")  # another key opens nothing


def test_rotation_keeps_tokens_readable(oauth_driver, engine, tmp_path):  # noqa: F811
    from bot.credentials import keyring_from_value

    install(oauth_driver)
    assert bot_token_for(store_of(engine, f"{NEW_KEY},{KEY}"), team_id="T0002") == TOKEN  # new key first, old kept
    assert rotate_tokens(engine, keyring_from_value(f"{NEW_KEY},{KEY}")) == 2
    assert bot_token_for(store_of(engine, NEW_KEY), team_id="T0002") == TOKEN  # the old key can go
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack, NEW_KEY))
    notifier_for_workspace(settings, engine, "T0002", sleep=lambda s: None).post("C0REVIEW", HI)
    assert oauth_driver.slack.of("chat.postMessage")[-1].token == TOKEN


def test_oauth_without_a_key_refuses_to_start(tmp_path, session_factory, slack):
    from bot.slack.app import build_app

    env = {k: v for k, v in oauth_env(slack).items() if k != "SIGNALROOM_SECRET_KEY"}
    with pytest.raises(UsageError, match="SIGNALROOM_SECRET_KEY"):
        build_app(make_settings(tmp_path, env), session_factory)


def test_app_uninstalled_deletes_the_tokens_and_stops_the_workspace(oauth_driver, engine, tmp_path,  # noqa: F811
                                                                      session_factory):
    from bot.storage.workspaces import list_changes
    from bot.workspaces.service import add_workspace

    install(oauth_driver)
    add_workspace(session_factory, team_id="T0002", name="Second", timezone="Europe/Berlin")
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    assert workspaces(settings, engine) == ["T0002"]

    oauth_driver.slack.revoke(TOKEN)  # what Slack does first: the token is dead
    with pytest.raises(SlackApiError, match="token_revoked"):
        notifier_for_workspace(settings, engine, "T0002", sleep=lambda s: None).client.chat_postMessage(
            channel="C0REVIEW", text="hi")
    assert oauth_driver.event({"type": "app_uninstalled"}).status_code == 200

    with engine.connect() as connection:
        assert connection.execute(select(slack_bots)).all() == []
        assert connection.execute(select(slack_installations)).all() == []
    assert workspaces(settings, engine) == []  # no job serves it any more
    with session_factory() as session:
        assert [(c.key, c.new, c.who) for c in list_changes(session, workspace_id="T0002")][-1] == (
            "slack_installation", "uninstalled", "slack")
    with pytest.raises(UsageError, match="no Slack installation"):
        notifier_for_workspace(settings, engine, "T0002")
    calls = len(oauth_driver.slack.calls)
    oauth_driver.command("")
    assert "reinstall" in oauth_driver.slack.wait_for("respond")[0].args["text"]
    assert [c.method for c in oauth_driver.slack.calls[calls:] if c.token] == []

    install(oauth_driver)  # a reinstall brings it back, with a new token
    assert workspaces(settings, engine) == ["T0002"]
    assert bot_token_for(store_of(engine), team_id="T0002") not in (None, TOKEN)


def test_tokens_revoked_deletes_only_the_listed_tokens(oauth_driver, engine, tmp_path, session_factory):  # noqa: F811
    install(oauth_driver)
    with engine.begin() as connection:  # the installer also granted a user token
        connection.execute(slack_installations.update().values(
            user_token=store_of(engine).keyring.encrypt("xoxp-installer").decode()))

    oauth_driver.event({"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"], "bot": []}})
    installation = store_of(engine).find_installation(enterprise_id=None, team_id="T0002")
    assert installation.user_token is None and installation.bot_token == TOKEN  # the bot still serves
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    assert workspaces(settings, engine) == ["T0002"]

    oauth_driver.slack.revoke(TOKEN)
    oauth_driver.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT2"]}})
    assert raw_tokens(engine) == [None]  # the bot row is gone, the installation row keeps no bot token
    assert workspaces(settings, engine) == []
    assert store_of(engine).find_installation(enterprise_id=None, team_id="T0002").bot_token is None


def test_uninstall_of_one_workspace_leaves_the_others(oauth_driver, engine, tmp_path):  # noqa: F811
    install(oauth_driver)
    store_of(engine).save_bot(store_of(engine).find_bot(enterprise_id=None, team_id="T0002").__class__(
        app_id="A0001", enterprise_id=None, team_id="T0003", bot_token="xoxb-third", bot_id="B3", bot_user_id="UB3",
        bot_scopes=["chat:write"], installed_at=1700000000.0))
    oauth_driver.team_id = "T0003"
    oauth_driver.event({"type": "app_uninstalled"})
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    assert workspaces(settings, engine) == ["T0002"]
    assert bot_token_for(store_of(engine), team_id="T0002") == TOKEN


def test_uninstall_deletes_the_workspaces_integration_credentials_only(oauth_driver, engine,  # noqa: F811
                                                                      session_factory):
    from bot.storage import integrations
    from bot.storage.integration_models import IntegrationCredential
    from bot.workspaces.service import add_workspace

    install(oauth_driver)
    ring = store_of(engine).keyring
    for team in ("T0002", "T0003"):
        add_workspace(session_factory, team_id=team, name=None, timezone="Europe/Berlin")
    with session_factory.begin() as session:
        for team, kind in (("T0002", "jira"), ("T0002", "hubspot"), ("T0003", "linear")):
            integrations.add(session, IntegrationCredential(workspace_id=team, kind=kind, url=None, email=None,
                                                            secret_ciphertext=ring.encrypt(f"{team}-{kind}")))

    def stored():
        with session_factory() as session:
            return [(c.workspace_id, c.kind) for c in integrations.listed(session)]

    oauth_driver.event({"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"], "bot": []}})
    assert stored() == [("T0002", "hubspot"), ("T0002", "jira"), ("T0003", "linear")]  # the app still serves
    assert oauth_driver.event({"type": "app_uninstalled"}).status_code == 200
    assert stored() == [("T0003", "linear")]
