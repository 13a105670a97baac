"""What a Slack request costs the database before and around its answer (issue 16 leftovers): a `/metrics`
ack reads its workspace's settings in one statement while they are unchanged, and a change made elsewhere
is seen by the next request; an admin's App Home renders over one session."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.credentials import Secret, keyring_from_value
from bot.workspaces.integrations import add_integration
from bot.workspaces.settings import change_settings
from tests.slack.conftest import ADMIN, running_app
from tests.slack.test_settings_home import CONFIG, KEY, open_home, settings_from


@pytest.fixture
def settings(tmp_path, slack, session_factory):
    """The file's own workspace with stored changes and stored (encrypted) Linear credentials."""
    settings = settings_from(tmp_path, CONFIG, slack, SIGNALROOM_SECRET_KEY=KEY)
    change_settings(session_factory, settings, "default", {"metrics.currency": "EUR"}, who=ADMIN)
    add_integration(session_factory, workspace_id="default", kind="linear", url=None, email=None,
                    secret=Secret("lin-key"), keyring=lambda: keyring_from_value(KEY), check=lambda *args: "ok")
    return settings


class Recorder:
    """The statements run on `engine`, and the ORM sessions that ran any besides the replay guard's (its
    row before dispatch, its pruning in a thread of its own whenever it falls due), while it is open."""

    def __init__(self, engine) -> None:
        self.engine, self.statements, self._all, self._guard = engine, [], set(), set()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(Session, "do_orm_execute", self._executed)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(Session, "do_orm_execute", self._executed)

    def _statement(self, conn, cursor, statement, *rest):
        self.statements.append(" ".join(statement.split()))

    def _executed(self, state):
        self._all.add(id(state.session))
        if "slack_request_signatures" in str(state.statement):
            self._guard.add(id(state.session))

    @property
    def sessions(self) -> set[int]:
        return self._all - self._guard


def settings_reads(seen: Recorder) -> list[str]:
    tables = ("workspaces", "workspace_settings", "helpdesk_sources", "integration_credentials")
    return [s for s in seen.statements if s.startswith("SELECT") and any(f"FROM {t}" in s for t in tables)]


def test_a_metrics_ack_reads_unchanged_settings_in_one_statement(settings, session_factory, engine, slack):
    with running_app(settings, session_factory, slack) as driver:
        assert driver.command("mute no_such_rule 3d").status_code == 200  # a usage error: only the ack runs
        for _ in range(2):
            with Recorder(engine) as seen:  # `mute` parses with the workspace's rules
                assert "no_such_rule" in driver.command("mute no_such_rule 3d").text
            assert len(settings_reads(seen)) == 1, seen.statements
            assert len(seen.statements) <= 3, seen.statements  # and the replay guard's row (and its pruning)
        with Recorder(engine) as seen:  # a metric's name needs neither the workspace's today nor its rules
            assert "frobnicate" in driver.command("frobnicate").text
        assert settings_reads(seen) == [], seen.statements


def test_a_change_made_elsewhere_is_seen_by_the_next_request(settings, session_factory, engine, slack, db_url):
    from bot.storage.engine import make_engine, make_session_factory

    elsewhere = make_engine(db_url)  # another process's engine
    try:
        with running_app(settings, session_factory, slack) as driver:
            refused = driver.command("mute frt_spike 3d").text  # the ack parses with the workspace's rules
            change_settings(make_session_factory(elsewhere), settings, "default",
                            {"rules.frt_spike": {"metric": "first_response_time"}}, who=ADMIN)
            accepted = driver.command("mute frt_spike 3d").text
            assert "unknown metric 'frt_spike'" in refused and accepted == ""  # a plain ack: it is a rule now
    finally:
        elsewhere.dispose()


def test_an_admins_home_renders_over_one_session(settings, session_factory, engine, slack):
    with running_app(settings, session_factory, slack) as driver:
        open_home(driver)  # the settings are read once for the process
        with Recorder(engine) as seen:
            view = open_home(driver, count=2)
        assert "Linear" not in str(view)  # (nothing shown of the credentials)
        assert len(seen.sessions) == 1, seen.statements
