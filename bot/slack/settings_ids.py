"""Block Kit ids of the admin settings on App Home (issue 16.3): buttons, modals and their inputs.

Kept beside `action_ids` (the app's other ids) so the settings listeners can be wired by one
`register(app)`; templates read both through `IDS`. A per-item input's block id is its prefix plus a
short digest of the item's name (a rule, a playbook, a product area: `item`), so a submission says which
item each value is for: a name may be longer than the 255 characters Slack allows a block id, and the
digest of each known name maps it back.
"""
from __future__ import annotations

import hashlib

# Buttons on App Home (value: the vendor, the source's name or the ritual's key).
CONNECT = "settings_connect"  # + ":" + the vendor (ids are unique in a block); value = the vendor
SOURCE_TEST = "settings_source_test"
SOURCE_REMOVE = "settings_source_remove"
EDIT_CHANNELS = "settings_edit_channels"
EDIT_RITUAL = "settings_edit_ritual"
RITUAL_PAUSE = "settings_ritual_pause"
RITUAL_RESUME = "settings_ritual_resume"
RITUAL_PREVIEW = "settings_ritual_preview"
EDIT_OWNERS = "settings_edit_owners"
EDIT_RULES = "settings_edit_rules"
EDIT_ROUTES = "settings_edit_routes"
EDIT_WORKSPACE = "settings_edit_workspace"
BUTTONS = (CONNECT, SOURCE_TEST, SOURCE_REMOVE, EDIT_CHANNELS, EDIT_RITUAL, RITUAL_PAUSE, RITUAL_RESUME,
           RITUAL_PREVIEW, EDIT_OWNERS, EDIT_RULES, EDIT_ROUTES, EDIT_WORKSPACE)

# Modals (callback ids); private_metadata carries the vendor or the ritual's key.
CONNECT_VIEW = "settings_connect_view"
CHANNELS_VIEW = "settings_channels_view"
RITUAL_VIEW = "settings_ritual_view"
OWNERS_VIEW = "settings_owners_view"
RULES_VIEW = "settings_rules_view"
ROUTES_VIEW = "settings_routes_view"
WORKSPACE_VIEW = "settings_workspace_view"  # the workspace's timezone and zone thresholds
VIEWS = (CONNECT_VIEW, CHANNELS_VIEW, RITUAL_VIEW, OWNERS_VIEW, RULES_VIEW, ROUTES_VIEW, WORKSPACE_VIEW)

# Inputs: a block id, and the one action id inside it (`INPUT`).
INPUT = "value"
SOURCE_NAME = "source_name"
SOURCE_URL = "source_url"
SOURCE_EMAIL = "source_email"
SOURCE_SECRET = "source_secret"
# The channel pickers: block id = the [slack] key it sets.
CHANNEL_KEYS = ("review_channel", "alerts_channel", "cs_channel", "leadership_channel")
RITUAL_DAY = "ritual_day"
RITUAL_TIME = "ritual_time"
RITUAL_TIMEZONE = "ritual_timezone"
WORKSPACE_TIMEZONE = "workspace_timezone"  # the workspace's own (`timezone`)
THRESHOLD_WATCH = "threshold_watch"  # [metrics] watch
THRESHOLD_ACT_NOW = "threshold_act_now"  # [metrics] act_now
OWNER = "owner:"  # + item(playbook name)
RULE_ENABLED = "rule_enabled:"  # + item(rule name)
RULE_ZONE = "rule_zone:"
RULE_DAYS = "rule_days:"
ROUTE = "route:"  # + item(product area)


def item(name: str) -> str:
    """The stable, short block-id suffix of one item of a list (16 hex characters of the name's SHA-256)."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
