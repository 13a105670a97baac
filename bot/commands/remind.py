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
)


def add_arguments(parser) -> None:
    add_mode_arguments(parser)


def run(args, runtime) -> int:
    from bot.rituals import reminders
    from bot.rituals.runner import Rendered

    runner = make_runner(runtime, post=args.post, with_charts=False)
    now = datetime.now(UTC)
    if args.post:
        return print_results(runner.run_reminders(now, ignore_hours=True), as_json=args.json)
    due = reminders.gather(runner.sessions, settings=runtime.settings, delivery=runner.delivery, now=now,
                           ignore_hours=True)
    print_rendered([Rendered("reminder", f"@{r.owner}", reminders.render_reminder(r)) for r in due], as_json=args.json)
    return 0
