"""Per-workspace Jira, Linear and HubSpot credentials, encrypted (issue 17 on issue 16's store).

    add_integration(...)     validate, test with one cheap authenticated call, store the secret encrypted
    list_integrations(...)   what is stored (never the secret)
    remove_integration(...)  forget one; `forget_workspace` forgets all of a workspace's (uninstall)
    with_integrations(...)   a workspace's `Settings` with the credentials that serve it

Which credentials serve a workspace: its stored ones, kind by kind; else the environment's (JIRA_URL,
JIRA_EMAIL, JIRA_API_TOKEN, LINEAR_API_KEY, HUBSPOT_TOKEN), but only for the config file's own workspace
(`workspace_id` in signalroom.toml). A single-team install has only that workspace, so it works from the
environment as before; in a multi-workspace deployment no other workspace ever files issues in, or reads
accounts from, the operator's tracker or CRM. The trackers' and the CRM's client factories read
`settings.env`, so every job, command and request given a workspace's settings (`settings_for`) resolves
this way.

The connection test reuses the clients' own checks: Jira GET /rest/api/3/myself, Linear the viewer query,
HubSpot a companies page of limit 1 (bot: `HubSpotClient.check`).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.credentials import Keyring, Secret
from bot.errors import UsageError
from bot.storage.integration_models import INTEGRATION_KINDS

# Environment fields each kind fills (url, email, secret); the file's own workspace keeps what is set there.
ENV_FIELDS = {"jira": ("jira_url", "jira_email", "jira_api_token"), "linear": ("linear_url", None, "linear_api_key"),
              "hubspot": ("hubspot_url", None, "hubspot_token")}


class IntegrationTestError(RuntimeError):
    """The service refused the credentials or could not be reached; nothing was saved. Safe to show."""


@dataclass(frozen=True)
class IntegrationView:
    """What may be shown of stored credentials: never the secret."""

    workspace_id: str
    kind: str
    url: str | None
    email: str | None
    created_at: datetime
    created_by: str | None

    def json(self) -> dict[str, Any]:
        return {"workspace": self.workspace_id, "kind": self.kind, "url": self.url, "email": self.email,
                "has_secret": True, "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
                "created_by": self.created_by}


def check_fields(*, kind: str, url: str | None, email: str | None) -> tuple[str | None, str | None]:
    """The URL (normalized) and email, or `UsageError` naming the flag."""
    from bot.workspaces.service import EMAIL, check_url

    if kind not in INTEGRATION_KINDS:
        raise UsageError(f"unknown integration {kind!r}: use one of {', '.join(INTEGRATION_KINDS)}")
    if kind == "jira" and (url is None or email is None):
        raise UsageError("a jira integration needs --url (https://<site>.atlassian.net) and --email (the account "
                         "the API token belongs to)")
    if email is not None and kind != "jira":
        raise UsageError(f"--email is only for jira (the account an API token belongs to), not {kind}")
    if email is not None and not EMAIL.match(email):
        raise UsageError(f"--email {email!r} is not an email address")
    return (None if url is None else check_url(url)), email  # no url: linear's and hubspot's API hosts


def check_credentials(kind: str, url: str | None, email: str | None, secret: Secret, *, http,
                      sleep: Callable[[float], None] = time.sleep) -> str:
    """One cheap authenticated call with the clients' own check; what it saw, or `IntegrationTestError`."""
    from integrations.crm.hubspot import BASE_URL, HubSpotClient, HubSpotError
    from integrations.trackers.base import TrackerError
    from integrations.trackers.jira import JiraClient
    from integrations.trackers.linear import DEFAULT_URL, LinearClient

    given = "the secret given (--secret-env or stdin)"  # not the environment's: these are being added
    try:
        if kind == "jira":
            return JiraClient(http, base_url=url or "", email=email or "", api_token=secret.reveal(),
                              sleep=sleep, auth_hint=f"--url, --email and {given}").check()
        if kind == "linear":
            return LinearClient(http, api_key=secret.reveal(), base_url=url or DEFAULT_URL, sleep=sleep,
                                auth_hint=given).check()
        return HubSpotClient(http, token=secret.reveal(), base_url=url or BASE_URL, sleep=sleep,
                             auth_hint=given).check()
    except (TrackerError, HubSpotError) as error:
        raise IntegrationTestError(str(error)) from None


def add_integration(sessions, *, workspace_id: str, kind: str, url: str | None, email: str | None,
                    secret: Secret | None, keyring: Callable[[], Keyring], check: Callable[..., str],
                    who: str = "cli") -> tuple[IntegrationView, str]:
    """Validate, test (`check(kind, url, email, secret)`), then store; the view and what the test saw.
    The key is checked before the service is called; nothing is written unless the test passes."""
    from sqlalchemy.exc import IntegrityError

    from bot.storage import integrations as store
    from bot.storage.integration_models import IntegrationCredential
    from bot.workspaces.service import _require_workspace

    url, email = check_fields(kind=kind, url=url, email=email)
    if secret is None or not secret.reveal():
        raise UsageError(f"a {kind} integration needs its secret: name an environment variable with --secret-env, "
                         "or pipe it on stdin")
    exists = (f"workspace {workspace_id} already has {kind} credentials; remove them first "
              f"(`signalroom integration remove {kind} --workspace {workspace_id}`)")
    with sessions() as session:
        _require_workspace(session, workspace_id)
        if store.get(session, workspace_id=workspace_id, kind=kind) is not None:
            raise UsageError(exists)
    ring = keyring()
    seen = check(kind, url, email, secret)
    try:
        with sessions.begin() as session:
            _require_workspace(session, workspace_id)
            row = store.add(session, IntegrationCredential(workspace_id=workspace_id, kind=kind, url=url, email=email,
                                                           secret_ciphertext=ring.encrypt(secret), created_by=who))
            view = _view(row)
    except IntegrityError:
        raise UsageError(exists) from None
    return view, seen


def list_integrations(sessions, *, workspace_id: str | None = None) -> list[IntegrationView]:
    from bot.storage import integrations as store
    from bot.workspaces.service import _require_workspace

    with sessions() as session:
        if workspace_id is not None:
            _require_workspace(session, workspace_id)
        return [_view(row) for row in store.listed(session, workspace_id=workspace_id)]


def remove_integration(sessions, *, workspace_id: str, kind: str) -> IntegrationView:
    from bot.storage import integrations as store
    from bot.workspaces.service import _require_workspace

    if kind not in INTEGRATION_KINDS:
        raise UsageError(f"unknown integration {kind!r}: use one of {', '.join(INTEGRATION_KINDS)}")
    with sessions.begin() as session:
        _require_workspace(session, workspace_id)
        row = store.get(session, workspace_id=workspace_id, kind=kind)
        if row is None:
            raise UsageError(f"workspace {workspace_id} has no stored {kind} credentials (see `signalroom integration "
                             f"list --workspace {workspace_id}`)")
        view = _view(row)
        store.remove(session, row)
    return view


def forget_workspace(session, *, workspace_id: str) -> int:
    """Delete every stored credential of a workspace in the caller's transaction (app_uninstalled)."""
    from bot.storage import integrations as store

    return store.delete_workspace(session, workspace_id=workspace_id)


def with_integrations(session, base, settings, team_id: str):
    """`settings` (serving `team_id`) with the credentials that serve it: the stored ones kind by kind, else the
    environment's for the config file's own workspace only. Stored credentials no key opens (no or another
    SIGNALROOM_SECRET_KEY) serve nothing, with a warning naming the workspace and kind: the workspace's
    settings, rituals and syncs go on, and its tracker or CRM says it is not set up."""
    from bot.storage import integrations as store

    return with_credentials(base, settings, team_id, store.listed(session, workspace_id=team_id))


def with_credentials(base, settings, team_id: str, rows):
    """`with_integrations` given the workspace's stored credential rows (workspace_id, kind, url, email,
    secret_ciphertext), in kind order."""
    own = team_id == base.workspace_id
    if own and not rows:
        return settings
    defaults = type(settings.env).model_fields
    update: dict[str, Any] = {} if own else _unset(defaults)  # the environment's are the file's own workspace's
    stored = set()
    for row, secret in _opened(base, rows):
        url_field, email_field, secret_field = ENV_FIELDS[row.kind]
        if secret is None:  # not the environment's either: they are not what this workspace stored
            update.update({name: defaults[name].default for name in ENV_FIELDS[row.kind] if name is not None})
            continue
        update[url_field] = row.url or defaults[url_field].default
        if email_field is not None:
            update[email_field] = row.email
        update[secret_field] = secret
        stored.add(row.kind)
    env = settings.env.model_copy(update=update)
    env._stored_integrations = frozenset(stored)
    return settings.model_copy(update={"env": env})


def _opened(base, rows) -> list[tuple[Any, Any]]:
    """Each stored row with its secret (a `SecretStr`), or None with a warning when no key opens it."""
    import logging

    from pydantic import SecretStr

    from bot.credentials import SecretKeyError, keyring

    ring, problem = None, ""
    try:
        ring = keyring(base) if rows else None
    except SecretKeyError as error:
        problem = str(error)
    out = []
    for row in rows:
        if ring is not None:
            try:
                out.append((row, SecretStr(ring.decrypt(row.secret_ciphertext).reveal())))
                continue
            except SecretKeyError as error:
                problem = str(error)
        out.append((row, None))
        logging.getLogger(__name__).warning(
            "workspace %s: its stored %s credentials cannot be used (%s); %s serves nothing for it until they are "
            "added again or the key that encrypted them is back in SIGNALROOM_SECRET_KEY", row.workspace_id, row.kind,
            problem, row.kind)
    return out


def without_environment(settings):
    """`settings` for a workspace other than the config file's own that has nothing stored: none of the
    environment's integration credentials."""
    return settings.model_copy(update={"env": settings.env.model_copy(update=_unset(type(settings.env).model_fields))})


def _unset(defaults) -> dict[str, Any]:
    return {name: defaults[name].default for fields in ENV_FIELDS.values() for name in fields if name is not None}


def _view(row) -> IntegrationView:
    return IntegrationView(row.workspace_id, row.kind, row.url, row.email, row.created_at, row.created_by)
