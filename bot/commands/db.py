"""Database schema: `db upgrade` migrates to the latest revision (the Procfile's release step) and, on
PostgreSQL, applies or upgrades the job queue's own tables (bot/queue/schema.py)."""
from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True
    sub.add_parser("upgrade", help="apply every pending migration")
    sub.add_parser("current", help="show the applied and the latest revision")


def run(args, runtime) -> int:
    from sqlalchemy.engine import make_url

    from bot.storage.engine import current_revisions, head_revisions, normalize_url, upgrade

    url = runtime.settings.database_url
    shown = make_url(normalize_url(url)).render_as_string(hide_password=True)
    if args.db_command == "upgrade":
        if url.startswith("sqlite:///"):
            runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(url)
        print(f"database at {', '.join(sorted(head_revisions(url)))}: {shown}", file=sys.stderr)
        if runtime.engine().dialect.name == "postgresql":  # the job queue's tables (bot/queue/schema.py)
            from bot.queue.schema import apply

            print(apply(runtime.engine()), file=sys.stderr)
        return 0
    applied = current_revisions(runtime.engine()) or {"(none)"}
    heads = head_revisions(url)
    print(f"applied: {', '.join(sorted(applied))}  latest: {', '.join(sorted(heads))}  ({shown})")
    return 0 if applied == heads else 1
