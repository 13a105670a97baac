"""OAuth installs for many workspaces: slack-sdk's SQLAlchemy stores on our own tables.

The tables are defined in `bot/storage/slack_models.py` and created by our
Alembic migrations (never by `create_tables()`), so a web process never races
a schema change. Scheduled jobs find a workspace's bot token with `bot_token_for`.
"""
from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.storage.slack_models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE

STATE_EXPIRATION_SECONDS = 600


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine,
                                     table_name=OAUTH_STATES_TABLE)


def bot_token_for(store: SQLAlchemyInstallationStore, *, team_id: str, enterprise_id: str | None = None) -> str | None:
    """The bot token installed for a workspace (what a scheduled job posts with), or None."""
    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
    return bot.bot_token if bot else None
