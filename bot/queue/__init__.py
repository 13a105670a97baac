"""Per-workspace work as jobs on Procrastinate, a PostgreSQL-backed task queue (issue 16.4).

Used when the database is PostgreSQL and the deployment serves stored workspaces
(`signalroom workspace add`): any number of `signalroom worker` processes share the
jobs. SQLite and single-team installs keep the in-process scheduler
(bot/rituals/worker.py). Why Procrastinate, and how it compares with Celery or
Dramatiq on Redis: docs/design/queue.md.

- `schema`: applies (and upgrades) the queue's tables; `signalroom db upgrade` calls it.
- `app`: the Procrastinate app for a database URL; when the queue is used.
- `tasks`: the jobs (sync one source, rollup, alerts, one ritual, the interval rituals (reminders), health, themes).
- `tenants`: which workspaces are served, and each one's settings, runner and sync.
- `due`: what is due for every workspace, enqueued once per period whichever process gets there first.
- `run`: `worker --once` (enqueue, work the queue until empty, exit) and the long-running worker.
"""
