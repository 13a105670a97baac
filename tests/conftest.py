"""Database fixtures: every DB test runs on SQLite, and again on PostgreSQL with --db=postgres.

SQLite: a migrated template file is copied per test. PostgreSQL: a throwaway
database is created for the run, migrated once, truncated after each test and
dropped at the end. With CI=true an unreachable PostgreSQL fails the run
instead of skipping it.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.storage.engine import make_engine, make_session_factory, normalize_url, sqlite_url, upgrade

DB_FIXTURES = {"db_url", "engine", "session_factory"}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.addoption(
        "--pg-url",
        default=os.environ.get("SIGNALROOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="an admin connection used to create and drop the throwaway test database",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "postgres":
        return
    # The PostgreSQL pass re-runs only the tests that touch a database.
    selected = [item for item in items if DB_FIXTURES & set(getattr(item, "fixturenames", ()))]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skipped outside CI when absent, a failure in CI."""
    return _shared("data", *parts)


def shared_fixture(*parts: str) -> Any:
    """A recorded vendor response under ../shared/fixtures, parsed; skipped outside CI when absent, a failure in CI."""
    return json.loads(_shared("fixtures", *parts).read_text(encoding="utf-8"))


def _shared(folder: str, *parts: str) -> Path:
    path = SHARED.joinpath(folder, *parts)
    if not path.exists():
        if in_ci():
            pytest.fail(f"{path} is missing: CI must have ../shared/{folder} beside the clone")
        pytest.skip(f"{path} not present (shared {folder} live beside the repository)")
    return path


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def _postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    admin_url = normalize_url(request.config.getoption("--pg-url"))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"signalroom_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        admin.dispose()
        message = f"PostgreSQL not reachable at {make_url(admin_url).render_as_string(hide_password=True)}: {exc.__class__.__name__}"
        if in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test."""
    if request.config.getoption("--db") == "sqlite":
        path = tmp_path / "signalroom.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield sqlite_url(path)
        return
    url = request.getfixturevalue("_postgres_url")
    yield url
    _truncate_all(url)


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars().all()
        if tables:
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine):
    return make_session_factory(engine)
