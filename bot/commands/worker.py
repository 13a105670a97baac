"""Run the scheduler and pollers (one leader at a time); --once runs every due job once and exits."""
from __future__ import annotations

import logging

from bot.rituals.cli import Skipped, make_runner, next_due, print_results

log = logging.getLogger("bot.worker")


def add_arguments(parser) -> None:
    parser.add_argument("--once", action="store_true", help="run every due job once and exit")
    parser.add_argument("--json", action="store_true", help="with --once: print what was posted as JSON")


def run(args, runtime) -> int:
    from bot.rituals.worker import Worker, make_refresh, make_sync, make_themes

    runner = make_runner(runtime, post=True)
    worker = Worker(runner, sync=make_sync(runtime), refresh=make_refresh(runtime),
                    themes=make_themes(runtime, child=not args.once))  # serve: a child that exits
    if args.once:
        if not worker.run_once():
            print("another worker holds the lease: nothing run")
            return 0
        worker.step_down()
        return print_results(runner.log, as_json=args.json, nothing=[] if runner.log else not_due(runner))
    log.info("worker %s starting: %s", worker.holder, ", ".join(j.id for j in worker.job_table()))
    worker.serve()
    return 0


def not_due(runner) -> list[Skipped]:
    """For `--once` with nothing posted: each scheduled ritual and when it next comes round."""
    from datetime import UTC, datetime

    now, schedules = datetime.now(UTC), runner.schedules()
    names = [runner.rituals[key].cli_name for key in schedules]
    return [Skipped(name, "not due now", next_due(schedules, name, now)) for name in names]
