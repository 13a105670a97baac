"""Run the scheduler and pollers."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--once", action="store_true", help="run every due job once and exit")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the rituals worker (issue 6) is being built")
