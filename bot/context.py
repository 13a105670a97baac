"""The runtime a command or job gets: settings plus lazily created database handles."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.errors import UsageError

if TYPE_CHECKING:  # SQLAlchemy loads on first database use: a usage error should not wait for it
    from sqlalchemy import Engine
    from sqlalchemy.orm import sessionmaker

    from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    base: Settings  # the process's: the config file and the environment (the database is always its)
    # The process environment as `main` got it: for what names a variable at run time (`--secret-env VAR`).
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker | None = field(default=None, repr=False)
    _scope: Callable[[Runtime], Settings] | None = field(default=None, repr=False)
    _scoped: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """What the command runs with: `base`, or the settings of the workspace it serves (`scope`), worked
        out on first use, so that a command's own usage error still needs no database."""
        if self._scope is not None:
            resolve, self._scope = self._scope, None
            self._scoped = resolve(self)
        return self._scoped if self._scoped is not None else self.base

    def scope(self, resolve: Callable[[Runtime], Settings]) -> None:
        """Serve one workspace: `resolve(runtime)` gives its settings when they are first needed."""
        self._scope, self._scoped = resolve, None

    @property
    def workspace_id(self) -> str:
        return self.settings.workspace_id

    def engine(self) -> Engine:
        if self._engine is None:
            from bot.storage.engine import make_engine

            url = self.base.database_url
            if url.startswith("sqlite:///"):
                self.base.data_dir.mkdir(parents=True, exist_ok=True)
            self._engine = make_engine(url)
        return self._engine

    def session_factory(self) -> sessionmaker:
        """Sessions on a database at the latest schema.

        A local SQLite file is migrated on first use (a developer convenience);
        any other database must be migrated by `signalroom db upgrade` (the
        Procfile's release step), so a web process never races a migration.
        """
        if self._sessions is None:
            from bot.storage.engine import current_revisions, head_revisions, make_session_factory, upgrade

            url = self.base.database_url
            engine = self.engine()
            if current_revisions(engine) != head_revisions(url):
                if engine.dialect.name != "sqlite":
                    raise UsageError("the database schema is not up to date: run `signalroom db upgrade`")
                log.info("migrating the local SQLite database to the latest schema")
                upgrade(url)
            self._sessions = make_session_factory(engine)
        return self._sessions

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
