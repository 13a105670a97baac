"""A workspace installed before the app asked for a scope is named in the log, with the scope to grant."""
from __future__ import annotations

import logging

from bot.slack.installations import client_for_workspace, missing_scopes
from bot.slack.scopes import required_scopes
from tests.slack.conftest import make_settings
from tests.slack.test_oauth import install, oauth_driver, oauth_env, store_of  # noqa: F401 - the fixture


def test_an_install_without_files_write_is_named(oauth_driver, engine, tmp_path, caplog):  # noqa: F811
    # The workspace grants what an older manifest asked for: everything but files:write.
    oauth_driver.slack.scopes = frozenset(required_scopes()) - {"files:write"}
    install(oauth_driver)
    store = store_of(engine)
    assert missing_scopes(store, team_id="T0002") == ("files:write",)
    assert missing_scopes(store, team_id="T0NOPE") == ()
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    with caplog.at_level(logging.WARNING, logger="bot.slack.installations"):
        client_for_workspace(settings, engine, "T0002")
    (record,) = [r for r in caplog.records if r.name == "bot.slack.installations"]
    assert "T0002" in record.getMessage() and "files:write" in record.getMessage()
    assert "reinstall" in record.getMessage()


def test_a_complete_install_logs_nothing(oauth_driver, engine, tmp_path, caplog):  # noqa: F811
    install(oauth_driver)
    assert missing_scopes(store_of(engine), team_id="T0002") == ()
    settings = make_settings(tmp_path, oauth_env(oauth_driver.slack))
    with caplog.at_level(logging.WARNING, logger="bot.slack.installations"):
        client_for_workspace(settings, engine, "T0002")
    assert [r for r in caplog.records if r.name == "bot.slack.installations"] == []
