"""The scorecard with zones; with --from/--to, each metric over that range."""
from __future__ import annotations

import json
from datetime import date

from bot.errors import UsageError
from bot.metrics.catalogue import DIMENSIONS


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--by", metavar="DIM", help=f"one of {', '.join(DIMENSIONS)}")
    parser.add_argument("--from", dest="date_from", metavar="DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE")
    parser.add_argument("--date", metavar="DATE", help="the scorecard of this day (default: the latest)")


def parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag}: expected a date like 2024-05-31, got {value!r}") from None


def run(args, runtime) -> int:
    from bot.metrics.service import range_scorecard, rollup_settings, scorecard

    if args.by is not None and args.by not in DIMENSIONS:
        raise UsageError(f"--by: unknown dimension {args.by!r}; use one of {', '.join(DIMENSIONS)}")
    day = parse_day(args.date, "--date")
    start = parse_day(args.date_from, "--from")
    end = parse_day(args.date_to, "--to")
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together")
    if start is not None and end is not None and start > end:
        raise UsageError("--from must not be after --to")
    if day is not None and start is not None:
        raise UsageError("use either --date or --from/--to")
    settings = rollup_settings(runtime.settings)
    with runtime.session_factory().begin() as session:
        if start is not None and end is not None:
            card = range_scorecard(session, workspace_id=runtime.workspace_id, settings=settings,
                                   start=start, end=end, dimension=args.by)
        else:
            card = scorecard(session, workspace_id=runtime.workspace_id, settings=settings, day=day,
                             dimension=args.by)
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, default=str))
        return 0
    if not card.entries:
        print("no metrics yet: import or sync tickets, then run `signalroom rollup`")
        return 0
    from rich.console import Console
    from rich.table import Table

    title = f"Scorecard as of {card.as_of} ({card.timezone})" if start is None else f"Metrics {start} .. {end}"
    table = Table(title=title)
    for col in ("zone", "metric", "segment", "value", "expected", "n", "why"):
        table.add_column(col, overflow="fold")
    from bot.metrics.zones import format_value
    for e in card.entries:
        table.add_row(e.zone, e.key, ", ".join(f"{k}={v}" for k, v in e.segment.items()), e.display_value,
                      format_value(e.expected, e.unit) if e.expected is not None else "", str(e.n), e.explanation)
    Console().print(table)
    return 0
