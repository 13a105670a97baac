"""A process's cached workspace settings (bot/workspaces/cache.py): read in one statement while unchanged,
and never stale: whatever another process changes (settings, timezone, sources, credentials, the
workspace itself) is seen by the next read; two workspaces never get each other's settings."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from bot.config import load_settings
from bot.credentials import Secret, keyring_from_value, new_key
from bot.storage.engine import make_engine, make_session_factory
from bot.workspaces import service
from bot.workspaces.cache import SettingsCache
from bot.workspaces.integrations import add_integration, remove_integration
from bot.workspaces.settings import change_settings, settings_for
from tests.workspaces.test_settings import TOML

A, B = "T0AAA", "T0BBB"
KEY = new_key()


@pytest.fixture
def base(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text(TOML, encoding="utf-8")
    return load_settings({"DATABASE_URL": db_url, "SIGNALROOM_SECRET_KEY": KEY}, config_path=str(config))


@pytest.fixture
def other(db_url):
    """Another process: its own engine and sessions on the same database."""
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def teams(session_factory):
    service.add_workspace(session_factory, team_id=A, name=None, timezone="Asia/Tokyo")
    service.add_workspace(session_factory, team_id=B, name=None, timezone="America/New_York")


def read(cache: SettingsCache, sessions, team: str):
    with sessions() as session:
        return cache.known(session, team)


def statements(engine, work) -> tuple[object, list[str]]:
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        return work(), seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_unchanged_settings_are_one_statement_and_the_same_object(base, session_factory, engine, teams):
    change_settings(session_factory, base, A, {"metrics.currency": "EUR"}, "U0ADMIN")
    cache = SettingsCache(base)
    first = read(cache, session_factory, A)
    again, seen = statements(engine, lambda: read(cache, session_factory, A))
    assert again is first and len(seen) == 1
    assert first == settings_for(session_factory, base, A)  # what the uncached read composes


def test_a_change_from_another_process_is_seen_by_the_next_read(base, session_factory, other, teams):
    cache = SettingsCache(base)
    assert read(cache, session_factory, A).file.metrics.currency is None
    change_settings(other, base, A, {"metrics.currency": "EUR"}, "U0ADMIN")
    assert read(cache, session_factory, A).file.metrics.currency == "EUR"
    change_settings(other, base, A, {"timezone": "Europe/Paris"}, "U0ADMIN")  # the workspaces row only
    assert read(cache, session_factory, A).file.timezone == "Europe/Paris"
    change_settings(other, base, A, {"metrics.currency": None}, "U0ADMIN")
    assert read(cache, session_factory, A).file.metrics.currency is None


def test_sources_and_credentials_from_another_process_are_seen(base, session_factory, other, teams):
    cache = SettingsCache(base)
    assert read(cache, session_factory, A).file.sources == {}
    with other.begin() as session:  # a csv source needs no connection test
        session.execute(text("INSERT INTO helpdesk_sources (workspace_id, name, type, url, created_at) "
                             "VALUES (:w, 'export', 'csv', '/data/a.csv', CURRENT_TIMESTAMP)"), {"w": A})
    assert list(read(cache, session_factory, A).file.sources) == ["export"]
    add_integration(other, workspace_id=A, kind="linear", url=None, email=None, secret=Secret("lin-1"),
                    keyring=lambda: keyring_from_value(KEY), check=lambda *args: "ok")
    assert read(cache, session_factory, A).env.linear_api_key.get_secret_value() == "lin-1"
    remove_integration(other, workspace_id=A, kind="linear")
    add_integration(other, workspace_id=A, kind="linear", url=None, email=None, secret=Secret("lin-2"),
                    keyring=lambda: keyring_from_value(KEY), check=lambda *args: "ok")
    assert read(cache, session_factory, A).env.linear_api_key.get_secret_value() == "lin-2"
    service.remove_source(other, workspace_id=A, name="export")
    assert read(cache, session_factory, A).file.sources == {}


def test_a_workspace_removed_and_added_again_is_another(base, session_factory, other, teams):
    cache = SettingsCache(base)
    change_settings(session_factory, base, A, {"metrics.currency": "EUR"}, "U0ADMIN")  # version 1
    assert read(cache, session_factory, A).file.metrics.currency == "EUR"
    with other.begin() as session:
        session.execute(text("DELETE FROM workspaces WHERE team_id = :w"), {"w": A})
    assert read(SettingsCache(base), session_factory, A) is None
    service.add_workspace(other, team_id=A, name=None, timezone="Asia/Tokyo")
    change_settings(other, base, A, {"metrics.currency": "GBP"}, "U0ADMIN")  # version 1 again
    assert read(cache, session_factory, A).file.metrics.currency == "GBP"
    with other.begin() as session:
        session.execute(text("DELETE FROM workspaces WHERE team_id = :w"), {"w": A})
    assert read(cache, session_factory, A) is None


def test_two_workspaces_never_share_cached_settings(base, session_factory, teams):
    change_settings(session_factory, base, A, {"metrics.currency": "EUR"}, "U0ADMIN")  # both at version 1
    change_settings(session_factory, base, B, {"metrics.currency": "GBP"}, "U0ADMIN")
    cache = SettingsCache(base)
    for _ in range(2):
        a, b = read(cache, session_factory, A), read(cache, session_factory, B)
        assert (a.workspace_id, a.file.metrics.currency, str(a.timezone)) == (A, "EUR", "Asia/Tokyo")
        assert (b.workspace_id, b.file.metrics.currency, str(b.timezone)) == (B, "GBP", "America/New_York")
    assert read(cache, session_factory, "T0NONE") is None
    assert read(cache, session_factory, base.workspace_id) is base  # the file's own, no row


def test_at_most_size_workspaces_are_kept(base, session_factory, teams):
    cache = SettingsCache(base, size=1)
    a = read(cache, session_factory, A)
    read(cache, session_factory, B)
    again = read(cache, session_factory, A)
    assert again == a and again is not a  # B pushed A out
