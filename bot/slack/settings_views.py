"""The settings modals (issue 16.3), rendered from templates/settings_*_modal.json.j2 and checked
against Slack's limits for a modal before they are opened: at most 100 blocks, a title of 24
characters, a private_metadata of 3,000. Lists longer than a modal holds are cut with a note."""
from __future__ import annotations

import json
from typing import Any

from bot import weekdays
from bot.blocks import BlockLimitError, environment
from bot.config import Settings
from bot.slack.settings_home import IDS, VENDORS, ritual_rows
from bot.slack.settings_ids import item

MAX_VIEW_BLOCKS = 100
MAX_TITLE = 24
MAX_METADATA = 3000
MAX_OWNERS = MAX_AREAS = 95
MAX_RULES = 31  # three inputs each
CHANNEL_PICKERS = (
    ("review_channel", "Weekly review", "Where the weekly review thread is posted."),
    ("alerts_channel", "Alerts", "Where rule alerts go unless a playbook names its own channel."),
    ("cs_channel", "Accounts at risk", "Where account risk signals go."),
    ("leadership_channel", "Leadership summary", "Where the monthly leadership summary goes."),
)


def render_modal(template: str, /, **context: Any) -> dict[str, Any]:
    view = json.loads(environment().get_template(f"{template}.json.j2").render(ids=IDS, **context))
    view.pop("text", None)
    if len(view["blocks"]) > MAX_VIEW_BLOCKS:
        raise BlockLimitError(f"{template}: {len(view['blocks'])} blocks (max {MAX_VIEW_BLOCKS})")
    if len(view["title"]["text"]) > MAX_TITLE:
        raise BlockLimitError(f"{template}: title over {MAX_TITLE} characters")
    if len(view.get("private_metadata", "")) > MAX_METADATA:
        raise BlockLimitError(f"{template}: private_metadata over {MAX_METADATA} characters")
    return view


def connect_view(vendor: str) -> dict[str, Any]:
    label = dict(VENDORS)[vendor]
    return render_modal("settings_connect_modal", vendor=vendor, label=label)


def channels_view(settings: Settings) -> dict[str, Any]:
    return render_modal("settings_channels_modal", pickers=CHANNEL_PICKERS, slack=settings.file.slack.model_dump())


def ritual_view(settings: Settings, key: str) -> dict[str, Any]:
    row = next((row for row in ritual_rows(settings) if row.key == key), None)
    if row is None:
        raise KeyError(key)
    cfg = getattr(settings.file.rituals, key)
    day = (cfg.day, weekdays.NAMES[weekdays.KEYS.index(cfg.day)]) if cfg.day else None
    return render_modal("settings_ritual_modal", row=row, day=day, days=list(zip(weekdays.KEYS, weekdays.NAMES)),
                        monthly=key == "leadership", zone=cfg.timezone, default_zone=settings.file.timezone)


def owners_view(settings: Settings) -> dict[str, Any]:
    from bot.slack.settings_parse import is_user

    playbooks = [{"key": item(name), "title": p.title or name.replace("_", " ").capitalize(), "owner": p.owner,
                  "user": p.owner if is_user(p.owner) else None}
                 for name, p in settings.file.playbooks.items()]
    return render_modal("settings_owners_modal", playbooks=playbooks[:MAX_OWNERS],
                        more=max(0, len(playbooks) - MAX_OWNERS))


def rules_view(rows: list[Any]) -> dict[str, Any]:
    """`rows`: `settings_flows.RuleRow`s, the rules switched off included."""
    from bot.slack.present import metric_label

    rules = [{"name": r.name, "key": item(r.name), "metric_label": metric_label(r.metric), "enabled": r.enabled, "zone": r.zone,
              "days": r.days} for r in rows]
    return render_modal("settings_rules_modal", rules=rules[:MAX_RULES], more=max(0, len(rules) - MAX_RULES))


def routes_view(settings: Settings) -> dict[str, Any]:
    routes = {route.product_area: route.channel for route in settings.file.routing}
    areas = [{"name": name, "key": item(name), "channel": routes.get(name)} for name in settings.file.product_areas]
    return render_modal("settings_routes_modal", areas=areas[:MAX_AREAS], more=max(0, len(areas) - MAX_AREAS))


def workspace_view(settings: Settings) -> dict[str, Any]:
    """The workspace's own timezone and the zone thresholds of every metric without its own."""
    metrics = settings.file.metrics
    overridden = sorted(key for key, o in metrics.overrides.items() if o.watch is not None or o.act_now is not None)
    return render_modal("settings_workspace_modal", timezone=settings.file.timezone, watch=f"{metrics.watch:g}",
                        act_now=f"{metrics.act_now:g}", overridden=len(overridden))
