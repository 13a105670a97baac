"""Block Kit action ids the rituals put on buttons (the Slack app's handlers listen for these).

Values are JSON strings built by `bot.rituals` views, e.g. {"action_id": 12} or
{"metric": "csat", "dimension": "product_area", "segment": "billing", "trigger_id": 3}.
"""
LOG_ACTION = "ritual_log_action"
ACTION_DONE = "ritual_action_done"
ACTION_CARRY = "ritual_action_carry"
ACTION_CLOSE = "ritual_action_close"
SNOOZE_DAY = "ritual_action_snooze_1d"
SNOOZE_WEEK = "ritual_action_snooze_1w"
OPEN_PLAYBOOK = "ritual_open_playbook"
