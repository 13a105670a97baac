"""The workspaces a queue worker serves, and what a job needs to work for one of them.

Served: every stored workspace that is not paused, plus the config file's own
workspace (unless its row is paused), each only while it is installed: with OAuth
(SLACK_CLIENT_ID/SECRET) a workspace whose bot token was deleted (uninstall,
tokens revoked) is skipped; without OAuth, SLACK_BOT_TOKEN serves them all, except
a workspace where Slack refused that very token (bot/slack/revocations.py). A
deleted workspace has no row and is not served; a job already queued for it finds
no tenant and does nothing.

A job's settings are the workspace's effective settings (bot/workspaces/settings.py),
its sources the stored ones (the config file's for the file's own workspace), its
Slack client the workspace's own bot token, and its database handles the process's.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bot.config import ConfigError
from bot.errors import UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tenant:
    workspace_id: str
    runtime: object  # bot.context.Runtime with this workspace's settings and the process's engine
    stored_sources: bool  # its sources are rows of helpdesk_sources (any workspace but the config file's own)

    @property
    def settings(self):
        return self.runtime.settings


@dataclass
class Tenants:
    runtime: object  # the process's bot.context.Runtime (the config file's settings)
    _client: httpx.Client | None = None
    _settings: object | None = None  # a SettingsCache, made on first use

    def client(self) -> httpx.Client:
        """One HTTP client for every sync this process runs: its TLS context (loading the CA bundle costs
        ~0.1 CPU-s, more than a small sync's own work) and its kept-alive connections are reused."""
        if self._client is None:
            from bot.sync.sources import make_client

            self._client = make_client()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def served(self) -> list[str]:
        """Workspace ids to enqueue work for, in a stable order."""
        from bot.storage.workspace_models import Workspace

        base = self.runtime.base
        with self.runtime.session_factory()() as session:
            rows = session.execute(select(Workspace.team_id, Workspace.paused)).all()
        paused = {team for team, is_paused in rows if is_paused}
        teams = sorted({team for team, _ in rows} | {base.workspace_id})
        installed, refused = self._installed(), self._refused()
        return [team for team in teams if team not in paused | refused and (installed is None or team in installed)]

    def _installed(self) -> set[str] | None:
        """Teams with a bot token (OAuth installs); None: every team (SLACK_BOT_TOKEN); empty: no token at all."""
        env = self.runtime.base.env
        if env.slack_client_id and env.slack_client_secret:
            from bot.slack.installations import workspaces

            return set(workspaces(self.runtime.base, self.runtime.engine()))
        return None if env.slack_bot_token is not None else set()

    def _refused(self, workspace_id: str | None = None) -> set[str]:
        """Teams (or just `workspace_id`) where Slack refused SLACK_BOT_TOKEN for good (OAuth installs: their
        bot token is deleted instead, bot/slack/revocations.py)."""
        env = self.runtime.base.env
        if env.slack_bot_token is None or (env.slack_client_id and env.slack_client_secret):
            return set()
        from bot.slack.revocations import refused_workspaces

        return refused_workspaces(self.runtime.engine(), env.slack_bot_token.get_secret_value(), only=workspace_id)

    def is_served(self, workspace_id: str) -> bool:
        """`workspace_id in served()` for one team, without listing them all: its row's paused flag (no row:
        served only if it is the config file's own) and, with OAuth, its installation. A job asks this, so
        a cycle of n workspaces costs n constant-size checks, not n lists of n."""
        from bot.slack.installations import installed
        from bot.storage.workspace_models import Workspace

        with self.runtime.session_factory()() as session:
            paused = session.execute(select(Workspace.paused).where(Workspace.team_id == workspace_id)).scalar()
        if paused is None and workspace_id != self.runtime.base.workspace_id:
            return False  # removed (or never added)
        return not paused and installed(self.runtime.base, self.runtime.engine(), workspace_id) \
            and not self._refused(workspace_id)

    def tenant(self, workspace_id: str, *, check: bool = True) -> Tenant | None:
        """What a job for `workspace_id` works with; None when it is no longer served (paused, removed,
        uninstalled since the job was queued). `check=False`: the caller has just listed it as served."""
        if check and not self.is_served(workspace_id):
            log.info("workspace %s is not served (paused, removed or uninstalled): job skipped", workspace_id)
            return None
        try:
            settings = self.settings_for(workspace_id)
        except UsageError as error:  # removed between the two reads
            log.info("workspace %s: %s", workspace_id, error)
            return None
        except ConfigError as error:  # stored settings the config file no longer allows: repair them
            log.warning("workspace %s skipped: its settings do not fit the config file: %s", workspace_id, error)
            return None
        runtime = dataclasses.replace(self.runtime, _scope=None, _scoped=settings)  # the same engine and sessions
        return Tenant(workspace_id, runtime, stored_sources=workspace_id != self.runtime.base.workspace_id)

    def settings_for(self, workspace_id: str):
        """The workspace's effective settings, composed again only when what they are made of changed
        (bot/workspaces/cache.py); `UsageError` for a workspace that has no row (removed)."""
        from bot.workspaces.cache import SettingsCache

        if self._settings is None:
            self._settings = SettingsCache(self.runtime.base)
        with self.runtime.session_factory()() as session:
            settings = self._settings.known(session, workspace_id)
        if settings is None:
            raise UsageError(f"unknown workspace {workspace_id}")
        return settings


def runner_for(tenant: Tenant):
    """A posting Runner for the tenant (its bot token; SLACK_API_URL honoured)."""
    from bot.rituals.cli import make_runner
    from bot.slack.delivery import delivery_for

    return make_runner(tenant.runtime, delivery_for(tenant.runtime, post=True))


def sync_source(tenant: Tenant, name: str, client: httpx.Client):
    """Sync one of the tenant's sources over `client` and record its health; the `SourceResult`."""
    from bot.imports import sync_csv
    from bot.sync.health import record_planned
    from bot.sync.service import SourceResult
    from bot.sync.service import sync_source as sync_adapter
    from bot.sync.sources import plan_sources

    runtime, settings = tenant.runtime, tenant.settings
    sessions = runtime.session_factory()
    if tenant.stored_sources:
        from bot.workspaces.sync import plan_workspace_sources

        planned = plan_workspace_sources(sessions, workspace_id=tenant.workspace_id, settings=settings,
                                         client=client, only=name)[0]
    else:
        planned = plan_sources(settings, client=client, only=name)[0]
    if planned.problem:
        result = SourceResult(name, error=planned.problem)
        log.error("sync %s/%s: %s", tenant.workspace_id, name, planned.problem)
    elif planned.kind == "csv":
        result = sync_csv(planned, runtime, workspace_id=tenant.workspace_id)
    else:
        result = sync_adapter(planned.adapter, session_factory=sessions, workspace_id=tenant.workspace_id,
                              start=planned.start(datetime.now(UTC)), store_subject=settings.file.privacy.store_subject)
    record_planned(sessions, workspace_id=tenant.workspace_id, planned=planned, result=result, now=datetime.now(UTC))
    return result
