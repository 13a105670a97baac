"""Every Block Kit action_id, callback_id and block_id the app sends or receives, in one place."""
from __future__ import annotations

# Buttons on action rows (App Home, action lists): value = the action id.
ACTION_DONE = "action_done"
ACTION_SNOOZE = "action_snooze"
ACTION_UPDATE = "action_update"
HOME_ADD_ACTION = "home_add_action"
HOME_REFRESH = "home_refresh"

# Buttons on ritual messages (weekly review, reminders).
RITUAL_LOG_ACTION = "ritual_log_action"  # value = JSON {"metric", "dimension", "segment", "trigger_id"}
ACTION_CARRY = "ritual_action_carry"  # value = the action id
ACTION_CLOSE = "ritual_action_close"
ACTION_SNOOZE_DAY = "ritual_action_snooze_1d"

# Buttons on channel alerts (one row per trigger).
ALERT_ACK = "alert_ack"  # value = the trigger id: the clicker takes ownership of its action
ALERT_MUTE = "alert_mute"  # value = JSON {"metric", "segment_type", "segment_value"} ("" for the whole metric)

# Block ids that say which item a button row or a state line belongs to (prefix + the action or trigger id):
# a click replaces the clicked row in place, whatever message it is in.
ACTION_ROW = "action:"  # the buttons of one action
ACTION_STATE = "state:"  # "Done by @someone · Fri 27 Nov" under one action
ALERT_ROW = "alert:"  # the buttons of one alert (trigger)

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
