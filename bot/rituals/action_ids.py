"""Block Kit action ids on ritual buttons: aliases of the Slack app's ids, which handle them all,
and the button values that carry JSON (each within Slack's 2,000-character limit)."""
from __future__ import annotations

import json

from bot.slack import action_ids as _slack

ACTION_DONE = _slack.ACTION_DONE
SNOOZE_WEEK = _slack.ACTION_SNOOZE
LOG_ACTION = _slack.RITUAL_LOG_ACTION
ACTION_CARRY = _slack.ACTION_CARRY
ACTION_CLOSE = _slack.ACTION_CLOSE
SNOOZE_DAY = _slack.ACTION_SNOOZE_DAY
ALERT_ACK = _slack.ALERT_ACK
ALERT_MUTE = _slack.ALERT_MUTE
ACTION_ROW = _slack.ACTION_ROW
ACTION_STATE = _slack.ACTION_STATE
ALERT_ROW = _slack.ALERT_ROW

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
