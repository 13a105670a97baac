"""The admins' set-up section of App Home (issue 16.3): a first-run checklist, the connected helpdesks,
channels, the workspace's timezone and zone thresholds, ritual schedules with pause/resume and a preview, and the way into playbook owners, rules and
product area routes. `with_settings(r, view)` is the one hook `home.publish_home` calls; people who may
not configure see Home unchanged. The words are in templates/settings_home.json.j2."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot import weekdays
from bot.blocks import render
from bot.config import Settings
from bot.slack import settings_ids
from bot.slack.request import Request
from bot.slack.settings_flows import first_review_posted, may_configure, previewable, rule_rows, stored_sources

log = logging.getLogger(__name__)
IDS = {name: getattr(settings_ids, name) for name in dir(settings_ids) if name.isupper()}
VENDORS = (("zendesk", "Zendesk"), ("freshdesk", "Freshdesk"), ("intercom", "Intercom"))
MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab view
MAX_SOURCES = 10


@dataclass(frozen=True)
class RitualRow:
    key: str
    label: str
    enabled: bool
    day: str | None  # "Monday"
    daily: bool
    time: time
    zone: str
    preview: bool


def ritual_rows(settings: Settings) -> list[RitualRow]:
    """The rituals an admin schedules: each `[rituals.<table>]` once (the quarterly review rides on the
    weekly review's), in the registry's order."""
    from bot.rituals.registry import RITUALS

    rows = []
    tables = type(settings.file.rituals).model_fields
    for ritual in RITUALS.values():
        if ritual.key != ritual.config_table or ritual.cadence is None or ritual.config_table not in tables:
            continue  # rides on another's table, runs after every sync, or has no [rituals.<table>]
        cfg = getattr(settings.file.rituals, ritual.config_table)
        day = weekdays.NAMES[weekdays.KEYS.index(cfg.day)] if cfg.day else None
        rows.append(RitualRow(ritual.key, ritual.label.capitalize(), cfg.enabled, day, ritual.cadence == "daily",
                              cfg.time, cfg.timezone or settings.file.timezone,
                              previewable(ritual)))
    return rows


def configured_sources(r: Request, settings: Settings) -> list[str]:
    """The config file's own sources (only its own workspace syncs them; others' are the stored ones)."""
    if r.workspace_id != r.services.settings.workspace_id:
        return []
    return [name for name, source in settings.file.sources.items() if source.enabled]


def checklist(r: Request, settings: Settings, sources: list[Any], sessions=None) -> list[dict[str, Any]]:
    """Connect a helpdesk → pick the review channel → the first review (when, by the workspace's schedule)."""
    from bot.rituals.registry import next_review, review_channel, review_schedule

    configured = bool(configured_sources(r, settings))
    schedule = review_schedule(settings)
    at = next_review(settings, r.services.now()).astimezone(schedule.zone) if schedule else None
    return [{"kind": "helpdesk", "done": bool(sources) or configured},
            {"kind": "review_channel", "done": bool(review_channel(settings)), "channel": review_channel(settings)},
            {"kind": "first_review", "done": first_review_posted(r, sessions), "at": at,
             "zone": schedule.timezone if schedule else None}]


def settings_blocks(r: Request) -> tuple[list[dict[str, Any]], bool]:
    """The section's blocks ([] for someone who may not configure) and whether set-up is complete. Its reads
    go through the request's session (one per Home render)."""
    settings = r.settings
    if not may_configure(r, settings):
        return [], True
    reads = r.db.reads()
    sources = stored_sources(r, reads)
    steps = checklist(r, settings, sources, reads)
    f = settings.file
    message = render(
        "settings_home", ids=IDS, steps=steps, steps_done=all(s["done"] for s in steps),
        sources=sources[:MAX_SOURCES], configured=configured_sources(r, settings), vendors=VENDORS,
        channels=f.slack, rituals=ritual_rows(settings), playbooks=len(f.playbooks), rules=len(rule_rows(r, settings, reads)),
        routes=len(f.routing), areas=len(f.product_areas), timezone=f.timezone, watch=f"{f.metrics.watch:g}",
        act_now=f"{f.metrics.act_now:g}")
    return message.blocks, all(s["done"] for s in steps)


def with_settings(r: Request, view: dict[str, Any]) -> dict[str, Any]:
    """Home with the set-up section: on top while the checklist has steps left, else at the bottom."""
    try:
        blocks, done = settings_blocks(r)
    except Exception:  # noqa: BLE001 - Home still shows the rest
        log.exception("set-up section left out of App Home")
        return view
    if not blocks:
        return view
    room = MAX_HOME_BLOCKS - len(blocks)
    rest = view["blocks"][:room]
    # blocks[0] is a divider: below the rest it opens the section, on top it closes it
    return {**view, "blocks": [*rest, *blocks] if done else [*blocks[1:], blocks[0], *rest]}
