"""Recompute daily rollups, zones and triggers (incremental unless --full)."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--full", action="store_true", help="rebuild every day")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the metrics core (issue 4) is being built")
