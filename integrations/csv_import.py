"""CSV import: canonical columns (ARCHITECTURE.md) or a TOML mapping onto them.

Pure parsing: rows in, `Ticket`s and `RowError`s out. Bad rows are reported
with their line number and reason; good rows go on. Nothing here writes SQL.
"""
from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.base import STATUSES, Ticket

CANONICAL = (
    "id", "created_at", "updated_at", "status", "priority", "channel", "group", "assignee",
    "requester", "organization", "subject", "tags", "first_response_at", "solved_at",
    "closed_at", "reopens", "replies", "escalations", "csat",
)
# Extensions beyond the canonical set, read when present.
OPTIONAL = ("csat_scale", "assignee_email", "bot_involved", "bot_resolved")
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
    """The mapping file itself is wrong: nothing is imported."""


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


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    external_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f" (id {self.external_id})" if self.external_id else "") + f": {self.reason}"


class _RowProblem(ValueError):
    pass


def read_tickets(
    stream: TextIO, *, source: str = "csv", mapping: CsvMapping | None = None
) -> Iterator[Ticket | RowError]:
    """Yield a `Ticket` for every good row and a `RowError` for every bad one, in file order."""
    mapping = mapping or CsvMapping()
    reader = csv.DictReader(stream, delimiter=mapping.delimiter)
    headers = [h.strip().lstrip("\ufeff") for h in (reader.fieldnames or [])]
    reader.fieldnames = headers
    header_for = {name: mapping.columns.get(name, name) for name in CANONICAL + OPTIONAL}
    missing = [name for name in REQUIRED if header_for[name] not in headers]
    if missing:
        raise MappingError(
            "missing required column(s): " + ", ".join(f"{m} (looked for {header_for[m]!r})" for m in missing)
        )
    zone = ZoneInfo(mapping.timezone)
    line = reader.line_num
    for row in reader:
        start_line, line = line + 1, reader.line_num
        values = {name: (row.get(header) or "").strip() for name, header in header_for.items() if header in row}
        external_id = values.get("id") or None
        try:
            yield _to_ticket(values, row, source=source, mapping=mapping, zone=zone)
        except _RowProblem as exc:
            yield RowError(start_line, external_id, str(exc))


def read_file(path: Path, *, source: str = "csv", mapping: CsvMapping | None = None) -> Iterator[Ticket | RowError]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from read_tickets(handle, source=source, mapping=mapping)


def read_text(text: str, *, source: str = "csv", mapping: CsvMapping | None = None) -> list[Ticket | RowError]:
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
        raise _RowProblem(f"{name}: cannot read {value!r} as a timestamp (expected {expected})") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(timezone.utc)


def _count(value: str, name: str) -> int:
    if not value:
        return 0
    try:
        number = int(float(value))
    except ValueError:
        raise _RowProblem(f"{name}: {value!r} is not a number") from None
    if number < 0:
        raise _RowProblem(f"{name}: {value!r} is negative")
    return number


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise _RowProblem(f"{name}: {value!r} is not true/false")


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
        raise _RowProblem(f"csat: {raw!r} is neither good/bad nor a number") from None
    scale_text = values.get("csat_scale") or (str(mapping.csat_scale) if mapping.csat_scale else "")
    if not scale_text:
        raise _RowProblem("csat: a numeric score needs a csat_scale column or csat_scale in the mapping")
    try:
        scale = float(scale_text)
    except ValueError:
        raise _RowProblem(f"csat_scale: {scale_text!r} is not a number") from None
    if not 1 <= score <= scale:
        raise _RowProblem(f"csat: {raw} is outside the 1..{scale:g} scale")
    label = "satisfied" if satisfied_on_scale(score, scale) else "unsatisfied"
    return label, score, f"1-{scale:g}"


def _to_ticket(values: Mapping[str, str], row: Mapping[str, Any], *, source: str, mapping: CsvMapping, zone: ZoneInfo) -> Ticket:
    external_id = values.get("id", "")
    if not external_id:
        raise _RowProblem("id: empty")
    status = _mapped(values, "status", mapping).lower()
    status = STATUS_ALIASES.get(status, status)
    if status not in STATUSES:
        raise _RowProblem(f"status: {values.get('status')!r} is not one of {', '.join(STATUSES)} (map it in the mapping's [values.status])")
    created_at = _instant(values.get("created_at", ""), "created_at", mapping, zone)
    if created_at is None:
        raise _RowProblem("created_at: empty")
    instants = {
        name: _instant(values.get(name, ""), name, mapping, zone)
        for name in ("updated_at", "first_response_at", "solved_at", "closed_at")
    }
    for name in ("first_response_at", "solved_at", "closed_at"):
        if instants[name] is not None and instants[name] < created_at:
            raise _RowProblem(f"{name}: {values.get(name)} is before created_at")
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
        raw=dict(row),
    )
