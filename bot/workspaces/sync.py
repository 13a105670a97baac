"""Plan a workspace's database-stored sources for a sync (`signalroom sync --workspace TEAM_ID`).

Each stored source becomes a `bot.sync.sources.PlannedSource` with its adapter built
from the decrypted credentials, so the existing sync service stores its tickets under
that workspace's id. Per-source settings (backfill, lookback, page size) are the
defaults of a `[sources.NAME]` table until per-workspace settings arrive. A secret no
configured key opens stops that source only, named as its problem.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from bot.config import Settings, SourceConfig
from bot.credentials import UndecryptableSecretError, keyring
from bot.errors import UsageError
from bot.sync.sources import PlannedSource
from bot.workspaces.connections import Connection, build_adapter


def plan_workspace_sources(sessions, *, workspace_id: str, settings: Settings, client: httpx.Client,
                           only: str | None = None,
                           sleep: Callable[[float], None] = time.sleep) -> list[PlannedSource]:
    from bot.storage import workspaces as store
    from bot.workspaces.service import _require_workspace

    with sessions() as session:
        _require_workspace(session, workspace_id)
        rows = list(store.list_sources(session, workspace_id=workspace_id))
    if only is not None:
        rows = [row for row in rows if row.name == only]
        if not rows:
            raise UsageError(f"workspace {workspace_id} has no source named {only!r} (see `signalroom source list "
                             f"--workspace {workspace_id}`)")
    if not rows:
        raise UsageError(f"workspace {workspace_id} has no sources: add one with `signalroom source add NAME "
                         f"--workspace {workspace_id} --type T`")
    ring = keyring(settings) if any(row.secret_ciphertext is not None for row in rows) else None
    planned = []
    for row in rows:
        config = SourceConfig(type=row.type, path=row.url if row.type == "csv" else None)
        if row.type == "csv":
            planned.append(PlannedSource(row.name, row.type, config, fix=(
                f"to change its path: signalroom source remove {row.name} --workspace {workspace_id}, then "
                f"signalroom source add {row.name} --workspace {workspace_id} --type csv --url PATH")))
            continue
        try:
            secret = ring.decrypt(row.secret_ciphertext) if ring and row.secret_ciphertext is not None else None
        except UndecryptableSecretError as error:
            planned.append(PlannedSource(row.name, row.type, config, problem=f"{row.name}: {error}"))
            continue
        connection = Connection(row.name, row.type, row.url, row.email, secret)
        adapter = build_adapter(connection, client=client, sleep=sleep,
                                lookback=_minutes(config.lookback_minutes),
                                store_free_text=settings.file.privacy.store_subject)
        planned.append(PlannedSource(row.name, row.type, config, adapter=adapter))
    return planned


def _minutes(value: int):
    from datetime import timedelta

    return timedelta(minutes=value)
