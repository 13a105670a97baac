"""Which workspace a job still serves (bot/queue/tenants.py): a job for a paused, removed or uninstalled
team is skipped, as the planner's list says, but the job checks only its own team: the statements it
runs do not grow with the number of workspaces."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from bot.config import load_settings
from bot.context import Runtime
from bot.credentials import new_key
from bot.queue.tenants import Tenants
from bot.storage.slack_models import slack_bots
from bot.workspaces import service

CLIENT_ID = "111.222"


@pytest.fixture
def make_tenants(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "UTC"\n', encoding="utf-8")
    made: list[Runtime] = []

    def make(**slack: str) -> Tenants:
        env = {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": new_key(),
               "SIGNALROOM_DATA_DIR": str(tmp_path / "data"), **slack}
        made.append(Runtime(load_settings(env, config_path=str(config)), env=env))
        return Tenants(made[-1])

    yield make
    for runtime in made:
        runtime.close()


OAUTH = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "not-a-secret"}


def add_teams(tenants: Tenants, teams: list[str], *, paused: tuple[str, ...] = (), installed: tuple[str, ...] = ()):
    sessions = tenants.runtime.session_factory()
    for team in teams:
        service.add_workspace(sessions, team_id=team, name=None, timezone="UTC")
    with tenants.runtime.engine().begin() as connection:
        for team in paused:
            connection.execute(text("UPDATE workspaces SET paused = :p WHERE team_id = :t"), {"p": True, "t": team})
        for team in installed:
            connection.execute(slack_bots.insert().values(
                client_id=CLIENT_ID, app_id="A1", team_id=team, bot_token="ciphertext", bot_id="B1",
                bot_user_id="U1", is_enterprise_install=False, installed_at=datetime.now(UTC)))


def statements(tenants: Tenants, workspace_id: str) -> tuple[object, list[tuple[str, list]]]:
    """What `tenant(workspace_id)` answers, and the SQL statements (with their parameters) it ran to answer."""
    engine = tenants.runtime.engine()
    tenants.runtime.session_factory()  # the schema check runs once per process, not per job
    seen: list[tuple[str, list]] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, list(parameters.values() if isinstance(parameters, dict) else parameters)))

    event.listen(engine, "before_cursor_execute", count)
    try:
        tenant = tenants.tenant(workspace_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return tenant, seen


def answers(tenants: Tenants, teams: list[str]) -> dict[str, bool]:
    """Per team: does a job run (`tenant`)? Must agree with the planner's list (`served`)."""
    served = set(tenants.served())
    got = {team: tenants.tenant(team) is not None for team in teams}
    assert got == {team: team in served for team in teams}
    return got


def test_oauth_serves_installed_unpaused_teams_only(make_tenants):
    tenants = make_tenants(**OAUTH)
    add_teams(tenants, ["T0A", "T0B", "T0C"], paused=("T0B",), installed=("T0A", "T0B", "default"))
    got = answers(tenants, ["default", "T0A", "T0B", "T0C", "T0GONE"])
    assert got == {"default": True, "T0A": True, "T0B": False, "T0C": False, "T0GONE": False}


def test_an_org_wide_install_serves_its_enterprise_id(make_tenants):
    tenants = make_tenants(**OAUTH)
    add_teams(tenants, ["E0ORG", "E0OTHER"])
    with tenants.runtime.engine().begin() as connection:
        for enterprise, org_wide in (("E0ORG", True), ("E0OTHER", False)):
            connection.execute(slack_bots.insert().values(
                client_id=CLIENT_ID, app_id="A1", enterprise_id=enterprise, team_id=None, bot_token="ciphertext",
                bot_id="B1", bot_user_id="U1", is_enterprise_install=org_wide, installed_at=datetime.now(UTC)))
    assert answers(tenants, ["E0ORG", "E0OTHER"]) == {"E0ORG": True, "E0OTHER": False}


def test_a_single_bot_token_serves_every_unpaused_team_and_no_token_none(make_tenants):
    tenants = make_tenants(SLACK_BOT_TOKEN="xoxb-not-a-real-token")
    add_teams(tenants, ["default", "T0A", "T0B"], paused=("T0B", "default"))
    assert answers(tenants, ["default", "T0A", "T0B", "T0GONE"]) == {
        "default": False, "T0A": True, "T0B": False, "T0GONE": False}
    assert answers(make_tenants(), ["default", "T0A"]) == {"default": False, "T0A": False}


@pytest.mark.parametrize("team", ["T0000", "T0001", "T0002"])  # installed, paused, uninstalled
def test_a_jobs_check_does_not_grow_with_the_number_of_workspaces(make_tenants, team):
    tenants = make_tenants(**OAUTH)
    add_teams(tenants, ["T0000", "T0001", "T0002"], paused=("T0001",), installed=("T0000", "T0001"))
    few = statements(tenants, team)
    add_teams(tenants, [f"T1{i:03d}" for i in range(40)], installed=tuple(f"T1{i:03d}" for i in range(40)))
    many = statements(tenants, team)
    assert (few[0] is None, many[0] is None) == ((team != "T0000"),) * 2
    assert len(few[1]) == len(many[1]) <= (8 if team == "T0000" else 2)  # skipped: its row's flag, its installation
    for statement, parameters in many[1]:  # each names the job's team: no list of every workspace
        assert team in parameters, statement
