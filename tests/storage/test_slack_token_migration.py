"""Migration 0015 encrypts the Slack tokens stored in plaintext, and refuses without a key rather than leave them."""
from __future__ import annotations

import base64

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.storage.engine import alembic_config, make_engine, upgrade
from bot.storage.slack_models import slack_bots, slack_installations

KEY = base64.urlsafe_b64encode(b"m" * 32).decode()
PLAIN = "xoxb-plain-T0OLD"


def _old_install(db_url: str) -> None:
    command.downgrade(alembic_config(db_url), "0014_workspaces")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, bot_id, bot_user_id, bot_scopes,"
                " is_enterprise_install, installed_at) VALUES ('111.222', 'A1', 'T0OLD', :token, 'B1', 'UB', 'chat:write',"
                " :no, '2026-01-01 00:00:00')"), {"token": PLAIN, "no": False})
            connection.execute(text(
                "INSERT INTO slack_installations (client_id, app_id, team_id, bot_token, user_id, user_token,"
                " is_enterprise_install, installed_at) VALUES ('111.222', 'A1', 'T0OLD', :token, 'U1', 'xoxp-user',"
                " :no, '2026-01-01 00:00:00')"), {"token": PLAIN, "no": False})
    finally:
        engine.dispose()


def _raw(db_url: str) -> tuple[str, str, str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            bot = connection.execute(select(slack_bots.c.bot_token)).scalar_one()
            row = connection.execute(select(slack_installations.c.bot_token, slack_installations.c.user_token)).one()
            return bot, row.bot_token, row.user_token
    finally:
        engine.dispose()


def test_plaintext_tokens_are_encrypted_in_place(db_url, monkeypatch):
    from bot.credentials import keyring_from_value
    from bot.slack.installations import bot_token_for, installation_store

    _old_install(db_url)
    monkeypatch.setenv("SIGNALROOM_SECRET_KEY", KEY)
    upgrade(db_url)
    raw = _raw(db_url)
    assert all(value.startswith("gAAAAA") and "xox" not in value for value in raw)
    engine = make_engine(db_url)
    try:
        assert bot_token_for(installation_store("111.222", engine, keyring_from_value(KEY)), team_id="T0OLD") == PLAIN
    finally:
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0014_workspaces")  # and back: plaintext again
    assert _raw(db_url) == (PLAIN, PLAIN, "xoxp-user")
    upgrade(db_url)


def test_without_a_key_plaintext_tokens_stop_the_upgrade(db_url, monkeypatch):
    _old_install(db_url)
    monkeypatch.delenv("SIGNALROOM_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SIGNALROOM_SECRET_KEY"):
        upgrade(db_url)
    assert _raw(db_url) == (PLAIN, PLAIN, "xoxp-user")  # nothing changed
    monkeypatch.setenv("SIGNALROOM_SECRET_KEY", KEY)
    upgrade(db_url)


def test_without_stored_tokens_no_key_is_needed(db_url, monkeypatch):
    command.downgrade(alembic_config(db_url), "0014_workspaces")
    monkeypatch.delenv("SIGNALROOM_SECRET_KEY", raising=False)
    upgrade(db_url)
