"""The queue's own tables (procrastinate_*), applied by `signalroom db upgrade` on PostgreSQL.

Procrastinate ships its schema as one SQL file plus numbered migration files
(`MM.mm.pp_NN_name.sql`, the version that introduced each). `apply` is idempotent:

- no `procrastinate_jobs` table: the whole schema is applied, and the installed
  Procrastinate version is written into the table's comment;
- the table is there, stamped with an older version: the migration files newer than it
  (up to the installed version) are applied in order, then the stamp is updated;
- stamped with the installed version: nothing to do.

These tables stay out of Alembic: their SQL belongs to the library, and its upgrade
path is the library's migration files, applied here in the same release step.
"""
from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import Engine, text

STAMP = "signalroom: procrastinate schema "
_MIGRATION = re.compile(r"^(\d+)\.(\d+)\.(\d+)_\d+_.*\.sql$")


def installed_version() -> tuple[int, ...]:
    return _parse(version("procrastinate"))


def _parse(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", value)[:3])


def applied_version(engine: Engine) -> tuple[int, ...] | None:
    """The stamped version of the applied schema; () for one applied without a stamp; None: not applied."""
    with engine.connect() as connection:
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            return None
        comment = connection.execute(text("SELECT obj_description('procrastinate_jobs'::regclass, 'pg_class')")).scalar()
    return _parse(comment[len(STAMP):]) if comment and comment.startswith(STAMP) else ()


def pending_migrations(since: tuple[int, ...], until: tuple[int, ...]) -> list[Path]:
    """Procrastinate's migration files introduced after `since`, up to `until`, in order."""
    from procrastinate.schema import SchemaManager

    found = []
    for path in sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql")):
        match = _MIGRATION.match(path.name)
        if match and since < tuple(int(g) for g in match.groups()) <= until:
            found.append(path)
    return found


def apply(engine: Engine) -> str:
    """Apply or upgrade the queue's schema on PostgreSQL; a line saying what was done."""
    from procrastinate.schema import SchemaManager

    if engine.dialect.name != "postgresql":
        return "queue: not used on " + engine.dialect.name
    target = installed_version()
    applied = applied_version(engine)
    shown = ".".join(map(str, target))
    if applied == target:
        return f"queue schema at procrastinate {shown}"
    with engine.begin() as connection:
        cursor = connection.connection.cursor()  # the driver's own: the SQL files hold literal % signs
        if applied is None:
            cursor.execute(SchemaManager.get_schema())
            done = f"queue schema applied (procrastinate {shown})"
        elif applied == ():  # applied by hand (`procrastinate schema --apply`): taken as the installed version
            done = f"queue schema found unstamped; stamped as procrastinate {shown}"
        else:
            files = pending_migrations(applied, target)
            for path in files:
                cursor.execute(path.read_text(encoding="utf-8"))
            done = f"queue schema upgraded to procrastinate {shown} ({len(files)} migration file(s))"
        cursor.execute(f"COMMENT ON TABLE procrastinate_jobs IS '{STAMP}{shown}'")
    return done
