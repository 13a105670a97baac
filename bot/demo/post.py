"""`demo --post`: send the demo's messages to the operator's own Slack channel.

Every destination in the demo (channels, owner DMs, threads, the /metrics reply) is a placeholder
from `bot/demo/demo.toml`, so all messages go, in order, to the channel configured in the operator's
signalroom.toml (`slack.alerts_channel`, else `slack.review_channel`), through the same notifier
(validation, splitting, 429 retries, pacing) that production posts use.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from bot.config import Settings
from bot.errors import UsageError
from bot.slack.notifier import Notifier, web_client


def post_messages(demo, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
    token = settings.env.slack_bot_token
    if token is None:
        raise UsageError("--post needs SLACK_BOT_TOKEN")
    slack = settings.file.slack
    target = slack.alerts_channel or slack.review_channel
    if not target:
        raise UsageError("--post needs slack.alerts_channel (or review_channel) in your signalroom.toml")
    notifier = Notifier(web_client(settings, token.get_secret_value()), sleep=sleep)
    for name, _placeholder, message in demo.messages:
        notifier.post(target, message)
        demo.console.print(f"posted {name} to {target}")
