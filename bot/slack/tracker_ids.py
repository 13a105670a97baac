"""The issue-tracker buttons' and modals' Block Kit ids, defined in bot/trackers/ids.py (the digests and alerts that
draw the button read them there, below Slack) and re-exported here beside the other Slack ids."""
from __future__ import annotations

from bot.trackers.ids import (  # noqa: F401 - re-exported
    BODY_BLOCK, BODY_INPUT, CREATE_ISSUE, CREATE_VIEW, KEY_BLOCK, KEY_INPUT, LABELS_BLOCK, LABELS_INPUT, LINK_VIEW,
    PROJECT_BLOCK, PROJECT_INPUT, TITLE_BLOCK, TITLE_INPUT, TRACKER_BLOCK, TRACKER_INPUT, TYPE_BLOCK, TYPE_INPUT,
    create_value,
)
