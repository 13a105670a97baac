"""Slack tables, defined on our metadata so Alembic migrates them with everything else.

The OAuth tables' shapes come from slack-sdk's own table builders, so `SQLAlchemyInstallationStore`
and `SQLAlchemyOAuthStateStore` read and write them unchanged; the request signatures are ours
(replay protection). One change to their shapes: the token columns (`TOKEN_COLUMNS`) are Text, since
they hold Fernet ciphertext (bot/slack/installations.py), longer than the token itself.
"""
from __future__ import annotations

from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"

slack_installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, INSTALLATIONS_TABLE)
slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
# Fernet ciphertext of a token (url-safe base64 text), never the token: see bot/slack/installations.py.
TOKEN_COLUMNS = {
    INSTALLATIONS_TABLE: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    BOTS_TABLE: ("bot_token", "bot_refresh_token"),
}
for _table in (slack_installations, slack_bots):
    for _name in TOKEN_COLUMNS[_table.name]:
        _table.c[_name].type = Text()
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, OAUTH_STATES_TABLE)


class SlackRequestSignature(Base):
    """A signed Slack request already accepted, remembered while its timestamp could still pass the
    5-minute check: a second delivery of the same signature is a replay.

    Not scoped by workspace: the check runs before the request is authorized (the team is not yet
    trusted), and a signature is unique across workspaces anyway.
    """

    __tablename__ = "slack_request_signatures"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the X-Slack-Signature header
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
