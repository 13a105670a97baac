"""Block Kit ids on ritual messages (the Slack app's `bot.slack.action_ids` takes them up and handles
them all), and the button values that carry JSON (each within Slack's 2,000-character limit)."""
from __future__ import annotations

import json

# Buttons on action rows (reminders, the weekly review, App Home): value = the action id.
ACTION_DONE = "action_done"
ACTION_SNOOZE = "action_snooze"

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

# The rituals' own names for some of them.
SNOOZE_WEEK = ACTION_SNOOZE
LOG_ACTION = RITUAL_LOG_ACTION
SNOOZE_DAY = ACTION_SNOOZE_DAY

MAX_VALUE = 2000  # Slack's limit on a button's value


def button_value(data: dict) -> str:
    """`data` as a button value: compact JSON, never longer than Slack takes (ValueError otherwise)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_VALUE:
        raise ValueError(f"a button value of {len(text)} characters is over Slack's {MAX_VALUE}")
    return text


def log_action_value(metric: str, dimension: str, segment: str, trigger_id: int | None) -> str:
    """"Log action": the add-action modal prefilled for this metric and segment, linked to the trigger."""
    return button_value({"metric": metric, "dimension": dimension, "segment": segment, "trigger_id": trigger_id})


def mute_value(metric: str, dimension: str, segment: str) -> str:
    """"Mute" on an alert: what to silence (the whole metric when the segment is "")."""
    return button_value({"metric": metric, "segment_type": dimension or "", "segment_value": segment or ""})
