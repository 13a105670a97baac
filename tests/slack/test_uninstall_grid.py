"""Enterprise Grid: an org-wide install and a workspace's own install inside the same org, and their uninstalls.

The org-wide install is stored under the enterprise id with no team id (`is_enterprise_install`); its one bot
token serves the whole org, whose tenant id is the enterprise id. The workspace T0002 of the org also has its
own install. Slack's events come signed, in its envelope (tests/fakes/slack_events.py): `authorizations[0]`
says which installation an event is for.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.errors import UsageError
from bot.slack.installations import bot_token_for, client_for_workspace, workspaces
from bot.storage.slack_models import slack_bots, slack_installations
from tests.fakes.slack import Grid
from tests.fakes.slack_events import app_uninstalled, tokens_revoked
from tests.slack.conftest import make_settings
from tests.slack.test_oauth import install, oauth_driver, oauth_env, store_of  # noqa: F401 - the fixture

ORG, TEAM = "E0001", "T0002"
ORG_TOKEN, TEAM_TOKEN = "xoxb-org-E0001", "xoxb-installed-T0002"


@pytest.fixture
def grid(oauth_driver, session_factory):  # noqa: F811
    """The org-wide install, then T0002's own install in the org; both tenants have a workspaces row."""
    from bot.workspaces.service import add_workspace

    oauth_driver.slack.grid = Grid(ORG, org_wide=True)
    install(oauth_driver)
    oauth_driver.slack.grid = Grid(ORG)
    install(oauth_driver)
    oauth_driver.enterprise_id = ORG
    for team in (ORG, TEAM):
        add_workspace(session_factory, team_id=team, name=None, timezone="Europe/Berlin")
    return oauth_driver


def rows(engine, table) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(table.c.enterprise_id, table.c.team_id, table.c.is_enterprise_install)
                                         ).all(), key=lambda row: (row[1] is not None, str(row)))


def served(tmp_path, engine, session_factory, slack) -> list[str]:
    from bot.context import Runtime
    from bot.queue.tenants import Tenants

    tenants = Tenants(Runtime(make_settings(tmp_path, oauth_env(slack)), _engine=engine, _sessions=session_factory))
    assert [team for team in (ORG, TEAM) if tenants.is_served(team)] == tenants.served()
    return tenants.served()


def posts_with(tmp_path, engine, slack, workspace_id: str) -> str:
    client = client_for_workspace(make_settings(tmp_path, oauth_env(slack)), engine, workspace_id)
    client.chat_postMessage(channel="C0REVIEW", text="hi")
    return slack.of("chat.postMessage")[-1].token


def test_the_org_install_is_stored_under_the_enterprise_and_serves_the_org(grid, engine, tmp_path, session_factory):
    assert rows(engine, slack_bots) == [(ORG, None, True), (ORG, TEAM, False)]
    assert workspaces(make_settings(tmp_path, oauth_env(grid.slack)), engine) == [ORG, TEAM]
    assert served(tmp_path, engine, session_factory, grid.slack) == [ORG, TEAM]
    assert posts_with(tmp_path, engine, grid.slack, ORG) == ORG_TOKEN
    assert posts_with(tmp_path, engine, grid.slack, TEAM) == TEAM_TOKEN


def test_a_workspace_uninstall_inside_the_org_leaves_the_org_install(grid, engine, tmp_path, session_factory):
    grid.slack.revoke(TEAM_TOKEN)
    assert grid.event(app_uninstalled()).status_code == 200

    assert rows(engine, slack_bots) == [(ORG, None, True)]
    assert rows(engine, slack_installations) == [(ORG, None, True)]
    assert served(tmp_path, engine, session_factory, grid.slack) == [ORG]
    assert posts_with(tmp_path, engine, grid.slack, ORG) == ORG_TOKEN
    with pytest.raises(UsageError, match="no Slack installation"):
        client_for_workspace(make_settings(tmp_path, oauth_env(grid.slack)), engine, TEAM)


def test_the_org_uninstall_removes_the_org_install_and_stops_its_jobs(grid, engine, tmp_path, session_factory):
    from bot.storage import integrations
    from bot.storage.integration_models import IntegrationCredential
    from bot.storage.workspaces import list_changes

    ring = store_of(engine).keyring
    with session_factory.begin() as session:
        for team in (ORG, TEAM):
            integrations.add(session, IntegrationCredential(workspace_id=team, kind="jira", url=None, email=None,
                                                            secret_ciphertext=ring.encrypt(f"{team}-jira")))
    grid.slack.revoke(ORG_TOKEN)
    assert grid.event(app_uninstalled(), org_wide=True).status_code == 200

    assert rows(engine, slack_bots) == [(ORG, TEAM, False)]  # the workspace's own install stays
    assert rows(engine, slack_installations) == [(ORG, TEAM, False)]
    assert served(tmp_path, engine, session_factory, grid.slack) == [TEAM]
    with pytest.raises(UsageError, match="no Slack installation"):
        client_for_workspace(make_settings(tmp_path, oauth_env(grid.slack)), engine, ORG)
    assert posts_with(tmp_path, engine, grid.slack, TEAM) == TEAM_TOKEN
    with session_factory() as session:
        assert [c.workspace_id for c in integrations.listed(session)] == [TEAM]
        assert [(c.key, c.new) for c in list_changes(session, workspace_id=ORG)][-1] == (
            "slack_installation", "uninstalled (org-wide install)")


def test_tokens_revoked_on_the_org_revokes_only_what_is_listed(grid, engine, tmp_path, session_factory):
    with engine.begin() as connection:  # the installer granted a user token to both installs
        connection.execute(slack_installations.update().values(
            user_token=store_of(engine).keyring.encrypt("xoxp-installer").decode()))

    grid.event(tokens_revoked(oauth=["UINSTALLER"]), org_wide=True)
    org = store_of(engine).find_installation(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
    assert org.user_token is None and org.bot_token == ORG_TOKEN
    team = store_of(engine).find_installation(enterprise_id=ORG, team_id=TEAM)
    assert team.user_token == "xoxp-installer"  # the workspace's own install is another installation
    assert served(tmp_path, engine, session_factory, grid.slack) == [ORG, TEAM]

    grid.event(tokens_revoked(bot=["UBOT2"]), org_wide=True)
    assert bot_token_for(store_of(engine), enterprise_id=ORG, team_id=None) is None
    assert bot_token_for(store_of(engine), enterprise_id=ORG, team_id=TEAM) == TEAM_TOKEN
    assert served(tmp_path, engine, session_factory, grid.slack) == [TEAM]


def test_a_workspace_bot_token_revoked_leaves_the_org(grid, engine, tmp_path, session_factory):
    grid.event(tokens_revoked(bot=["UBOT2"]))
    assert bot_token_for(store_of(engine), enterprise_id=ORG, team_id=TEAM) is None
    assert bot_token_for(store_of(engine), enterprise_id=ORG, team_id=None) == ORG_TOKEN
    assert served(tmp_path, engine, session_factory, grid.slack) == [ORG]


def test_a_post_refused_for_the_org_forgets_the_org_install_only(grid, engine, tmp_path, session_factory):
    """What a running job does when Slack refuses the org's token (bot/slack/revocations.py)."""
    from bot.rituals.publish import Publisher
    from bot.rituals.ledger import Key
    from bot.blocks import Message
    from bot.slack.delivery import SlackDelivery
    from bot.workspaces.settings import settings_for

    base = make_settings(tmp_path, oauth_env(grid.slack))
    delivery = SlackDelivery.from_settings(settings_for(session_factory, base, ORG), engine, sleep=lambda s: None)
    grid.slack.revoke(ORG_TOKEN)
    calls = len(grid.slack.calls)
    publisher = Publisher(session_factory, ORG, delivery)
    hi = Message("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])
    outcomes = [publisher.message(Key(f"r{i}", "C0REVIEW", "2026-W48"), hi).outcome for i in range(3)]
    assert outcomes == ["failed", "busy", "busy"] and len(grid.slack.calls) == calls + 1
    assert rows(engine, slack_bots) == [(ORG, TEAM, False)]
    assert served(tmp_path, engine, session_factory, grid.slack) == [TEAM]


def test_requests_through_the_org_install_are_the_org_tenants(grid, session_factory):
    """A command from a workspace of the org that has no install of its own comes through the org's install:
    it is scoped by the enterprise id, the tenant the org's jobs serve, and answered with the org's token."""
    from bot.actions.service import list_actions
    from tests.slack.conftest import OWNER

    grid.team_id, grid.org_wide = "T0003", True
    grid.command(f"action add csat <@{OWNER}> due 2026-11-27 Refund macro", user=OWNER)
    assert "Logged action #1" in grid.answer()["text"]
    assert grid.slack.wait_for("chat.postMessage")[-1].token == ORG_TOKEN
    with session_factory() as session:
        assert [a.workspace_id for a in list_actions(session, workspace_id=ORG)] == [ORG]
        assert list_actions(session, workspace_id="T0003") == []
