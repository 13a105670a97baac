"""Serve the Slack HTTP endpoints: /slack/events, /slack/install, /slack/oauth_redirect, /healthz."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, help="default: $PORT or 3000")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the Slack app (issue 5) is being built")
