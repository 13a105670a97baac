"""Small pure helpers shared by the vendor `to_ticket` functions."""
from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.base import MalformedRecordError


def instant(value: Any, *, field: str, external_id: str | None, required: bool = False) -> datetime | None:
    """ISO 8601 string or epoch seconds -> aware UTC datetime (None stays None unless required)."""
    if type(value) is str and value:
        # Fast path for what APIs send ("2023-07-22T03:26:40Z"): Python 3.11 parses it, Z included.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC:
                return parsed
            return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed).astimezone(UTC)
    if value is None or value == "":
        if required:
            raise MalformedRecordError(external_id, f"missing {field}")
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value, UTC)
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError, OverflowError, OSError) as error:
        raise MalformedRecordError(external_id, f"unparseable {field}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def since(start: datetime | None, end: datetime | None) -> timedelta | None:
    """end - start, or None when either is unknown or the order is impossible."""
    if start is None or end is None or end < start:
        return None
    return end - start


def integer(value: Any, *, field: str, external_id: str | None, default: int | None = None) -> int | None:
    if type(value) is int:
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        raise MalformedRecordError(external_id, f"non-numeric {field}")
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise MalformedRecordError(external_id, f"non-numeric {field}") from error


def ident(value: Any) -> str | None:
    """An id as text ("123"), None for null/empty."""
    if type(value) is int:
        return str(value)
    if value is None or value == "":
        return None
    return str(value)


def tags(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(v) for v in (values or ()) if v is not None and str(v) != "")


def mapping(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:  # what JSON decodes to: skip the slower ABC check
        return value
    return value if isinstance(value, Mapping) else {}


def basic_auth_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def without(raw: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    drop = set(keys)
    return {k: v for k, v in raw.items() if k not in drop}
