"""A workspace whose bot token Slack refuses for good, seen by a running job rather than by an event.

When a scheduled post (or any call of the rituals' delivery) is answered `token_revoked`, `account_inactive`
or `invalid_auth` (`bot.delivery.NOT_INSTALLED_ERRORS`), the app is no longer installed there: the
workspace's remaining posts in this run are not tried (the notifier refuses them without calling Slack),
one line says so in the log, nothing is retried, and the workspace is marked so later runs skip it:

- OAuth installs: its bot token is deleted from the installation store, as the `tokens_revoked` event
  that Slack sends too would do (bot/slack/uninstalls.py), so the team leaves `installations.workspaces`
  and no job serves it; a reinstall through /slack/install brings it back (a refusal of the old token,
  from a run that began before the reinstall, leaves the new token alone).
- One workspace on SLACK_BOT_TOKEN: there is nothing stored to delete. A mark remembers which token was
  refused: a row of the `leases` table named `slack-refused:<team>` (the table of named marks the worker
  and the queue's planner already share), held by the token's SHA-256 fingerprint until `RECHECK` has
  passed. While SLACK_BOT_TOKEN holds that token and the mark holds, no job posts for the workspace (and
  the queue serves it no more); an operator who puts a new token there lifts it, with nothing to clear by
  hand. Slack has answered `invalid_auth` during its own outages, so a mark is not forever: once it lapses
  the next run tries again, and a token still refused costs that one call and is marked again.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.delivery import NotInstalledError
from bot.storage.models import Lease

log = logging.getLogger(__name__)
PREFIX = "slack-refused:"
RECHECK = timedelta(hours=1)  # a mark lapses (a transient refusal); a new token lifts it at once


def fingerprint(token: str) -> str:
    """What a mark holds of a token: enough to tell tokens apart, nothing to use one with."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def mark_name(workspace_id: str) -> str:
    return f"{PREFIX}{workspace_id}"[:64]


def refused_workspaces(engine: Engine, token: str, *, only: str | None = None) -> set[str]:
    """The workspaces (or just `only`) whose mark holds `token`: skipped while it is the token in use."""
    names = Lease.name == mark_name(only) if only is not None else Lease.name.like(PREFIX + "%")
    with engine.connect() as connection:
        found = connection.execute(select(Lease.name).where(names, Lease.holder == fingerprint(token),
                                                            Lease.expires_at > datetime.now(UTC))).scalars()
        return {name.removeprefix(PREFIX) for name in found}


def is_refused(engine: Engine, *, workspace_id: str, token: str) -> bool:
    return bool(refused_workspaces(engine, token, only=workspace_id))


def mark_refused(engine: Engine, *, workspace_id: str, token: str) -> None:
    """Remember that Slack refused `token` for `workspace_id` (the mark of an earlier token is replaced)."""
    name = mark_name(workspace_id)
    try:
        with engine.begin() as connection:
            connection.execute(delete(Lease).where(Lease.name == name))
            connection.execute(insert(Lease).values(name=name, holder=fingerprint(token),
                                                    expires_at=datetime.now(UTC) + RECHECK))
    except IntegrityError:  # another process marked it at the same moment
        pass


def on_refused(settings, engine: Engine, token: str):
    """The notifier's `on_not_installed` for `settings.workspace_id`: log it once and mark the workspace."""
    def refused(error: NotInstalledError) -> None:
        workspace_id = settings.workspace_id
        oauth = bool(settings.env.slack_client_id and settings.env.slack_client_secret)
        log.error("Slack workspace %s: Slack refuses its bot token (%s): the app is no longer installed there; "
                  "no more posts for it until %s", workspace_id, error.code,
                  "an admin reinstalls the app through /slack/install" if oauth
                  else "SLACK_BOT_TOKEN is replaced (or, in an hour, Slack takes it again)")
        try:
            if oauth:
                from bot.slack.installations import forget_bot

                forget_bot(settings, engine, workspace_id, token)
            else:
                mark_refused(engine, workspace_id=workspace_id, token=token)
        except Exception as problem:  # noqa: BLE001 - this run's posts stop anyway; the next run finds out again
            from bot.errors import describe_error

            log.warning("Slack workspace %s: could not record that its token is refused: %s", workspace_id,
                        describe_error(problem))
    return refused
