"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage.engine import alembic_config, current_revisions, head_revisions, make_engine, target_metadata, upgrade


def test_single_head(db_url):
    heads = ScriptDirectory.from_config(alembic_config(db_url)).get_heads()
    assert len(heads) == 1, f"migrations have several heads, add a merge revision: {heads}"


def test_upgrade_empty_database_matches_models(db_url):
    engine = make_engine(db_url)
    try:
        assert current_revisions(engine) == head_revisions(db_url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, target_metadata())
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(db_url):
    upgrade(db_url)  # already at head: must be a no-op, not an error
    engine = make_engine(db_url)
    try:
        assert current_revisions(engine) == head_revisions(db_url)
    finally:
        engine.dispose()
