"""A workspace-scoped command run without `--workspace` serves the config file's own workspace with the
changes stored for it (made from App Home or `signalroom settings set`); a TOML-only install, and a
database that cannot answer yet, run exactly as before."""
from __future__ import annotations

import json

import pytest

from bot.config import load_settings
from bot.errors import UsageError
from bot.storage.engine import make_engine, make_session_factory, sqlite_url
from bot.workspaces.scope import scoped_settings
from tests.workspaces.test_isolation import cli, env  # noqa: F401 - a TOML-only install (Europe/Berlin)


def card_timezone(env, capsys, *argv: str) -> str:
    code, out, err = cli(env, capsys, "metrics", "--json", *argv)
    assert code == 0, err
    return json.loads(out)["timezone"]


def test_without_the_flag_the_files_workspace_gets_its_stored_changes(env, capsys):
    assert card_timezone(env, capsys) == "Europe/Berlin"
    code, _, err = cli(env, capsys, "settings", "set", "timezone", '"America/New_York"')  # the file's workspace
    assert code == 0, err
    assert card_timezone(env, capsys) == "America/New_York"
    assert card_timezone(env, capsys, "--workspace", "default") == "America/New_York"
    assert cli(env, capsys, "settings", "unset", "timezone")[0] == 0
    assert card_timezone(env, capsys) == "Europe/Berlin"


def test_a_toml_only_install_runs_with_the_files_settings_themselves(env, session_factory):
    settings = load_settings(env)
    assert scoped_settings(settings, lambda: session_factory, None) is settings  # no row: nothing changes


def test_a_database_without_workspace_tables_leaves_the_files_settings(env, tmp_path):
    settings = load_settings(env)
    engine = make_engine(sqlite_url(tmp_path / "empty.db"))  # never upgraded: no tables at all
    try:
        assert scoped_settings(settings, lambda: make_session_factory(engine), None) is settings
    finally:
        engine.dispose()


def test_a_schema_not_up_to_date_leaves_the_command_to_say_so_as_before(env):
    settings = load_settings(env)

    def not_upgraded():  # what the runtime's session factory does on a server database not upgraded
        raise UsageError("the database schema is not up to date: run `signalroom db upgrade`")

    assert scoped_settings(settings, not_upgraded, None) is settings
    with pytest.raises(UsageError, match="not up to date"):  # the flag names a workspace: it must be read
        scoped_settings(settings, not_upgraded, "T0AAA")
