"""Render (--dry-run, the default) or send (--post) today's owner reminders now.

--post sends now, whatever the hour (still one DM per owner per day); the
worker sends them on its own inside each owner's working hours. The ritual is the
registry's `reminders` (bot/rituals/registry.py).
"""
from __future__ import annotations

from datetime import UTC, datetime

from bot.rituals.cli import (
    add_mode_arguments,
    make_runner,
    print_rendered,
    print_results,
    why_no_reminders,
)
from bot.rituals.registry import REMINDERS


def add_arguments(parser) -> None:
    add_mode_arguments(parser)


def run(args, runtime) -> int:
    from bot.slack.delivery import delivery_for

    runner = make_runner(runtime, delivery_for(runtime, post=args.post), with_charts=False)
    now = datetime.now(UTC)
    if args.post:
        results = runner.run_now(REMINDERS.key, now, force=True)
        nothing = [] if results else [why_no_reminders(runner, now)]
        return print_results(results, as_json=args.json, nothing=nothing)
    due = runner.render_now(REMINDERS.key, now, force=True)
    nothing = [] if due else [why_no_reminders(runner, now)]
    print_rendered(due, as_json=args.json, nothing=nothing)
    return 0
