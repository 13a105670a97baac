"""The CSV import's columns (canonical, optional, required), its value words, and `CsvMapping`: a TOML file
that renames a file's columns onto the canonical ones and maps its values (statuses, CSAT words)."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
