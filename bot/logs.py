"""Levelled logs to stderr, with a last-line filter that scrubs anything token-shaped."""
from __future__ import annotations

import logging
import re
import sys
import traceback

_SECRET = re.compile(
    r"(xox[abprse]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+|Basic\s+[A-Za-z0-9+/=]{8,})"
)


class RedactSecrets(logging.Filter):
    """Defence in depth: code never logs secrets, and this catches a slip."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg, record.args = _SECRET.sub("[redacted]", message), None
        return True


class RedactDatabaseValues(logging.Filter):
    """A database error's text holds row values (SQL parameters; PostgreSQL's DETAIL "Failing row contains
    (…)" and CONTEXT lines): wherever one is logged, as an argument or with its traceback, only its kind,
    statement and table remain (`bot.errors.describe_error`). The traceback's frames are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bot.errors import describe_error, is_database_error

        if isinstance(record.args, tuple) and any(is_database_error(a) for a in record.args if isinstance(a, BaseException)):
            record.args = tuple(describe_error(a) if isinstance(a, BaseException) and is_database_error(a) else a
                                for a in record.args)
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and is_database_error(error):
            frames = "".join(traceback.format_tb(error.__traceback__))
            record.exc_text = f"Traceback (most recent call last):\n{frames}{describe_error(error)}"
        return True


# Chatty libraries stay at WARNING unless we debug.
LIBRARIES = ("httpx", "httpcore", "urllib3", "slack_bolt", "slack_sdk", "apscheduler", "alembic")


def _is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


class LibraryLevel(logging.Filter):
    """Hold every library record to the library level, whichever logger emitted it.

    Bolt gives each of its child loggers (`slack_bolt.RequestVerification`, …) an explicit level
    copied from the root when it is created, so the level set on `slack_bolt` alone does not reach
    them: a rejected request was logged in full, body included, at INFO.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or not _is_library(record.name)


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_signalroom", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._signalroom = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    library_level = logging.DEBUG if level == "DEBUG" else logging.WARNING
    handler.addFilter(LibraryLevel(library_level))
    handler.addFilter(RedactDatabaseValues())  # first: RedactSecrets may freeze the formatted message
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(library_level)
    # Child loggers that already carry their own level follow their library's from now on.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name not in LIBRARIES and _is_library(name):
            logger.setLevel(logging.NOTSET)
