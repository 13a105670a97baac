"""OAuth installs for many workspaces: slack-sdk's SQLAlchemy stores on our own tables.

The tables are defined in `bot/storage/slack_models.py` and created by our
Alembic migrations (never by `create_tables()`), so a web process never races
a schema change. Scheduled jobs find a workspace's bot token with `bot_token_for`; a workspace
installed before the app asked for a scope it now needs is named in the log (`missing_scopes`), since
Slack will answer that scope's calls with `missing_scope` until an admin reinstalls.

Tokens at rest are Fernet ciphertext (`EncryptedInstallationStore`, keyed by `SIGNALROOM_SECRET_KEY` like
the helpdesk credentials in bot/credentials.py): OAuth installs need the key, a single workspace with
SLACK_BOT_TOKEN stores no token and needs none. Uninstalls (`app_uninstalled`, `tokens_revoked`) delete
the tokens through `delete_bot` / `delete_installation` (Bolt's built-in listeners call them, see
bot/slack/uninstalls.py); a team without a bot token is no longer in `workspaces`, so no job serves it.

Enterprise Grid: a workspace-level install inside an org is stored under its enterprise and team ids and is
the tenant of that team id, like any workspace. An org-wide install (`is_enterprise_install`) is stored under
the enterprise id with no team id: its one bot token serves every workspace of the org, and the org is one
tenant whose id is the enterprise id (what requests through that install are scoped by, bot/slack/request.py).
`installed_as` says under which ids a tenant's bot is stored; its uninstall deletes only those rows, so a
workspace's uninstall inside an org leaves the org's install, and the org's leaves its workspaces' own.
"""
from __future__ import annotations

import copy
import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_

from bot.credentials import Keyring
from bot.storage.slack_models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE, TOKEN_COLUMNS

STATE_EXPIRATION_SECONDS = 600
log = logging.getLogger(__name__)


# What every Fernet token starts with (version byte 0x80, then a 64-bit timestamp whose high bytes are zero
# until 2106); a Slack token starts with "xox". The migration that encrypted old rows tells them apart by it.
CIPHERTEXT_PREFIX = "gAAAAA"


def is_ciphertext(value: str | None) -> bool:
    return value is not None and value.startswith(CIPHERTEXT_PREFIX)


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy store with every token (bot, user, refresh) encrypted on save and decrypted on read.

    Deleting follows what a revoked token means: `delete_bot` also clears the bot token from the team's
    installation rows (Bolt authorizes from those), and `delete_installation` for one user clears that user's
    tokens but keeps the row, whose bot token may still be valid; without a user it deletes the team's rows.
    """

    def __init__(self, client_id: str, engine: Engine, keyring: Keyring) -> None:
        super().__init__(client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE,
                         installations_table_name=INSTALLATIONS_TABLE, logger=log)
        self.keyring = keyring

    def _seal(self, entity, columns):
        sealed = copy.copy(entity)
        for name in columns:
            value = getattr(sealed, name, None)
            if value is not None and not is_ciphertext(value):
                setattr(sealed, name, self.keyring.encrypt(value).decode("ascii"))
        return sealed

    def _open(self, row) -> dict:
        opened = dict(row)
        for name in TOKEN_COLUMNS[INSTALLATIONS_TABLE]:
            if opened.get(name) is not None:
                opened[name] = self.keyring.decrypt(opened[name].encode("ascii")).reveal()
        return opened

    def save(self, installation) -> None:
        super().save(self._seal(installation, TOKEN_COLUMNS[INSTALLATIONS_TABLE]))  # its bot goes through save_bot

    def save_bot(self, bot) -> None:
        super().save_bot(self._seal(bot, TOKEN_COLUMNS[BOTS_TABLE]))

    def build_installation_entity(self, row):  # a classmethod upstream, always called on the instance
        return super().build_installation_entity(self._open(row))

    def build_bot_entity(self, row):
        return super().build_bot_entity(self._open(row))

    def _team(self, table, enterprise_id: str | None, team_id: str | None):
        c = table.c
        return and_(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        with self.engine.begin() as connection:
            connection.execute(self.installations.update()
                               .where(self._team(self.installations, enterprise_id, team_id))
                               .values(bot_token=None, bot_refresh_token=None, bot_token_expires_at=None))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        if user_id is None:
            super().delete_installation(enterprise_id=enterprise_id, team_id=team_id)
            return
        with self.engine.begin() as connection:
            connection.execute(self.installations.update()
                               .where(self._team(self.installations, enterprise_id, team_id),
                                      self.installations.c.user_id == user_id)
                               .values(user_token=None, user_refresh_token=None, user_token_expires_at=None,
                                       user_scopes=None))


def rotate_tokens(engine: Engine, keyring: Keyring) -> int:
    """Re-encrypt every stored Slack token with the first key (`signalroom secrets rotate`), all or none; how many."""
    from sqlalchemy import select

    from bot.storage.slack_models import slack_bots, slack_installations

    count = 0
    with engine.begin() as connection:
        for table in (slack_installations, slack_bots):
            columns = [table.c[name] for name in TOKEN_COLUMNS[table.name]]
            for row in connection.execute(select(table.c.id, *columns)).mappings():
                values = {c.name: keyring.rotate(row[c.name].encode("ascii")).decode("ascii")
                          for c in columns if row[c.name] is not None}
                if values:
                    connection.execute(table.update().where(table.c.id == row["id"]).values(**values))
                    count += len(values)
    return count


def installation_store(client_id: str, engine: Engine, keyring: Keyring) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id, engine, keyring)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine,
                                     table_name=OAUTH_STATES_TABLE)


def installed_as(engine: Engine, client_id: str, workspace_id: str) -> tuple[str | None, str | None] | None:
    """The (enterprise_id, team_id) a tenant's bot is stored under: its own install (in a Grid org or not), else
    (the org, None) for an org-wide install whose tenant id is the enterprise id; None when neither exists."""
    from sqlalchemy import desc, or_, select

    from bot.storage.slack_models import slack_bots

    c = slack_bots.c
    with engine.connect() as connection:
        row = connection.execute(
            select(c.enterprise_id, c.team_id).where(
                c.client_id == client_id,
                or_(c.team_id == workspace_id,
                    and_(c.team_id.is_(None), c.enterprise_id == workspace_id, c.is_enterprise_install.is_(True))))
            .order_by(c.team_id.is_(None), desc(c.installed_at)).limit(1)).first()
    return None if row is None else (row.enterprise_id, row.team_id)


def bot_token_for(store: SQLAlchemyInstallationStore, *, team_id: str | None,
                  enterprise_id: str | None = None) -> str | None:
    """The bot token installed for a workspace (what a scheduled job posts with), or None; `team_id` None: the
    org-wide install of `enterprise_id`."""
    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None)
    return bot.bot_token if bot else None


def missing_scopes(store: SQLAlchemyInstallationStore, *, team_id: str | None,
                   enterprise_id: str | None = None) -> tuple[str, ...]:
    """The bot scopes the app needs (bot/slack/scopes.py) that the workspace's installation was not granted."""
    from bot.slack.scopes import required_scopes

    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None)
    if bot is None:
        return ()
    granted = set(bot.bot_scopes or ())
    return tuple(scope for scope in required_scopes() if scope not in granted)


def workspaces(settings, engine: Engine) -> list[str]:
    """Every workspace a scheduled job should serve: the configured one, or each OAuth-installed tenant (a team,
    or an org-wide install's enterprise id)."""
    from sqlalchemy import select

    from bot.storage.slack_models import slack_bots

    if not (settings.env.slack_client_id and settings.env.slack_client_secret):
        return [settings.workspace_id]
    c = slack_bots.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.team_id, c.enterprise_id, c.is_enterprise_install).where(
            c.client_id == settings.env.slack_client_id).distinct())
        return sorted({team or enterprise for team, enterprise, org in rows if team or (org and enterprise)})


def installed(settings, engine: Engine, team_id: str) -> bool:
    """Whether a scheduled job may serve `team_id` as far as Slack goes, in at most one query for that team:
    with OAuth, it has a bot token (`workspaces` lists them all: a team's own, or an org-wide install's for its
    enterprise id); with SLACK_BOT_TOKEN, every team does; with neither, none."""
    env = settings.env
    if not (env.slack_client_id and env.slack_client_secret):
        return env.slack_bot_token is not None
    return installed_as(engine, env.slack_client_id, team_id) is not None


def forget_bot(settings, engine: Engine, workspace_id: str, token: str) -> None:
    """Delete a tenant's bot token `token` (Slack refuses it for good: bot/slack/revocations.py), as
    `tokens_revoked` would; not when the stored token is another (a reinstall since the refused run began)."""
    from bot.credentials import keyring

    if (where := installed_as(engine, settings.env.slack_client_id, workspace_id)) is not None:
        store = installation_store(settings.env.slack_client_id, engine, keyring(settings))
        if bot_token_for(store, enterprise_id=where[0], team_id=where[1]) == token:
            store.delete_bot(enterprise_id=where[0], team_id=where[1])


def client_for_workspace(settings, engine: Engine, workspace_id: str):
    """A Web API client with the right bot token for `workspace_id` (SLACK_API_URL honoured)."""
    from bot.errors import UsageError
    from bot.slack.notifier import web_client

    env = settings.env
    if env.slack_client_id and env.slack_client_secret:
        from bot.credentials import keyring

        store = installation_store(env.slack_client_id, engine, keyring(settings))
        where = installed_as(engine, env.slack_client_id, workspace_id)
        token = None if where is None else bot_token_for(store, enterprise_id=where[0], team_id=where[1])
        if token is None:
            raise UsageError(f"no Slack installation for workspace {workspace_id}: install the app through /slack/install")
        if missing := missing_scopes(store, enterprise_id=where[0], team_id=where[1]):
            log.warning("workspace %s was installed without %s, which the app now needs: an admin of that workspace "
                        "should reinstall through /slack/install", workspace_id, ", ".join(missing))
    elif env.slack_bot_token is not None:
        token = env.slack_bot_token.get_secret_value()
    else:
        raise UsageError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth installs)")
    return web_client(settings, token)


def notifier_for_workspace(settings, engine: Engine, workspace_id: str, **options):
    """A Notifier bound to the workspace's bot token (ritual delivery builds its own from `client_for_workspace`)."""
    from bot.slack.notifier import Notifier

    return Notifier(client_for_workspace(settings, engine, workspace_id), **options)
