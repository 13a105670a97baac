"""Per-day zones over history and which rules would have fired."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--metric", metavar="KEY")
    parser.add_argument("--by", metavar="DIM")
    parser.add_argument("--series", metavar="FILE.csv")
    parser.add_argument("--direction")
    parser.add_argument("--json", action="store_true")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the metrics core (issue 4) is being built")
