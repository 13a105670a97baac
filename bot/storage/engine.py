"""Engines, sessions and migrations. Nothing here runs at import time."""
from __future__ import annotations

import importlib
import importlib.resources
import pkgutil
from pathlib import Path

import orjson
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.storage.base import Base

# migrations/ in the source tree, installed inside the package (see pyproject.toml).
MIGRATIONS_PACKAGE = "bot._migrations"


def normalize_url(url: str) -> str:
    """Accept Heroku-style `postgres://` and bare `postgresql://`; always use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    make_url(url)  # raises ArgumentError on garbage, before anything connects
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _json_dumps(value) -> str:
    # orjson: several times faster than json for the raw vendor records stored with every ticket.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_loads(value):
    # SQLite gives a JSON column numeric affinity: a document that is a bare number ("1.5", a setting's old or
    # new value in its history) is stored, and comes back, as that number.
    return value if isinstance(value, int | float) else orjson.loads(value)


def make_engine(url: str, **kwargs) -> Engine:
    url = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", _json_loads)
    # Error text never carries row values (ticket text, emails) into terminals or logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def target_metadata() -> MetaData:
    """Base.metadata with every model module loaded (any `bot/storage/*models*.py`)."""
    import bot.storage as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if "models" in info.name:
            importlib.import_module(f"bot.storage.{info.name}")
    return Base.metadata


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def migrations_dir() -> Path:
    """Where Alembic finds env.py and versions/: a real directory, as pip installs packages unzipped."""
    location = importlib.resources.files(MIGRATIONS_PACKAGE)
    if not isinstance(location, Path):
        raise RuntimeError(f"{MIGRATIONS_PACKAGE} is not on the file system ({location!r}); install signalroom unzipped")
    return location


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
