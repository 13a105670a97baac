"""Connect to Slack in Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN): no public URL needed."""
from __future__ import annotations

from bot.errors import UsageError


def add_arguments(parser) -> None:
    pass


def run(args, runtime) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import build_app

    env = runtime.settings.env
    if env.slack_app_token is None:
        raise UsageError("SLACK_APP_TOKEN is not set (Basic Information → App-Level Tokens, scope connections:write)")
    if env.slack_bot_token is None:
        raise UsageError("Socket Mode needs SLACK_BOT_TOKEN (OAuth installs need `signalroom serve`)")
    app = build_app(runtime.settings, runtime.session_factory(), socket_mode=True)
    SocketModeHandler(app, env.slack_app_token.get_secret_value()).start()
    return 0
