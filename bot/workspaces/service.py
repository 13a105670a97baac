"""Workspaces and their helpdesk sources: the operations behind `signalroom workspace|source|secrets`.

Each function owns its transaction (`sessions.begin()`). Bad input raises `UsageError`
(exit 2) before anything is written; a helpdesk that refuses the credentials raises
`ConnectionTestError` and nothing is saved. Secrets arrive as `Secret`, are stored only
as ciphertext and are never part of a view, a JSON output or an error message.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.credentials import Keyring, Secret
from bot.errors import UsageError
from bot.storage.workspace_models import SOURCE_TYPES
from bot.workspaces.connections import Connection, check_connection

TEAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class WorkspaceView:
    team_id: str
    name: str | None
    timezone: str
    paused: bool
    created_at: datetime
    sources: int

    def json(self) -> dict[str, Any]:
        return {"team_id": self.team_id, "name": self.name, "timezone": self.timezone, "paused": self.paused,
                "created_at": _iso(self.created_at), "sources": self.sources}


@dataclass(frozen=True)
class SourceView:
    """What may be shown of a source: never its secret, only whether one is stored."""

    workspace_id: str
    name: str
    type: str
    url: str | None
    email: str | None
    has_secret: bool
    created_at: datetime
    created_by: str | None
    # Its last sync (source_health): when it last succeeded, and the error that stopped the last one (None: ok).
    last_success_at: datetime | None = None
    last_error: str | None = None

    @property
    def health(self) -> str:
        return "failing" if self.last_error else "ok" if self.last_success_at else "never synced"

    def json(self) -> dict[str, Any]:
        return {"workspace": self.workspace_id, "name": self.name, "type": self.type, "url": self.url,
                "email": self.email, "has_secret": self.has_secret, "created_at": _iso(self.created_at),
                "created_by": self.created_by, "health": self.health,
                "last_success_at": _iso(self.last_success_at) if self.last_success_at else None,
                "last_error": self.last_error}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- validation (pure) ----------------------------------------------------------------------------------

def check_team_id(team_id: str) -> str:
    if not TEAM_ID.match(team_id or ""):
        raise UsageError(f"{team_id!r} is not a workspace id: use the Slack team id, e.g. T0123456789")
    return team_id


def check_timezone(name: str) -> str:
    from bot.config import _timezone  # one wording with the config file's `timezone`

    try:
        return _timezone(name)
    except ValueError as error:
        raise UsageError(str(error)) from None


def check_source_fields(*, name: str, type: str, url: str | None, email: str | None) -> tuple[str | None, str | None]:
    """The source's URL (normalized) and email, or `UsageError` naming the field."""
    if type not in SOURCE_TYPES:
        raise UsageError(f"unknown source type {type!r}: use one of {', '.join(SOURCE_TYPES)}")
    if not SOURCE_NAME.match(name or ""):
        raise UsageError(f"{name!r} is not a source name: letters, digits, '.', '_' and '-', at most 64")
    if email is not None and type != "zendesk":
        raise UsageError(f"--email is only for zendesk sources (the agent an API token belongs to), not {type}")
    if email is not None and not EMAIL.match(email):
        raise UsageError(f"--email {email!r} is not an email address")
    if type == "csv":
        if not url:
            raise UsageError("a csv source needs --url, the path of its CSV file (as the worker sees it)")
        return url, None  # where the file lives, kept as given; nothing is called
    if url is None:
        if type == "intercom":
            return None, email  # the default host, https://api.intercom.io
        example = {"zendesk": "https://acme.zendesk.com", "freshdesk": "https://acme.freshdesk.com"}[type]
        raise UsageError(f"a {type} source needs --url, the account's address (e.g. {example})")
    return check_url(url), email


def check_url(url: str) -> str:
    """An address credentials may be sent to (https, or http on loopback), without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url {url!r} is not an http(s) address")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise UsageError("--url must use https: credentials are sent only over https (http only for localhost)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UsageError("--url takes the account's address only (no credentials, query or fragment)")
    return url.rstrip("/")


# -- workspaces -----------------------------------------------------------------------------------------

def add_workspace(sessions, *, team_id: str, name: str | None, timezone: str, who: str = "cli") -> WorkspaceView:
    from sqlalchemy.exc import IntegrityError

    from bot.storage import workspaces as store
    from bot.storage.workspace_models import SettingsChange, Workspace

    check_team_id(team_id)
    check_timezone(timezone)
    try:
        with sessions.begin() as session:
            if store.get_workspace(session, team_id=team_id) is not None:
                raise UsageError(f"workspace {team_id} already exists (see `signalroom workspace list`)")
            row = store.add_workspace(session, Workspace(team_id=team_id, name=name, timezone=timezone, paused=False))
            for key, value in (("name", name), ("timezone", timezone)):
                store.record_change(session, SettingsChange(workspace_id=team_id, key=key, old=None, new=value, who=who))
            view = _workspace_view(row, 0)
    except IntegrityError:  # added by another process between our look and our insert
        raise UsageError(f"workspace {team_id} already exists (see `signalroom workspace list`)") from None
    return view


def list_workspaces(sessions) -> list[WorkspaceView]:
    from bot.storage import workspaces as store

    with sessions() as session:
        counts = store.source_counts(session)
        return [_workspace_view(w, counts.get(w.team_id, 0)) for w in store.list_workspaces(session)]


def _workspace_view(row, sources: int) -> WorkspaceView:
    return WorkspaceView(row.team_id, row.name, row.timezone, bool(row.paused), row.created_at, sources)


def _require_workspace(session, team_id: str):
    from bot.storage import workspaces as store

    check_team_id(team_id)
    workspace = store.get_workspace(session, team_id=team_id)
    if workspace is None:
        raise UsageError(f"unknown workspace {team_id}: add it with `signalroom workspace add {team_id}`")
    return workspace


# -- sources --------------------------------------------------------------------------------------------

def add_source(sessions, *, workspace_id: str, name: str, type: str, url: str | None, email: str | None,
               secret: Secret | None, keyring: Callable[[], Keyring], client, who: str = "cli",
               sleep: Callable[[float], None] = time.sleep) -> SourceView:
    """Validate, test the connection, then store the source with its secret encrypted.

    `keyring` is called before the test, so a missing or malformed key is reported
    before the helpdesk is called; nothing is written unless the test passes.
    """
    from sqlalchemy.exc import IntegrityError

    from bot.storage import workspaces as store
    from bot.storage.workspace_models import HelpdeskSource

    url, email = check_source_fields(name=name, type=type, url=url, email=email)
    if type == "csv" and secret is not None:
        raise UsageError("a csv source has no secret: drop --secret-env")
    if type != "csv" and (secret is None or not secret.reveal()):
        raise UsageError(f"a {type} source needs its secret: name an environment variable with --secret-env, "
                         "or pipe it on stdin")
    with sessions() as session:  # fail fast, before the helpdesk is called
        _require_workspace(session, workspace_id)
        if store.get_source(session, workspace_id=workspace_id, name=name) is not None:
            raise UsageError(f"workspace {workspace_id} already has a source named {name!r}; "
                             f"remove it first (`signalroom source remove {name} --workspace {workspace_id}`)")
    ring = keyring() if secret is not None else None
    check_connection(Connection(name, type, url, email, secret), client=client, sleep=sleep)
    try:
        with sessions.begin() as session:
            _require_workspace(session, workspace_id)
            row = store.add_source(session, HelpdeskSource(
                workspace_id=workspace_id, name=name, type=type, url=url, email=email, created_by=who,
                secret_ciphertext=ring.encrypt(secret) if ring is not None and secret is not None else None))
            view = _source_view(row)
    except IntegrityError:
        raise UsageError(f"workspace {workspace_id} already has a source named {name!r}") from None
    return view


def list_sources(sessions, *, workspace_id: str | None = None) -> list[SourceView]:
    """The sources (of one workspace, or all), each with its last sync's outcome."""
    from bot.storage import workspaces as store
    from bot.storage.health import health_by_source

    with sessions() as session:
        if workspace_id is not None:
            _require_workspace(session, workspace_id)
        health = health_by_source(session, workspace_id=workspace_id)
        return [_source_view(row, health.get((row.workspace_id, row.name)))
                for row in store.list_sources(session, workspace_id=workspace_id)]


def remove_source(sessions, *, workspace_id: str, name: str) -> SourceView:
    from bot.storage import workspaces as store

    with sessions.begin() as session:
        _require_workspace(session, workspace_id)
        row = store.get_source(session, workspace_id=workspace_id, name=name)
        if row is None:
            raise UsageError(f"workspace {workspace_id} has no source named {name!r} (see `signalroom source list "
                             f"--workspace {workspace_id}`)")
        view = _source_view(row)
        store.remove_source(session, row)
    return view


def source_connections(sessions, *, workspace_id: str, keyring: Callable[[], Keyring]) -> list[Connection]:
    """One workspace's sources with their secrets decrypted, for a sync (the key is needed only if a secret is stored)."""
    from bot.storage import workspaces as store

    with sessions() as session:
        _require_workspace(session, workspace_id)
        rows = store.list_sources(session, workspace_id=workspace_id)
        ring = keyring() if any(row.secret_ciphertext is not None for row in rows) else None
        return [Connection(row.name, row.type, row.url, row.email,
                           ring.decrypt(row.secret_ciphertext) if ring and row.secret_ciphertext is not None else None)
                for row in rows]


def rotate_secrets(sessions, *, keyring: Keyring) -> int:
    """Re-encrypt every stored secret (helpdesk sources, integration credentials) with the first key, all or none
    (one transaction); how many."""
    from bot.storage import integrations, workspaces as store

    with sessions.begin() as session:
        rows = [*store.sources_with_secrets(session), *integrations.with_secrets(session)]
        for row in rows:
            row.secret_ciphertext = keyring.rotate(row.secret_ciphertext)
        session.flush()
        return len(rows)


def _source_view(row, health=None) -> SourceView:
    return SourceView(row.workspace_id, row.name, row.type, row.url, row.email, row.secret_ciphertext is not None,
                      row.created_at, row.created_by, health.last_success_at if health else None,
                      health.last_error if health and health.consecutive_failures else None)
