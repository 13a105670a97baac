"""The Procrastinate app for a database URL, and when the worker uses the queue at all.

The app is built per process from `DATABASE_URL` (nothing connects at import time);
the jobs are the blueprint in bot/queue/tasks.py. The queue is used when the
database is PostgreSQL and it holds stored workspaces (a multi-workspace
deployment); a SQLite or single-team install runs its jobs in-process, as before.
`worker --in-process` forces the old path.
"""
from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from bot.errors import UsageError

POOL_MAX = 4  # connections per worker process for the queue (fetch, heartbeat, listen, defer)


def conninfo(database_url: str) -> str:
    """A libpq URL (what psycopg takes) for a SQLAlchemy URL."""
    from bot.storage.engine import normalize_url

    return make_url(normalize_url(database_url)).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str):
    """A Procrastinate app on this database with Signalroom's jobs."""
    from procrastinate import App, PsycopgConnector

    from bot.queue.tasks import register

    app = App(connector=PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=POOL_MAX))
    register(app)
    return app


def defer_app():
    """An app that only defers, each job on a connection its caller gives (`configure_task(connection=...)`),
    so that the job commits or rolls back with the caller's transaction; it opens no pool of its own."""
    from procrastinate import App, SyncPsycopgConnector

    from bot.queue.tasks import register

    app = App(connector=SyncPsycopgConnector())
    register(app)
    return app


def queue_wanted(engine: Engine) -> bool:
    """PostgreSQL with stored workspaces. A database without the queue's tables then is a usage error."""
    from bot.queue.schema import applied_version
    from bot.storage.workspace_models import Workspace

    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        if connection.execute(select(Workspace.team_id).limit(1)).first() is None:
            return False
    if applied_version(engine) is None:
        raise UsageError("this database serves several workspaces but has no job queue yet: run "
                         "`signalroom db upgrade` (or `signalroom worker --in-process` for one process)")
    return True
