"""Alembic environment: online migrations against the configured URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from bot.storage.base import UTCDateTime
from bot.storage.engine import make_engine, target_metadata

config = context.config
metadata = target_metadata()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _render_item(type_, obj, autogen_context):
    # Migrations stay free of model imports: UTCDateTime is a timestamptz column.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `signalroom db upgrade`")
run_migrations_online()
