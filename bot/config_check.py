"""`signalroom config check`: settings that load but will not do what was probably meant. Kept apart from
`bot.config` because it asks the source adapters (bot.sync.sources) whether each source has credentials,
and the sync layer itself reads `bot.config`."""
from __future__ import annotations

import re
from pathlib import Path

from bot.config import SUPPORTED_DATABASES, Settings, area_tags, database_backend
from bot.config.base import USER_ID
from bot.crm.status import warnings as crm_warnings
from bot.rituals.registry import RITUALS
from bot.sync.sources import build_adapter, make_client
from bot.trackers.clients import warnings as tracker_warnings

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def config_warnings(settings: Settings) -> list[str]:
    """Settings that load but will not do what was probably meant: `config check` lists them
    (`--strict` makes them errors). Each names the key and the fix. No network, no database."""
    f, warnings = settings.file, []
    rituals, slack = f.rituals, f.slack
    for ritual in RITUALS.values():  # the rituals whose one channel the registry knows
        name = ritual.config_table
        if ritual.slack_channel and getattr(rituals, name).enabled and not ritual.channel(settings):
            warnings.append(f"rituals.{name}: enabled but has no channel: set rituals.{name}.channel or "
                            f"[slack].{ritual.slack_channel} (or enabled = false)")
    if rituals.digest.enabled and not f.routing:
        warnings.append("rituals.digest: enabled but no [[routing]] rule names a product area and channel to post to")
    if f.metrics.spikes.enabled and not (f.metrics.spikes.channel or slack.alerts_channel):
        warnings.append("metrics.spikes: surge alerts are enabled but have no channel: set metrics.spikes.channel "
                        "or [slack].alerts_channel (or enabled = false)")
    warnings += _source_warnings(settings)
    for name, playbook in f.playbooks.items():
        if not (USER_ID.match(playbook.owner) or _EMAIL.match(playbook.owner)):
            warnings.append(f"playbooks.{name}.owner: {playbook.owner!r} is neither a Slack user id (U0123456789) "
                            f"nor an email, so actions from this playbook get no owner")
    backend = database_backend(settings.database_url)
    if backend not in SUPPORTED_DATABASES:
        warnings.append(f"DATABASE_URL: {backend} is not supported; use PostgreSQL (postgres://…) or SQLite")
    for index, route in enumerate(f.routing):
        if not area_tags(f.product_areas.get(route.product_area, ())):
            warnings.append(f"routing.{index}: product area {route.product_area!r} names no tag, so no theme is "
                            f"routed to {route.channel}: add its tags to [product_areas]")
    return warnings + tracker_warnings(settings) + crm_warnings(settings)  # [trackers], [crm] (bot/crm/status.py)


def _source_warnings(settings: Settings) -> list[str]:
    out = []
    with make_client() as client:
        for name, source in settings.file.sources.items():
            if not source.enabled:
                continue
            planned = build_adapter(name, source, settings, client=client)
            if planned.problem:
                out.append(f"sources.{name}: no credentials: {planned.problem.removeprefix(name + ': ')}")
            elif planned.kind == "csv" and source.path and not Path(source.path).is_file():
                out.append(f"sources.{name}.path: no file at {source.path}")
    return out
