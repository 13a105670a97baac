"""Ticket themes with counts, labels and ticket ids."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--from", dest="date_from", metavar="DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE")
    parser.add_argument("--clusters", type=int, metavar="K")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: ticket themes (issue 7) are being built")
