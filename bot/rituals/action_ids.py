"""Block Kit action ids on ritual buttons.

Done and Snooze (one week) are the Slack app's own buttons (`bot.slack.action_ids`,
value = the action number), so they work wherever they appear. The others are
ritual-specific; the Slack app needs handlers for them (see the rituals report):
Log action (value = JSON {"metric", "dimension", "segment", "trigger_id"}: opens
the add-action modal prefilled), Carry and Close (value = the action number),
Snooze one day (value = the action number).
"""
from bot.slack import action_ids as _slack

ACTION_DONE = _slack.ACTION_DONE
SNOOZE_WEEK = _slack.ACTION_SNOOZE
LOG_ACTION = "ritual_log_action"
ACTION_CARRY = "ritual_action_carry"
ACTION_CLOSE = "ritual_action_close"
SNOOZE_DAY = "ritual_action_snooze_1d"
