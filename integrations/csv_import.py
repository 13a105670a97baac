"""CSV import: canonical columns (ARCHITECTURE.md) or a TOML mapping onto them.

Pure parsing: rows in, `Ticket`s, `RowError`s and `RowNote`s out. Bad rows are reported
with their line number and reason; good rows go on; a row kept with a change (a value cut to
its column, a duplicate id) gets a note. Problems with the file as a whole (not UTF-8, another
delimiter, missing or duplicate columns) refuse it before anything is read, with a hint. Nothing
here writes SQL.
"""
from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.base import STATUSES, MalformedRecordError, Ticket
from integrations.normalize import CUT_KEY, INT_MAX, TEXT_LIMITS, storable

CANONICAL = (
    "id", "created_at", "updated_at", "status", "priority", "channel", "group", "assignee",
    "requester", "organization", "subject", "tags", "first_response_at", "solved_at",
    "closed_at", "reopens", "replies", "escalations", "csat",
)
# Extensions beyond the canonical set, read when present.
OPTIONAL = ("csat_scale", "assignee_email", "bot_involved", "bot_resolved",
            # SLA targets: when the first reply and the resolution were due (empty: no target)
            "first_response_due_at", "resolution_due_at")
REQUIRED = ("id", "created_at", "status")
STATUS_ALIASES = {
    "resolved": "solved", "done": "solved", "on-hold": "hold", "on_hold": "hold", "onhold": "hold",
    "waiting": "pending", "waiting on customer": "pending", "in progress": "open", "active": "open",
    "snoozed": "pending", "archived": "closed",
}
CSAT_WORDS = {
    "good": "satisfied", "satisfied": "satisfied", "positive": "satisfied",
    "bad": "unsatisfied", "unsatisfied": "unsatisfied", "negative": "unsatisfied",
}
TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "f", ""}


class MappingError(ValueError):
    """The mapping file, or the CSV file as a whole, is wrong: nothing is imported (a usage error)."""


# Bytes that are not UTF-8 are read as lone surrogates (errors="surrogateescape"), which valid text never holds.
_UNDECODED = re.compile("[\udc80-\udcff]")
_UTF8_HINT = 'save it as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8), or convert it, e.g. iconv -f windows-1252 -t utf-8'


@dataclass(frozen=True)
class CsvMapping:
    columns: Mapping[str, str] = field(default_factory=dict)  # canonical -> header in the file
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # canonical -> {file value: canonical value}
    timestamp_format: str | None = None  # strptime format; ISO 8601 when None
    timezone: str = "UTC"  # for timestamps without an offset
    tag_separator: str = ";"
    csat_scale: float | None = None
    delimiter: str = ","

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise MappingError(f"{path}: {exc}") from None
        unknown = set(data) - {"columns", "values", "timestamp_format", "timezone", "tag_separator", "csat_scale", "delimiter"}
        if unknown:
            raise MappingError(f"{path}: unknown key {sorted(unknown)[0]!r}")
        columns = data.get("columns", {})
        for canonical in columns:
            if canonical not in CANONICAL + OPTIONAL:
                raise MappingError(f"{path}: columns.{canonical}: not a canonical column ({', '.join(CANONICAL)})")
        tz = data.get("timezone", "UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingError(f"{path}: timezone: unknown IANA timezone {tz!r}") from None
        return cls(
            columns=columns,
            values={k: {str(a).strip().lower(): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
            timestamp_format=data.get("timestamp_format"),
            timezone=tz,
            tag_separator=data.get("tag_separator", ";"),
            csat_scale=data.get("csat_scale"),
            delimiter=data.get("delimiter", ","),
        )


def _where(line: int, external_id: str | None) -> str:
    return f"line {line}" + (f" (id {external_id})" if external_id else "")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    external_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{_where(self.line, self.external_id)}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RowNote:
    """A row imported with a change worth knowing (a value cut to its column, a duplicate id)."""

    line: int
    external_id: str | None
    note: str

    def __str__(self) -> str:
        return f"{_where(self.line, self.external_id)}: {self.note}"


class _RowProblem(ValueError):
    pass


def _shown(value: str, limit: int = 40) -> str:
    """A cell quoted in a reason: short, so a huge or private cell never fills a terminal or a log."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


Item = Ticket | RowError | RowNote


def read_tickets(stream: TextIO, *, source: str = "csv", mapping: CsvMapping | None = None) -> Iterator[Item]:
    """Yield a `Ticket` for every good row, a `RowError` for every bad one and a `RowNote` for a row kept with a
    change, in file order. Raises MappingError before the first row when the columns cannot be read."""
    for _, item in numbered_items(stream, source=source, mapping=mapping):
        yield item


def numbered_items(
    stream: TextIO, *, source: str = "csv", mapping: CsvMapping | None = None
) -> Iterator[tuple[int, Item]]:
    """`read_tickets` with each item's first line number (what names a row the database refuses later)."""
    mapping = mapping or CsvMapping()
    reader = csv.reader(stream, delimiter=mapping.delimiter)
    try:
        headers = [h.strip().lstrip("\ufeff").strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise MappingError(f"cannot read the header line: {exc}") from None
    if any(_UNDECODED.search(h) for h in headers):
        raise MappingError(f"the header line is not UTF-8: {_UTF8_HINT}")
    index_for = _columns(headers, mapping)
    zone = ZoneInfo(mapping.timezone)
    seen: dict[str, tuple[int, datetime]] = {}
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's limit: this row only
            start_line, line = line + 1, reader.line_num
            yield start_line, RowError(start_line, None, f"cannot read the row: {exc}")
            continue
        start_line, line = line + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        values = {name: (row[i] if i < len(row) else "").strip() for name, i in index_for.items()}
        external_id = values.get("id") or None
        if external_id and len(external_id) > TEXT_LIMITS["external_id"]:
            external_id = external_id[: TEXT_LIMITS["external_id"]]
        joined = "".join(row)
        if not joined.isascii() and _UNDECODED.search(joined):
            yield start_line, RowError(start_line, external_id if not _UNDECODED.search(external_id or "") else None,
                                       f"not valid UTF-8; {_UTF8_HINT}")
            continue
        raw: dict[str, Any] = dict(zip(headers, row))
        if len(row) > len(headers):
            raw["_extra"] = row[len(headers):]
        try:
            ticket = storable(_to_ticket(values, raw, source=source, mapping=mapping, zone=zone))
        except _RowProblem as exc:
            yield start_line, RowError(start_line, external_id, str(exc))
            continue
        except MalformedRecordError as exc:
            yield start_line, RowError(start_line, exc.external_id or external_id, exc.reason)
            continue
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:  # never fatal, whatever the cell
            yield start_line, RowError(start_line, external_id, f"unreadable row ({type(exc).__name__})")
            continue
        previous = seen.get(ticket.external_id)
        if previous is not None:
            first_line, first_updated = previous
            if ticket.updated_at < first_updated:
                yield start_line, RowNote(start_line, ticket.external_id,
                                          f"duplicate id (also on line {first_line}, updated later): this row is skipped")
                continue
            yield start_line, RowNote(start_line, ticket.external_id,
                                      f"duplicate id (also on line {first_line}): this row, updated at the same time or later, is kept")
        seen[ticket.external_id] = (start_line, ticket.updated_at)
        yield start_line, ticket
        if CUT_KEY in ticket.raw:
            yield start_line, RowNote(start_line, ticket.external_id,
                                      "imported with changes: " + "; ".join(ticket.raw[CUT_KEY]))


def _columns(headers: Sequence[str], mapping: CsvMapping) -> dict[str, int]:
    """Canonical name -> column index. Exact header names first, then ignoring case; refuses missing
    required columns (listing what the file has) and duplicate names among the columns read."""
    header_for = {name: mapping.columns.get(name, name) for name in CANONICAL + OPTIONAL}
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        exact.setdefault(header, []).append(index)
        folded.setdefault(header.casefold(), []).append(index)
    index_for: dict[str, int] = {}
    duplicates: list[str] = []
    for name, header in header_for.items():
        found = exact.get(header) or folded.get(header.casefold())
        if not found:
            continue
        if len(found) > 1:
            duplicates.append(f"{header!r} (columns {', '.join(str(i + 1) for i in found)})")
        index_for[name] = found[0]
    if duplicates:
        raise MappingError(
            "duplicate column name(s): " + "; ".join(duplicates)
            + ". Rename all but one, or point --mapping at the one to use"
        )
    missing = [name for name in REQUIRED if name not in index_for]
    if missing:
        looked = ", ".join(f"{m} (looked for {header_for[m]!r})" for m in missing)
        shown = ", ".join(repr(h) for h in headers[:30]) + (", …" if len(headers) > 30 else "")
        message = f"missing required column(s): {looked}; the file has {len(headers)} column(s): {shown}"
        other = _other_delimiter(headers, mapping)
        if other:
            toml = '"\\t"' if other == "\t" else f"'{other}'"
            message += f". It looks {toml}-separated: use --mapping with delimiter = {toml}"
        else:
            message += ". Rename them, or map yours onto them with --mapping ([columns])"
        raise MappingError(message)
    return index_for


def _other_delimiter(headers: Sequence[str], mapping: CsvMapping) -> str | None:
    if len(headers) != 1:
        return None
    for candidate in (";", "\t", "|", ","):
        if candidate != mapping.delimiter and candidate in headers[0]:
            names = {h.strip().casefold() for h in headers[0].split(candidate)}
            wanted = {mapping.columns.get(name, name).casefold() for name in REQUIRED}
            if wanted <= names or len(names) > 2:
                return candidate
    return None


def read_file(path: Path, *, source: str = "csv", mapping: CsvMapping | None = None) -> Iterator[Item]:
    """Read a CSV file. A file that is not UTF-8 (UTF-16, or a legacy encoding throughout) is refused with a
    hint before anything is read; a stray invalid byte costs only its row."""
    for _, item in read_file_numbered(path, source=source, mapping=mapping):
        yield item


def read_file_numbered(
    path: Path, *, source: str = "csv", mapping: CsvMapping | None = None
) -> Iterator[tuple[int, Item]]:
    check_encoding(path)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        yield from numbered_items(handle, source=source, mapping=mapping)


def check_encoding(path: Path) -> None:
    """Raise MappingError when `path` is not a UTF-8 text file, naming the first bad line."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise MappingError(f"{path.name} is UTF-16 text (Excel's \"Unicode Text\"): {_UTF8_HINT}")
    bad_lines, first_bad, utf8_seen = 0, 0, False
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for number, text in enumerate(handle, 1):
            if text.isascii():
                continue
            if _UNDECODED.search(text):
                bad_lines += 1
                first_bad = first_bad or number
            else:
                utf8_seen = True
    if bad_lines > 1 and not utf8_seen:
        raise MappingError(f"{path.name} is not UTF-8 ({bad_lines} lines, the first on line {first_bad}): {_UTF8_HINT}")


def read_text(text: str, *, source: str = "csv", mapping: CsvMapping | None = None) -> list[Item]:
    return list(read_tickets(io.StringIO(text), source=source, mapping=mapping))


def _mapped(values: Mapping[str, str], name: str, mapping: CsvMapping) -> str:
    value = values.get(name, "")
    table = mapping.values.get(name)
    if table and value.lower() in table:
        return table[value.lower()]
    return value


def _instant(value: str, name: str, mapping: CsvMapping, zone: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        if mapping.timestamp_format:
            parsed = datetime.strptime(value, mapping.timestamp_format)
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        expected = mapping.timestamp_format or "ISO 8601, e.g. 2026-03-01T09:30:00Z"
        raise _RowProblem(f"{name}: cannot read {_shown(value)} as a timestamp (expected {expected})") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # year 9999 with a negative offset is past the last representable instant
        raise _RowProblem(f"{name}: {_shown(value)} is out of range") from None


def _count(value: str, name: str) -> int:
    if not value:
        return 0
    try:
        number = int(value)
    except ValueError:
        try:
            real = float(value)
        except ValueError:
            raise _RowProblem(f"{name}: {_shown(value)} is not a number") from None
        if not math.isfinite(real) or abs(real) > INT_MAX:
            raise _RowProblem(f"{name}: {_shown(value)} is out of range (at most {INT_MAX})") from None
        if not real.is_integer():
            raise _RowProblem(f"{name}: {_shown(value)} is not a whole number")
        number = int(real)
    if number < 0:
        raise _RowProblem(f"{name}: {_shown(value)} is negative")
    if number > INT_MAX:
        raise _RowProblem(f"{name}: {_shown(value)} is out of range (at most {INT_MAX})")
    return number


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise _RowProblem(f"{name}: {_shown(value)} is not true/false")


def satisfied_on_scale(score: float, scale: float) -> bool:
    """Top-two-box on 5-point and wider scales; top box on 2- and 3-point scales."""
    if scale <= 3:
        return score >= scale
    return score >= scale - 1


def _csat(values: Mapping[str, str], mapping: CsvMapping) -> tuple[str | None, float | None, str | None]:
    raw = _mapped(values, "csat", mapping)
    if not raw:
        return None, None, None
    word = CSAT_WORDS.get(raw.lower())
    if word:
        return word, None, "good/bad"
    try:
        score = float(raw)
    except ValueError:
        raise _RowProblem(f"csat: {_shown(raw)} is neither good/bad nor a number") from None
    scale_text = values.get("csat_scale") or (str(mapping.csat_scale) if mapping.csat_scale else "")
    if not scale_text:
        raise _RowProblem("csat: a numeric score needs a csat_scale column or csat_scale in the mapping")
    try:
        scale = float(scale_text)
    except ValueError:
        raise _RowProblem(f"csat_scale: {_shown(scale_text)} is not a number") from None
    if not math.isfinite(scale):
        raise _RowProblem(f"csat_scale: {_shown(scale_text)} is not a finite number")
    if not 1 <= score <= scale:
        raise _RowProblem(f"csat: {_shown(raw)} is outside the 1..{scale:g} scale")
    label = "satisfied" if satisfied_on_scale(score, scale) else "unsatisfied"
    return label, score, f"1-{scale:g}"


def _to_ticket(values: Mapping[str, str], raw: Mapping[str, Any], *, source: str, mapping: CsvMapping, zone: ZoneInfo) -> Ticket:
    external_id = values.get("id", "")
    if not external_id:
        raise _RowProblem("id: empty")
    status = _mapped(values, "status", mapping).lower()
    status = STATUS_ALIASES.get(status, status)
    if status not in STATUSES:
        raise _RowProblem(f"status: {_shown(values.get('status', ''))} is not one of {', '.join(STATUSES)} (map it in the mapping's [values.status])")
    created_at = _instant(values.get("created_at", ""), "created_at", mapping, zone)
    if created_at is None:
        raise _RowProblem("created_at: empty")
    instants = {
        name: _instant(values.get(name, ""), name, mapping, zone)
        for name in ("updated_at", "first_response_at", "solved_at", "closed_at")
    }
    for name in ("first_response_at", "solved_at", "closed_at"):
        if instants[name] is not None and instants[name] < created_at:
            raise _RowProblem(f"{name}: {values.get(name)} is before created_at")  # parsed: short
    if status in ("solved", "closed") and instants["solved_at"] is None:
        instants["solved_at"] = instants["closed_at"]
    # Without updated_at, the latest known instant keeps re-imports idempotent.
    updated_at = instants["updated_at"] or max(t for t in (created_at, *instants.values()) if t is not None)
    csat, csat_score, csat_scale = _csat(values, mapping)
    tags = tuple(
        sorted({t.strip().lower() for t in values.get("tags", "").split(mapping.tag_separator) if t.strip()})
    )
    escalations = _count(values.get("escalations", ""), "escalations")
    first_response_at, solved_at = instants["first_response_at"], instants["solved_at"]
    due = {name: _instant(values.get(name, ""), name, mapping, zone)
           for name in ("first_response_due_at", "resolution_due_at")}
    return Ticket(
        source=source,
        external_id=external_id,
        status=status,  # type: ignore[arg-type]
        created_at=created_at,
        updated_at=updated_at,
        first_response_at=first_response_at,
        solved_at=solved_at,
        closed_at=instants["closed_at"],
        first_response=first_response_at - created_at if first_response_at else None,
        resolution=solved_at - created_at if solved_at else None,
        agent_replies=_count(values["replies"], "replies") if values.get("replies") else None,
        reopens=_count(values.get("reopens", ""), "reopens"),
        reassignments=escalations,
        escalated=escalations > 0,
        channel=_mapped(values, "channel", mapping).lower() or None,
        priority=_mapped(values, "priority", mapping).lower() or None,
        group=_mapped(values, "group", mapping) or None,
        assignee=values.get("assignee") or None,
        assignee_email=(values.get("assignee_email") or "").lower() or None,
        requester=values.get("requester") or None,
        organization=values.get("organization") or None,
        tags=tags,
        subject=values.get("subject") or None,
        csat=csat,  # type: ignore[arg-type]
        csat_score=csat_score,
        csat_scale=csat_scale,
        bot_involved=_flag(values.get("bot_involved", ""), "bot_involved"),
        bot_resolved=_flag(values.get("bot_resolved", ""), "bot_resolved"),
        first_response_due_at=due["first_response_due_at"],
        resolution_due_at=due["resolution_due_at"],
        raw=raw,
    )
