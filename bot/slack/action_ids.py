"""Every Block Kit action_id, callback_id and block_id the app sends or receives, in one place."""
from __future__ import annotations

# The ids on ritual messages (weekly review, reminders, alerts) are defined with the rituals, which
# render them; the app handles them all, so they are here too.
from bot.rituals.action_ids import (  # noqa: F401 - every id in one namespace (present.IDS, the templates)
    ACTION_CARRY,
    ACTION_CLOSE,
    ACTION_DONE,
    ACTION_ROW,
    ACTION_SNOOZE,
    ACTION_SNOOZE_DAY,
    ACTION_STATE,
    ALERT_ACK,
    ALERT_MUTE,
    ALERT_ROW,
    RITUAL_LOG_ACTION,
)

# Buttons on action rows (App Home, action lists; also ACTION_DONE and ACTION_SNOOZE): value = the action id.
ACTION_UPDATE = "action_update"
HOME_ADD_ACTION = "home_add_action"
HOME_REFRESH = "home_refresh"

# Modals (callback ids).
ADD_ACTION_VIEW = "add_action_view"
OUTCOME_VIEW = "outcome_view"
UPDATE_VIEW = "update_view"

# Modal inputs: (block_id, action_id) pairs.
METRIC_BLOCK, METRIC_INPUT = "metric_block", "metric_input"
SEGMENT_BLOCK, SEGMENT_INPUT = "segment_block", "segment_input"
OWNER_BLOCK, OWNER_INPUT = "owner_block", "owner_input"
DUE_BLOCK, DUE_INPUT = "due_block", "due_input"
DESCRIPTION_BLOCK, DESCRIPTION_INPUT = "description_block", "description_input"
OUTCOME_BLOCK, OUTCOME_INPUT = "outcome_block", "outcome_input"
OUTCOME_CLASS_BLOCK, OUTCOME_CLASS_INPUT = "outcome_class_block", "outcome_class_input"
NOTE_BLOCK, NOTE_INPUT = "note_block", "note_input"
