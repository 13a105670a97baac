"""Connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    pass


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the Slack app (issue 5) is being built")
