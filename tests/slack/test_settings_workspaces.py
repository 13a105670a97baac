"""App Home set-up in a deployment serving many workspaces (issue 16.3): a workspace that installed the
app over OAuth, with no row of its own yet, connects its helpdesk and picks its channel from Home; what
it sets is its own, the config file's workspace keeps its settings. While a workspace names no admins,
Slack's own workspace admins and owners may set it up, and nobody else."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.slack import settings_ids as ids
from bot.storage.workspace_models import HelpdeskSource, SettingsChange, Workspace
from bot.storage.workspace_settings_models import WorkspaceSettings
from bot.workspaces.settings import settings_for
from integrations.normalize import basic_auth_header
from tests.fakes.loopback import serve
from tests.fakes.slack import serve_slack
from tests.fakes.zendesk import FakeZendesk
from tests.slack.conftest import ADMIN, OWNER, running_app
from tests.slack.test_oauth import install, oauth_driver  # noqa: F401 - the fixture
from tests.slack.test_settings_home import EMAIL, TOKEN, channels_form, connect_form, rows, settings_from


@pytest.fixture
def zendesk_url():
    with serve(FakeZendesk(auth=basic_auth_header(f"{EMAIL}/token", TOKEN))) as url:
        yield url


def test_an_installed_workspace_sets_itself_up_from_home(oauth_driver, session_factory, zendesk_url,  # noqa: F811
                                                         tmp_path):
    install(oauth_driver)
    answer = oauth_driver.submit(ids.CONNECT_VIEW, connect_form(zendesk_url), user=ADMIN, private_metadata="zendesk")
    assert answer.text == ""
    (source,) = rows(session_factory, HelpdeskSource)
    assert (source.workspace_id, source.name, source.created_by) == ("T0002", "zendesk-main", ADMIN)
    (workspace,) = rows(session_factory, Workspace)
    assert (workspace.team_id, workspace.timezone) == ("T0002", "Europe/Berlin")  # created by its first setting

    assert oauth_driver.submit(ids.CHANNELS_VIEW, channels_form("C0SECOND"), user=ADMIN).text == ""
    (stored,) = rows(session_factory, WorkspaceSettings)
    assert (stored.workspace_id, stored.overrides) == ("T0002", {"slack": {"review_channel": "C0SECOND"}})
    with session_factory() as session:
        who = session.scalars(select(SettingsChange.who).where(SettingsChange.workspace_id == "T0002")).all()
    assert set(who) == {ADMIN}
    view = oauth_driver.slack.wait_for("views.publish", 2)[-1]
    assert view.token == "xoxb-installed-T0002"  # the workspace's own Home, through its own token
    assert "Helpdesk connected" in str(view.args["view"]) and "<#C0SECOND>" in str(view.args["view"])


def test_while_a_workspace_names_no_admins_its_slack_admins_may_set_it_up(tmp_path, session_factory):
    users = {"U0BOSS": {"is_admin": True, "profile": {}}, OWNER: {"is_admin": False, "profile": {}}}
    with serve_slack(users=users) as slack:
        settings = settings_from(tmp_path, 'timezone = "Europe/Berlin"\n', slack)
        with running_app(settings, session_factory, slack) as driver:
            refused = driver.submit(ids.CHANNELS_VIEW, channels_form("C0MINE"), user=OWNER).json()
            assert refused["response_action"] == "errors"
            assert driver.submit(ids.CHANNELS_VIEW, channels_form("C0BOSS"), user="U0BOSS").text == ""
    assert settings_for(session_factory, settings, "default").file.slack.review_channel == "C0BOSS"


def _statements(engine, work) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_metrics_ack_and_its_answer_read_the_workspaces_settings_once(tmp_path, session_factory, engine, slack):
    """The ack (inside Slack's 3 s) parses with the workspace's today and rules when the command needs them;
    the lazy answer reuses the settings the ack read instead of reading them again."""
    from bot.workspaces.settings import change_settings
    from tests.slack.conftest import make_settings

    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url})
    change_settings(session_factory, settings, "default", {"metrics.currency": "EUR"}, who=ADMIN)

    def ask() -> None:
        with running_app(settings, session_factory, slack) as driver:  # its lazy listeners finish inside
            assert driver.command("mute no_such_rule 3d").status_code == 200  # a usage error: the ack answers
            assert driver.command("mute first_response_time 3d").status_code == 200
            driver.answer(1)

    statements = _statements(engine, ask)
    reads = [s for s in statements if s.startswith("SELECT") and "workspace_settings" in s]
    assert len(reads) == 2, reads  # one per command: the second's ack and answer share one read


def test_an_installed_workspace_without_a_row_costs_its_requests_one_query(oauth_driver, engine):  # noqa: F811
    """A workspace that installed the app and changed nothing has no row: its requests' settings are the
    file's under its id after one lookup, never a list of every workspace (that is for the CLI's error)."""
    install(oauth_driver)
    statements = _statements(engine, lambda: (oauth_driver.command(""), oauth_driver.answer(1)))
    lookups = [s for s in statements if "FROM workspaces" in s]
    assert len(lookups) == 1, lookups
    assert all("WHERE" in s for s in lookups), lookups
