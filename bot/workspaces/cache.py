"""A process's effective workspace settings, re-used while nothing they are made of has changed.

Composing a workspace's settings (bot/workspaces/settings.py) reads three or four rows, validates the
merged document with the config file's model and decrypts the stored integration credentials; a Slack
request needs them before its ack (`/metrics` parses with the workspace's rules and today), and a queue
job at its start. `SettingsCache.known(session, team_id)` reads instead, in one statement, what they are
made of (`Stored`): the workspaces row (its timezone, and when it was created: a workspace removed and
added again is another), the overrides document with its `version` and `updated_at` (every write of the
document bumps the version: optimistic locking), the stored sources and the integration credentials
(ciphertext). Settings composed from a state are re-used as long as that state, the document standing in
by its version, reads the same; else they are composed again from what the statement read. A change from
any process (`change_settings`, a source or credentials added or removed, the timezone, a removal) is
therefore seen by the next read, never a stale copy. Entries are per workspace (and per cache, which
serves one `base`: the process's settings); at most `size` workspaces are kept, least recently read first
out.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import LargeBinary, String, bindparam, cast, literal_column, null, select, union_all

if TYPE_CHECKING:
    from bot.config import Settings

SIZE = 512


class _Workspace(NamedTuple):
    team_id: str
    timezone: str


class _Source(NamedTuple):
    name: str
    type: str
    url: str | None


class _Credential(NamedTuple):
    workspace_id: str
    kind: str
    url: str | None
    email: str | None
    secret_ciphertext: bytes


@dataclass(frozen=True)
class Stored:
    """What one workspace's effective settings are made of, as one statement read it."""

    workspace: _Workspace
    created_at: datetime
    version: int | None  # None: no overrides row
    updated_at: datetime | None
    document: dict[str, Any]
    sources: tuple[_Source, ...]
    credentials: tuple[_Credential, ...]

    @property
    def key(self) -> tuple:
        """The state, with the document standing in by its version."""
        return self.workspace, self.created_at, self.version, self.updated_at, self.sources, self.credentials


def read_stored(session, team_id: str) -> Stored | None:
    """`team_id`'s stored state in one statement (one snapshot), or None when it has no workspaces row."""
    rows = session.execute(_statement(), {"team_id": team_id}).all()
    head = [r for r in rows if r.part == "w"]
    if not head:
        return None
    w = head[0]
    return Stored(_Workspace(team_id, w.a), w.at, w.n, w.changed_at, dict(w.document or {}),
                  tuple(sorted(_Source(r.a, r.b, r.c) for r in rows if r.part == "s")),
                  tuple(sorted(_Credential(team_id, r.a, r.b, r.c, bytes(r.blob)) for r in rows if r.part == "i")))


@functools.cache
def _statement():
    """The one statement, built once (building it per read cost more than running it on SQLite)."""
    from bot.storage.integration_models import IntegrationCredential as C
    from bot.storage.workspace_models import HelpdeskSource as S
    from bot.storage.workspace_models import Workspace as W
    from bot.storage.workspace_settings_models import WorkspaceSettings as WS

    team = bindparam("team_id", type_=String())
    text, blob = cast(null(), String), cast(null(), LargeBinary)
    workspace = (select(literal_column("'w'").label("part"), W.timezone.label("a"), text.label("b"), text.label("c"),
                        WS.version.label("n"), W.created_at.label("at"), WS.updated_at.label("changed_at"),
                        WS.overrides.label("document"), blob.label("blob"))
                 .select_from(W).outerjoin(WS, WS.workspace_id == W.team_id).where(W.team_id == team))
    sources = select(literal_column("'s'"), S.name, S.type, S.url, null(), null(), null(), null(), blob).where(
        S.workspace_id == team)
    credentials = select(literal_column("'i'"), C.kind, C.url, C.email, null(), null(), null(), null(),
                         C.secret_ciphertext).where(C.workspace_id == team)
    return union_all(workspace, sources, credentials)


class SettingsCache:
    """Effective settings per workspace for one `base` (the process's settings); thread-safe."""

    def __init__(self, base: Settings, size: int = SIZE) -> None:
        self.base = base
        self.size = size
        self._entries: OrderedDict[str, tuple[tuple, Settings]] = OrderedDict()
        self._lock = threading.Lock()

    def known(self, session, team_id: str) -> Settings | None:
        """`known_settings_for` (bot/workspaces/settings.py) over `session`: `team_id`'s effective settings,
        `base` for the file's own workspace with no row, None for another workspace with no row."""
        from bot.workspaces.settings import compose

        stored = read_stored(session, team_id)
        if stored is None:
            with self._lock:
                self._entries.pop(team_id, None)
            return self.base if team_id == self.base.workspace_id else None
        key = stored.key
        with self._lock:
            hit = self._entries.get(team_id)
            if hit is not None and hit[0] == key:
                self._entries.move_to_end(team_id)
                return hit[1]
        settings = compose(self.base, stored.workspace, stored.document, stored.sources, stored.credentials)
        with self._lock:
            self._entries[team_id] = (key, settings)
            self._entries.move_to_end(team_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return settings
