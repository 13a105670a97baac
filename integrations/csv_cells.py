"""One CSV row's cells → a `Ticket`: timestamps (ISO 8601 or the mapping's format, in its timezone), counts,
flags, statuses and CSAT (words, or a score on a scale). A cell it cannot read raises `RowProblem`, and
only that row is refused."""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from integrations.base import STATUSES, Ticket
from integrations.csv_mapping import CSAT_WORDS, FALSE_WORDS, STATUS_ALIASES, TRUE_WORDS, CsvMapping
from integrations.normalize import INT_MAX


class RowProblem(ValueError):
    """A cell the import cannot read: the row is reported with this reason and skipped."""


def shown(value: str, limit: int = 40) -> str:
    """A cell quoted in a reason: short, so a huge or private cell never fills a terminal or a log."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


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
        raise RowProblem(f"{name}: cannot read {shown(value)} as a timestamp (expected {expected})") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # year 9999 with a negative offset is past the last representable instant
        raise RowProblem(f"{name}: {shown(value)} is out of range") from None


def _count(value: str, name: str) -> int:
    if not value:
        return 0
    try:
        number = int(value)
    except ValueError:
        try:
            real = float(value)
        except ValueError:
            raise RowProblem(f"{name}: {shown(value)} is not a number") from None
        if not math.isfinite(real) or abs(real) > INT_MAX:
            raise RowProblem(f"{name}: {shown(value)} is out of range (at most {INT_MAX})") from None
        if not real.is_integer():
            raise RowProblem(f"{name}: {shown(value)} is not a whole number")
        number = int(real)
    if number < 0:
        raise RowProblem(f"{name}: {shown(value)} is negative")
    if number > INT_MAX:
        raise RowProblem(f"{name}: {shown(value)} is out of range (at most {INT_MAX})")
    return number


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise RowProblem(f"{name}: {shown(value)} is not true/false")


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
        raise RowProblem(f"csat: {shown(raw)} is neither good/bad nor a number") from None
    scale_text = values.get("csat_scale") or (str(mapping.csat_scale) if mapping.csat_scale else "")
    if not scale_text:
        raise RowProblem("csat: a numeric score needs a csat_scale column or csat_scale in the mapping")
    try:
        scale = float(scale_text)
    except ValueError:
        raise RowProblem(f"csat_scale: {shown(scale_text)} is not a number") from None
    if not math.isfinite(scale):
        raise RowProblem(f"csat_scale: {shown(scale_text)} is not a finite number")
    if not 1 <= score <= scale:
        raise RowProblem(f"csat: {shown(raw)} is outside the 1..{scale:g} scale")
    label = "satisfied" if satisfied_on_scale(score, scale) else "unsatisfied"
    return label, score, f"1-{scale:g}"


def to_ticket(values: Mapping[str, str], raw: Mapping[str, Any], *, source: str, mapping: CsvMapping,
              zone: ZoneInfo) -> Ticket:
    """One row's canonical values as a `Ticket`; a cell it cannot read raises `RowProblem`."""
    external_id = values.get("id", "")
    if not external_id:
        raise RowProblem("id: empty")
    status = _status(values, mapping)
    created_at, instants, updated_at = _instants(values, mapping, zone, status)
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
        first_response_due_at=instants["first_response_due_at"],
        resolution_due_at=instants["resolution_due_at"],
        raw=raw,
    )


def _status(values: Mapping[str, str], mapping: CsvMapping) -> str:
    status = _mapped(values, "status", mapping).lower()
    status = STATUS_ALIASES.get(status, status)
    if status not in STATUSES:
        raise RowProblem(f"status: {shown(values.get('status', ''))} is not one of {', '.join(STATUSES)} (map it in the mapping's [values.status])")
    return status


def _instants(values: Mapping[str, str], mapping: CsvMapping, zone: ZoneInfo,
              status: str) -> tuple[datetime, dict[str, datetime | None], datetime]:
    """created_at, the other instants by name (SLA due instants too), and updated_at."""
    created_at = _instant(values.get("created_at", ""), "created_at", mapping, zone)
    if created_at is None:
        raise RowProblem("created_at: empty")
    instants = {
        name: _instant(values.get(name, ""), name, mapping, zone)
        for name in ("updated_at", "first_response_at", "solved_at", "closed_at")
    }
    for name in ("first_response_at", "solved_at", "closed_at"):
        if instants[name] is not None and instants[name] < created_at:
            raise RowProblem(f"{name}: {values.get(name)} is before created_at")  # parsed: short
    if status in ("solved", "closed") and instants["solved_at"] is None:
        instants["solved_at"] = instants["closed_at"]
    # Without updated_at, the latest known instant keeps re-imports idempotent.
    updated_at = instants["updated_at"] or max(t for t in (created_at, *instants.values()) if t is not None)
    for name in ("first_response_due_at", "resolution_due_at"):
        instants[name] = _instant(values.get(name, ""), name, mapping, zone)
    return created_at, instants, updated_at
