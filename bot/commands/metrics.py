"""The scorecard with zones; with --from/--to, each metric over that range."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--by", metavar="DIM")
    parser.add_argument("--from", dest="date_from", metavar="DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE")
    parser.add_argument("--date", metavar="DATE")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the metrics core (issue 4) is being built")
