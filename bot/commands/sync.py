"""Incremental sync of the configured helpdesks."""
from __future__ import annotations

from bot.errors import NotAvailableError


def add_arguments(parser) -> None:
    parser.add_argument("--source", help="only this configured source")
    parser.add_argument("--backfill", type=int, metavar="DAYS", help="re-read the last DAYS days")


def run(args, runtime) -> int:
    raise NotAvailableError("not available yet: the helpdesk adapters (issue 3) are being built")
