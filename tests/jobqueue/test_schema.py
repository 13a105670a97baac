"""`signalroom db upgrade` applies the queue's schema once, and after a Procrastinate upgrade only the
library's newer migration files."""
from __future__ import annotations

from sqlalchemy import text

from bot.queue.schema import STAMP, applied_version, apply, installed_version, pending_migrations


def test_apply_is_idempotent_and_stamps_the_version(pg_engine):
    assert applied_version(pg_engine) == installed_version()  # the fixture applied it
    assert apply(pg_engine).startswith("queue schema at procrastinate")
    with pg_engine.connect() as connection:
        comment = connection.execute(text("SELECT obj_description('procrastinate_jobs'::regclass, 'pg_class')")).scalar()
    assert comment == STAMP + ".".join(map(str, installed_version()))


def test_an_unstamped_schema_is_taken_as_the_installed_version(pg_engine):
    with pg_engine.begin() as connection:
        connection.execute(text("COMMENT ON TABLE procrastinate_jobs IS NULL"))
    assert applied_version(pg_engine) == ()
    assert apply(pg_engine).startswith("queue schema found unstamped")
    assert applied_version(pg_engine) == installed_version()


def test_an_upgrade_applies_only_the_newer_migration_files():
    names = [p.name for p in pending_migrations((3, 2, 0), (3, 4, 0))]
    assert names and all(n.startswith(("03.03.", "03.04.")) for n in names)
    assert names == sorted(names)
    assert pending_migrations(installed_version(), installed_version()) == []
