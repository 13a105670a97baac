"""Render (--dry-run, the default) or send (--post) today's owner reminders now.

--post sends now, whatever the hour (still one DM per owner per day); the
worker sends them on its own inside each owner's working hours.
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


def add_arguments(parser) -> None:
    add_mode_arguments(parser)


def run(args, runtime) -> int:
    from bot.rituals import reminders
    from bot.rituals.runner import Rendered

    runner = make_runner(runtime, post=args.post, with_charts=False)
    now = datetime.now(UTC)
    if args.post:
        results = runner.run_reminders(now, ignore_hours=True)
        nothing = [] if results else [why_no_reminders(runner, now)]
        return print_results(results, as_json=args.json, nothing=nothing)
    due = reminders.gather(runner.sessions, settings=runtime.settings, delivery=runner.delivery, now=now,
                           ignore_hours=True)
    nothing = [] if due else [why_no_reminders(runner, now)]
    print_rendered([Rendered("reminder", f"@{r.owner}", reminders.render_reminder(r)) for r in due],
                   as_json=args.json, nothing=nothing)
    return 0
