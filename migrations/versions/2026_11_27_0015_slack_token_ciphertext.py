"""Slack OAuth tokens as Fernet ciphertext: token columns become Text, existing plaintext tokens are encrypted

Revision ID: 0015_slack_token_ciphertext
Revises: 0014_workspaces
Create Date: 2026-11-27 23:10:00

bot/slack/installations.py (`EncryptedInstallationStore`) now writes and reads every bot, user and
refresh token of `slack_installations` and `slack_bots` as Fernet ciphertext keyed by
SIGNALROOM_SECRET_KEY, longer than the 200 characters slack-sdk's columns allowed.

Rows stored before this revision hold plaintext tokens. With SIGNALROOM_SECRET_KEY in the environment
the upgrade encrypts them in place. Without a key it refuses (and changes nothing) when any plaintext
token is stored, rather than leave a live token readable in the database; with no stored token (a
single workspace running on SLACK_BOT_TOKEN, which is never stored) it needs no key. The downgrade
decrypts them back, and likewise refuses without a key when ciphertext is stored.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op


revision = '0015_slack_token_ciphertext'
down_revision = '0014_workspaces'
branch_labels = None
depends_on = None

# The shapes at this revision (not imported from the app, which may move on).
TOKEN_COLUMNS = {
    'slack_installations': ('bot_token', 'bot_refresh_token', 'user_token', 'user_refresh_token'),
    'slack_bots': ('bot_token', 'bot_refresh_token'),
}
CIPHERTEXT_PREFIX = 'gAAAAA'  # every Fernet token's (bot/slack/installations.py)
ENV_VAR = 'SIGNALROOM_SECRET_KEY'


def _keyring(why: str):
    from bot.credentials import keyring_from_value

    value = os.environ.get(ENV_VAR)
    if value is None or not value.strip():
        raise RuntimeError(
            f"{why}: set {ENV_VAR} (generate one with `signalroom secrets new-key`) and run the upgrade again. "
            "Nothing was changed. A single workspace on SLACK_BOT_TOKEN stores no token and needs no key; "
            "this database holds OAuth installs.")
    return keyring_from_value(value)


def _pending(*, encrypt: bool) -> list:
    """The rows with a token to convert: plaintext ones to encrypt, or ciphertext ones to decrypt."""
    connection = op.get_bind()
    pending = []
    for name, columns in TOKEN_COLUMNS.items():
        table = sa.table(name, sa.column('id', sa.Integer), *(sa.column(c, sa.Text) for c in columns))
        for row in connection.execute(sa.select(table)).mappings():
            changes = {c: row[c] for c in columns
                       if row[c] is not None and row[c].startswith(CIPHERTEXT_PREFIX) != encrypt}
            if changes:
                pending.append((table, row['id'], changes))
    return pending


def _convert(pending: list, ring, *, encrypt: bool) -> None:
    for table, row_id, changes in pending:
        values = {c: (ring.encrypt(v).decode('ascii') if encrypt else ring.decrypt(v.encode('ascii')).reveal())
                  for c, v in changes.items()}
        op.get_bind().execute(table.update().where(table.c.id == row_id).values(**values))


def _alter(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for name, columns in TOKEN_COLUMNS.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=old, type_=new, existing_nullable=True)


def upgrade() -> None:
    pending = _pending(encrypt=True)  # checked before any change, so a refusal leaves the schema as it was
    ring = _keyring("plaintext Slack tokens are stored and must be encrypted") if pending else None
    _alter(sa.String(length=200), sa.Text())
    _convert(pending, ring, encrypt=True)


def downgrade() -> None:
    pending = _pending(encrypt=False)
    ring = _keyring("encrypted Slack tokens are stored and must be decrypted to downgrade") if pending else None
    _convert(pending, ring, encrypt=False)
    _alter(sa.Text(), sa.String(length=200))
