"""OAuth installs for many workspaces: slack-sdk's SQLAlchemy stores on our own tables.

The tables are defined in `bot/storage/slack_models.py` and created by our
Alembic migrations (never by `create_tables()`), so a web process never races
a schema change. Scheduled jobs find a workspace's bot token with `bot_token_for`; a workspace
installed before the app asked for a scope it now needs is named in the log (`missing_scopes`), since
Slack will answer that scope's calls with `missing_scope` until an admin reinstalls.
"""
from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.storage.slack_models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE

STATE_EXPIRATION_SECONDS = 600
log = logging.getLogger(__name__)


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


def missing_scopes(store: SQLAlchemyInstallationStore, *, team_id: str, enterprise_id: str | None = None) -> tuple[str, ...]:
    """The bot scopes the app needs (bot/slack/scopes.py) that the workspace's installation was not granted."""
    from bot.slack.scopes import required_scopes

    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
    if bot is None:
        return ()
    granted = set(bot.bot_scopes or ())
    return tuple(scope for scope in required_scopes() if scope not in granted)


def workspaces(settings, engine: Engine) -> list[str]:
    """Every workspace a scheduled job should serve: the configured one, or each OAuth-installed team."""
    from sqlalchemy import select

    from bot.storage.slack_models import slack_bots

    if not (settings.env.slack_client_id and settings.env.slack_client_secret):
        return [settings.workspace_id]
    with engine.connect() as connection:
        rows = connection.execute(select(slack_bots.c.team_id).where(
            slack_bots.c.client_id == settings.env.slack_client_id, slack_bots.c.team_id.is_not(None)).distinct())
        return sorted(row[0] for row in rows)


def client_for_workspace(settings, engine: Engine, workspace_id: str):
    """A Web API client with the right bot token for `workspace_id` (SLACK_API_URL honoured)."""
    from bot.errors import UsageError
    from bot.slack.notifier import web_client

    env = settings.env
    if env.slack_client_id and env.slack_client_secret:
        store = installation_store(env.slack_client_id, engine)
        token = bot_token_for(store, team_id=workspace_id)
        if token is None:
            raise UsageError(f"no Slack installation for workspace {workspace_id}: install the app through /slack/install")
        if missing := missing_scopes(store, team_id=workspace_id):
            log.warning("workspace %s was installed without %s, which the app now needs: an admin of that workspace "
                        "should reinstall through /slack/install", workspace_id, ", ".join(missing))
    elif env.slack_bot_token is not None:
        token = env.slack_bot_token.get_secret_value()
    else:
        raise UsageError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth installs)")
    return web_client(settings, token)


def notifier_for_workspace(settings, engine: Engine, workspace_id: str, **options):
    """What the rituals worker posts with: a Notifier bound to the workspace's bot token."""
    from bot.slack.notifier import Notifier

    return Notifier(client_for_workspace(settings, engine, workspace_id), **options)
