"""Render (--dry-run, the default) or post (--post) the weekly review thread now."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.rituals.cli import (
    add_mode_arguments,
    make_runner,
    print_rendered,
    print_results,
    skipped,
)


def add_arguments(parser) -> None:
    add_mode_arguments(parser)
    parser.add_argument("--charts", metavar="DIR", help="with --dry-run: write the trend charts (PNG) into DIR")


def run(args, runtime) -> int:
    from bot.slack.delivery import delivery_for

    runner = make_runner(runtime, delivery_for(runtime, post=args.post), with_charts=bool(args.post or args.charts))
    today, period = runner.current_period("weekly_review", datetime.now(UTC))
    if args.post:
        results = runner.post("weekly_review", today=today, period=period)
        nothing = [] if results else [skipped(runner, "weekly_review", datetime.now(UTC))]
        return print_results(results, as_json=args.json, nothing=nothing)
    items = runner.render("weekly_review", today=today, period=period)
    if args.charts:
        out = Path(args.charts)
        out.mkdir(parents=True, exist_ok=True)
        for item in items:
            for chart in item.charts:
                (out / chart.filename).write_bytes(chart.png)
    print_rendered(items, as_json=args.json)
    return 0
