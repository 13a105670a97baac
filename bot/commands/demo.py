"""The main job offline: a fresh SQLite database, bundled sample data, the whole pipeline,
a terminal summary, and every Slack message it would post as Block Kit JSON in --out."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from bot import logs
from bot.errors import UsageError


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="demo-out", metavar="DIR", help="where messages and charts go (default: demo-out)")
    parser.add_argument("--post", action="store_true", help="also post the messages to Slack (needs SLACK_BOT_TOKEN)")
    parser.add_argument("--as-of", metavar="DATE", help="the demo's today (default: today); same date, same output")


def run(args, runtime) -> int:
    from bot.demo.run import print_summary, run_demo

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        raise UsageError(f"--as-of {args.as_of!r}: use YYYY-MM-DD") from None
    if args.post and not os.environ.get("SLACK_BOT_TOKEN"):
        raise UsageError("--post needs SLACK_BOT_TOKEN (and the demo channels in your config)")
    if not getattr(args, "verbose", False):
        # The demo's summary is its output: INFO lines (ours or a library's) would land in the middle of it.
        logs.configure("WARNING")
    demo = run_demo(out=Path(args.out), as_of=as_of, env=dict(os.environ))
    print_summary(demo)
    if args.post:
        from bot.demo.post import post_messages

        post_messages(demo, runtime.settings)
    return 0
