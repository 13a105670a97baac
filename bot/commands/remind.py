"""Render (--dry-run, the default) or post (--post) the remind ritual now."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="render only (default)")
    mode.add_argument("--post", action="store_true", help="post to Slack")
    parser.add_argument("--json", action="store_true")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the rituals worker (issue 6) is being built")
