"""Build adapters from settings: `[sources.<name>]` tables plus credentials from the environment.

Config keys read per source: `type` (zendesk|freshdesk|intercom|csv, defaults
to the name), `enabled`, `backfill_days`, `page_size`, `lookback_minutes`
(`interval_minutes` is the worker's business; `path` is for csv sources).
Credentials and base URLs come only from the environment (see ARCHITECTURE.md).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bot.config import Settings, SourceConfig
from bot.errors import UsageError
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter

USER_AGENT = "signalroom-sync/0.1"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class PlannedSource:
    name: str
    kind: str
    config: SourceConfig
    adapter: object | None = None  # an Adapter; None for csv sources and when misconfigured
    problem: str | None = None  # why it cannot run (missing credentials), named for the operator
    fix: str | None = None  # how its settings are corrected, for its errors (None: its [sources.NAME] table)

    def start(self, now: datetime, backfill_days: int | None = None) -> datetime:
        return now - timedelta(days=backfill_days or self.config.backfill_days)


def make_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}, follow_redirects=False)


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_adapter(
    name: str,
    config: SourceConfig,
    settings: Settings,
    *,
    client: httpx.Client,
    sleep: Callable[[float], None] = time.sleep,
) -> PlannedSource:
    kind = config.type or name
    env = settings.env
    common = {
        "name": name,
        "lookback": timedelta(minutes=config.lookback_minutes),
        "store_free_text": settings.file.privacy.store_subject,
        "sleep": sleep,
    }
    if config.page_size:
        common["page_size"] = config.page_size
    if kind == "zendesk":
        base_url = env.zendesk_base_url
        token, oauth = _secret(env.zendesk_api_token), _secret(env.zendesk_oauth_token)
        if not base_url:
            return PlannedSource(name, kind, config, problem=f"{name}: set ZENDESK_SUBDOMAIN or ZENDESK_URL")
        if not oauth and not (env.zendesk_email and token):
            return PlannedSource(
                name, kind, config, problem=f"{name}: set ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN"
            )
        adapter = ZendeskAdapter(
            client, base_url=base_url, email=env.zendesk_email, api_token=token, oauth_token=oauth, **common
        )
    elif kind == "freshdesk":
        base_url, key = env.freshdesk_base_url, _secret(env.freshdesk_api_key)
        if not base_url or not key:
            return PlannedSource(
                name, kind, config, problem=f"{name}: set FRESHDESK_API_KEY and FRESHDESK_DOMAIN (or FRESHDESK_URL)"
            )
        adapter = FreshdeskAdapter(client, base_url=base_url, api_key=key, **common)
    elif kind == "intercom":
        token = _secret(env.intercom_access_token)
        if not token:
            return PlannedSource(name, kind, config, problem=f"{name}: set INTERCOM_ACCESS_TOKEN")
        adapter = IntercomAdapter(client, base_url=env.intercom_url, access_token=token, **common)
    elif kind == "csv":
        return PlannedSource(name, kind, config)
    else:  # the config model already refuses this; kept for safety
        return PlannedSource(name, kind, config, problem=f"{name}: unknown source type {kind!r}")
    return PlannedSource(name, kind, config, adapter=adapter)


def plan_sources(
    settings: Settings,
    *,
    client: httpx.Client,
    only: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[PlannedSource]:
    """The enabled sources (or just `only`), each with its adapter or the problem that stops it."""
    configured = settings.file.sources
    if only is not None:
        if only not in configured:
            known = ", ".join(sorted(configured)) or "none configured"
            raise UsageError(f"unknown source {only!r} (configured: {known}); add a [sources.{only}] table")
        names = [only]
    else:
        names = [name for name, config in configured.items() if config.enabled]
        if not names:
            raise UsageError("no sources configured: add a [sources.<name>] table (type = zendesk|freshdesk|intercom|csv)")
    return [build_adapter(name, configured[name], settings, client=client, sleep=sleep) for name in names]


def now_utc() -> datetime:
    return datetime.now(UTC)
