"""Run the scheduler and pollers; --once runs every due job once and exits.

A multi-workspace deployment on PostgreSQL (stored workspaces, the queue's schema applied by
`signalroom db upgrade`) runs its jobs on the queue (bot/queue/): any number of workers share them.
Otherwise, and with `--in-process`, one leader at a time runs the job table in-process (bot/rituals/worker.py).
"""
from __future__ import annotations

import json
import logging

from bot.rituals.cli import Skipped, make_runner, next_due, print_results

log = logging.getLogger("bot.worker")


def add_arguments(parser) -> None:
    parser.add_argument("--once", action="store_true", help="run every due job once and exit")
    parser.add_argument("--json", action="store_true", help="with --once: print what was posted as JSON")
    parser.add_argument("--in-process", action="store_true",
                        help="run the job table in this process (one leader), not on the job queue")
    parser.add_argument("--concurrency", type=int, default=1, metavar="N", help="queue: jobs at once in this process")
    parser.add_argument("--stalled-after", type=float, default=30.0, metavar="SECONDS",
                        help="queue: a worker silent this long is presumed dead and its jobs run again")
    parser.add_argument("--queues", metavar="Q,Q", help="queue: only these queues (posts, sync, heavy)")


def run(args, runtime) -> int:
    from bot.queue.app import queue_wanted

    if not args.in_process and queue_wanted(runtime.engine()):
        return run_queue(args, runtime)
    return run_in_process(args, runtime)


def run_queue(args, runtime) -> int:
    from bot.errors import UsageError
    from bot.queue import run as queue
    from bot.queue.tasks import QUEUES

    queues = tuple(q.strip() for q in args.queues.split(",")) if args.queues else None
    if queues and (unknown := set(queues) - set(QUEUES)):
        raise UsageError(f"unknown queue {', '.join(sorted(unknown))}: the queues are {', '.join(QUEUES)}")
    if args.concurrency < 1 or args.stalled_after <= 0:
        raise UsageError("--concurrency takes 1 or more, --stalled-after a positive number of seconds")
    options = queue.Options(concurrency=args.concurrency, stalled_after=args.stalled_after, queues=queues)
    if args.once:
        report = queue.run_once(runtime, options)
        print(json.dumps({"queued": report.queued, "recovered": report.recovered}) if args.json else report.line())
        return 0
    queue.serve(runtime, options)
    return 0


def run_in_process(args, runtime) -> int:
    from bot.rituals.worker import Worker, make_refresh, make_sync, make_themes
    from bot.slack.delivery import delivery_for

    runner = make_runner(runtime, delivery_for(runtime, post=True))
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
