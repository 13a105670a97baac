"""Small pure helpers shared by the vendor `to_ticket` functions, and the check that every
normalized ticket fits what storage accepts on every supported database (`storable`)."""
from __future__ import annotations

import base64
import dataclasses
import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.base import MalformedRecordError, Ticket


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
            try:
                return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed).astimezone(UTC)
            except OverflowError:  # year 9999 with a negative offset: past datetime.max in UTC
                raise MalformedRecordError(external_id, f"{field} out of range") from None
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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise MalformedRecordError(external_id, f"{field} out of range") from None


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
    except OverflowError:  # inf from an out-of-range JSON number
        raise MalformedRecordError(external_id, f"{field} out of range") from None


def ident(value: Any) -> str | None:
    """An id as text ("123"), None for null/empty."""
    if type(value) is int:
        return str(value)
    if value is None or value == "":
        return None
    return str(value)


def tags(values: Iterable[Any] | None, *, external_id: str | None = None) -> tuple[str, ...]:
    """A list of tag names -> tuple of text; a number, text or object instead of a list is malformed."""
    if values is None:
        return ()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise MalformedRecordError(external_id, f"tags: expected a list, got {kind(values)}")
    try:
        out = tuple(str(v) for v in values if v is not None and not isinstance(v, (Mapping, list)) and str(v) != "")
    except TypeError:  # a generator over something that is not a list
        raise MalformedRecordError(external_id, "tags: expected a list") from None
    return out


def comment(value: Any) -> str | None:
    """A free-text field (a CSAT comment) as text, None when absent, blank or not text."""
    return (value.strip() or None) if isinstance(value, str) else None


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


# What the tickets table accepts (bot/storage/models.py; tests/storage keeps the two in step).
TEXT_LIMITS: dict[str, int] = {
    "source": 64, "external_id": 128, "channel": 64, "priority": 32, "group": 128, "assignee": 128,
    "assignee_email": 254, "requester": 254, "organization": 254, "csat_scale": 32,
}
# Free text without a length limit (TEXT).
_UNLIMITED = ("subject", "csat_comment")
_LABELS = tuple(name for name in TEXT_LIMITS if name not in ("source", "external_id"))
# INTEGER columns are 32-bit on PostgreSQL.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_COUNTS = ("agent_replies", "reopens", "reassignments")
_LABEL_VALUES, _COUNT_VALUES = operator.attrgetter(*_LABELS), operator.attrgetter(*_COUNTS)
_LABEL_LIMITS = tuple(TEXT_LIMITS[name] for name in _LABELS)
# NUL cannot be stored in PostgreSQL text or JSON, and a lone surrogate cannot be encoded as UTF-8 for either
# database; other C0 controls (tab, newline, CR excepted) and DEL are never meant in a label or subject and
# break terminals and Slack text, so they go too.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Key in `Ticket.raw` listing what `storable` changed (field and sizes, never the text itself).
CUT_KEY = "_cut"


def kind(value: Any) -> str:
    """A JSON-ish name for a value's type, for reasons that must not quote the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def storable(ticket: Ticket) -> Ticket:
    """The ticket as SQLite and PostgreSQL both accept it, or MalformedRecordError (the sync quarantines it).

    Identity and numbers are checked, never changed: an id too long or with control characters, a count
    outside 32 bits, a non-finite score or a non-text label is a malformed record. Free-text values are
    cleaned rather than refused, and never silently: control characters are removed and labels longer
    than their column are cut, each change listed under `raw["_cut"]` (field and sizes, no text) while
    the rest of `raw` keeps the record as received.
    """
    t = ticket
    external_id = t.external_id
    if type(external_id) is not str or not external_id:
        raise MalformedRecordError(None, "id: missing or not text")
    # Fast path: type and length checks, then one search over the joined text, for the common clean record.
    subject, remark = t.subject, t.csat_comment
    if (subject is not None and type(subject) is not str) or (remark is not None and type(remark) is not str):
        return _repaired(t)
    labels = _LABEL_VALUES(t)
    for value, limit in zip(labels, _LABEL_LIMITS):
        if value is not None and (type(value) is not str or len(value) > limit):
            return _repaired(t)
    if len(external_id) > TEXT_LIMITS["external_id"] or len(t.source) > TEXT_LIMITS["source"]:
        return _repaired(t)
    try:
        joined = "".join((subject or "", remark or "", external_id, t.source, *[v for v in labels if v is not None], *t.tags))
    except TypeError:  # a tag that is not text
        return _repaired(t)
    if CONTROL.search(joined) or not _numbers_fit(t):
        return _repaired(t)
    return t


def _numbers_fit(t: Ticket) -> bool:
    for value in _COUNT_VALUES(t):
        if value is not None and (type(value) is not int or not INT_MIN <= value <= INT_MAX):
            return False
    score = t.csat_score
    return score is None or (type(score) in (int, float) and math.isfinite(score))


def _repaired(t: Ticket) -> Ticket:
    """The slow path of `storable`: name the problem, or clean and note it."""
    external_id = t.external_id
    for name, value in (("id", external_id), ("source", t.source)):
        limit = TEXT_LIMITS["external_id" if name == "id" else "source"]
        if len(value) > limit:
            raise MalformedRecordError(external_id[:limit], f"{name}: {len(value)} characters, over {limit}")
        if CONTROL.search(value):
            raise MalformedRecordError(CONTROL.sub("?", external_id), f"{name}: contains control characters")
    for name in _COUNTS:
        value = getattr(t, name)
        if value is None:
            continue
        if type(value) is not int:
            raise MalformedRecordError(external_id, f"{name}: expected a whole number, got {kind(value)}")
        if not INT_MIN <= value <= INT_MAX:
            raise MalformedRecordError(external_id, f"{name}: out of range")
    score = t.csat_score
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score)):
        raise MalformedRecordError(external_id, "csat_score: not a finite number")
    notes: list[str] = []
    changes: dict[str, Any] = {}
    for name in (*_LABELS, *_UNLIMITED):
        value = getattr(t, name)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a numeric id or code: the same label as text
        elif type(value) is not str:
            raise MalformedRecordError(external_id, f"{name}: expected text, got {kind(value)}")
        cleaned = _clean(name, value, TEXT_LIMITS.get(name), notes)
        if cleaned is not getattr(t, name):
            changes[name] = cleaned or None
    tags: list[str] = []
    for tag in t.tags:
        if type(tag) is not str:
            raise MalformedRecordError(external_id, f"tags: expected text, got {kind(tag)}")
        tags.append(_clean("tags", tag, None, notes))
    if tags != list(t.tags):
        changes["tags"] = tuple(tag for tag in tags if tag)
    if not changes:
        return t
    return dataclasses.replace(t, **changes, raw={**t.raw, CUT_KEY: [*t.raw.get(CUT_KEY, ()), *notes]})


def _clean(name: str, value: str, limit: int | None, notes: list[str]) -> str:
    cleaned = CONTROL.sub("", value)
    if len(cleaned) != len(value):
        notes.append(f"{name}: {len(value) - len(cleaned)} control or invalid character(s) removed")
    if limit is not None and len(cleaned) > limit:
        notes.append(f"{name}: cut from {len(cleaned)} to {limit} characters")
        cleaned = cleaned[:limit]
    return value if cleaned == value else cleaned


def checked(to_ticket: Callable[..., Ticket]) -> Callable[..., Ticket]:
    """Wrap a vendor `to_ticket`: its Ticket passes `storable`, and any failure on a strange record
    (a list where a number was expected, an out-of-range instant …) is a MalformedRecordError that
    names the record, so one poison record is quarantined instead of stopping its source."""

    @functools.wraps(to_ticket)
    def wrapper(raw: Mapping[str, Any], *args: Any, **kwargs: Any) -> Ticket:
        try:
            ticket = to_ticket(raw, *args, **kwargs)
        except MalformedRecordError as error:
            if error.external_id is None and _record_id(raw) is not None:
                raise MalformedRecordError(_record_id(raw), error.reason, error.raw) from error
            raise
        except (TypeError, ValueError, OverflowError, AttributeError, KeyError, IndexError) as error:
            raise MalformedRecordError(_record_id(raw), f"unreadable record ({type(error).__name__})") from error
        try:
            return storable(ticket)
        except MalformedRecordError as error:
            error.raw = raw if isinstance(raw, Mapping) else None
            raise

    return wrapper


def _record_id(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    value = raw.get("id")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value)
        return text[: TEXT_LIMITS["external_id"]] or None
    return None
