"""Block Kit action ids on ritual buttons: aliases of the Slack app's ids, which handle them all."""
from bot.slack import action_ids as _slack

ACTION_DONE = _slack.ACTION_DONE
SNOOZE_WEEK = _slack.ACTION_SNOOZE
LOG_ACTION = _slack.RITUAL_LOG_ACTION
ACTION_CARRY = _slack.ACTION_CARRY
ACTION_CLOSE = _slack.ACTION_CLOSE
SNOOZE_DAY = _slack.ACTION_SNOOZE_DAY
