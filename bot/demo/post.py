"""`demo --post`: send the demo's messages to the configured Slack channels."""
from __future__ import annotations

from slack_sdk import WebClient

from bot.config import Settings


def post_messages(demo, settings: Settings) -> None:
    token = settings.env.slack_bot_token
    if token is None:
        raise RuntimeError("SLACK_BOT_TOKEN is not set")
    client = WebClient(token=token.get_secret_value(), base_url=settings.env.slack_api_url)
    slack = settings.file.slack
    fallback = slack.alerts_channel or slack.review_channel
    for name, channel, message in demo.messages:
        # Demo channel ids are placeholders: post to the operator's own configured channel.
        target = fallback if channel.startswith("C0DEMO") or not channel else channel
        if not target:
            raise RuntimeError("set slack.alerts_channel in your signalroom.toml to post the demo")
        client.chat_postMessage(channel=target, **message.payload())
        demo.console.print(f"posted {name} to {target}")
