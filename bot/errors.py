"""Errors that cross layers. `UsageError` is the user's mistake: exit code 2, one clear line."""
from __future__ import annotations

import re


class UsageError(Exception):
    """Bad input from a person (CLI argument, slash command, modal field)."""


# Anything quoted in a driver message may be a value from a row ('…', "…"), and PostgreSQL's DETAIL and
# CONTEXT lines quote keys and JSON data: none of it may reach a terminal or a log.
_QUOTED = re.compile(r"""("[^"]*"|'[^']*')""")
_STATEMENT = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|SELECT\b.*?\bFROM|SELECT)\s+(\w+)?", re.I | re.S)


def is_database_error(error: BaseException) -> bool:
    """An error raised by SQLAlchemy or a database driver (whose text may carry row values)."""
    return any(cls.__module__.split(".")[0] in ("sqlalchemy", "psycopg", "sqlite3", "psycopg2")
               for cls in type(error).__mro__)


def describe_error(error: BaseException, *, record_id: str | None = None) -> str:
    """One line safe for a terminal or a log: the error class, the statement kind and table, the
    driver's first message line with anything quoted masked, and the record id when known. SQL
    parameters and driver DETAIL/CONTEXT lines (which hold row values) are never included."""
    if not is_database_error(error):
        return f"{type(error).__name__}: {error}"
    orig = getattr(error, "orig", None) or error
    statement = getattr(error, "statement", None) or ""
    match = _STATEMENT.match(statement)
    kind = ""
    if match:
        verb = match.group(1).split()[0].upper()
        kind = f" in {verb} on {match.group(2)}" if match.group(2) else f" in {verb}"
    # Connection-level failures carry no row values; their host and port help the operator.
    connection_level = any(cls.__name__ in ("OperationalError", "InterfaceError") for cls in type(orig).__mro__)
    message = _first_line(str(orig), mask=not connection_level)
    record = f" for record {record_id}" if record_id else ""
    return f"{type(orig).__name__}{kind}{record}: {message}" if message else f"{type(orig).__name__}{kind}{record}"


def _first_line(text: str, *, mask: bool = True) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = line.split("[SQL:")[0].split("[parameters:")[0].strip()
    return (_QUOTED.sub("…", line) if mask else line)[:300]
