"""Ticket facts: what the metrics need from a ticket (`TicketFact`, or rows in `FACT_FIELDS` order),
the columns they become (`TicketColumns`), product areas (`AreaMatcher`) and local day boundaries.

The pipeline: facts → `bot.metrics.columns` (`ColumnsBuilder`, `columns_from_facts`) → columns →
`bot.metrics.daily` (`daily_blocks`, `compute_daily`) → `DailyValue`s for a half-open range of local
days. Day boundaries are local midnights of the team's IANA timezone, so a DST day has 23 or 25 hours.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from bot.catalogue import AREA_FIELDS
from bot.metrics.settings import SegmentSettings

# A segment (group, channel …) that falls silent keeps zero-volume and zero-backlog days for this long
# after its last ticket activity — long enough for its baseline to see the drop (13 weeks) — and no
# longer: a 2016 import's segments do not fill ten years of empty days. Its days start on its own first
# ticket, not on the history's first day. The overall series covers every day from the first ticket.
QUIET_SEGMENT_DAYS = 91


@dataclass(frozen=True, slots=True)
class TicketFact:
    """What the metrics need from one ticket. Instants are UTC-aware."""

    ticket_id: str
    created_at: datetime
    status: str = "open"
    source: str | None = None
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    agent_replies: int | None = None
    reopens: int = 0
    reassignments: int = 0
    escalated: bool = False
    tags: tuple[str, ...] = ()
    channel: str | None = None
    priority: str | None = None
    group: str | None = None
    assignee: str | None = None
    organization: str | None = None
    requester: str | None = None
    csat: str | None = None  # "satisfied" / "unsatisfied"
    bot_involved: bool = False
    bot_resolved: bool = False
    first_response_business_seconds: float | None = None
    resolution_business_seconds: float | None = None
    first_response_due_at: datetime | None = None  # SLA targets (see `sla_outcomes`)
    resolution_due_at: datetime | None = None
    sla_first_response_met: bool | None = None  # the source's own verdict, where it gives one
    sla_resolution_met: bool | None = None


FACT_FIELDS: tuple[str, ...] = (
    "ticket_id", "created_at", "status", "source", "first_response_at", "solved_at", "agent_replies",
    "reopens", "reassignments", "escalated", "tags", "channel", "priority", "group", "assignee",
    "organization", "requester", "csat", "bot_involved", "bot_resolved",
    "first_response_business_seconds", "resolution_business_seconds",
    "first_response_due_at", "resolution_due_at", "sla_first_response_met", "sla_resolution_met",
)


@dataclass(frozen=True, slots=True)
class DailyValue:
    """One metric on one local day for one segment ('' dimension and segment = overall)."""

    day: date
    metric: str
    dimension: str
    segment: str
    value: float
    n: int
    numerator: float | None = None
    denominator: float | None = None


@dataclass(slots=True)
class Categorical:
    codes: np.ndarray  # int32, -1 = missing
    labels: list[str]


@dataclass(slots=True)
class TicketColumns:
    """Ticket facts as columns. Instants are float epoch seconds (NaN = missing)."""

    created_s: np.ndarray
    first_response_s: np.ndarray
    solved_s: np.ndarray
    unsolved: np.ndarray  # bool: status is new/open/pending/hold
    deleted: np.ndarray
    agent_replies: np.ndarray  # int, -1 = unknown
    reopens: np.ndarray
    escalated: np.ndarray  # bool, after the configured escalation definition
    csat: np.ndarray  # int8: 1 satisfied, 0 unsatisfied, -1 none
    bot_resolved: np.ndarray
    frt_business_s: np.ndarray
    resolution_business_s: np.ndarray
    repeat: np.ndarray  # int8: 1 repeat contact, 0 not, -1 unknown requester
    frt_due_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # SLA due instants (NaN = no target)
    resolution_due_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sla_frt_met: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # 1 met, 0 missed, -1 not said
    sla_resolution_met: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    dims: dict[str, Categorical] = field(default_factory=dict)
    has_bot_data: bool = False

    def __len__(self) -> int:
        return self.created_s.size


class AreaMatcher:
    """Maps a ticket to its product area: first matching area in config order."""

    FIELDS = AREA_FIELDS  # what `field:value` can name

    def __init__(self, segments: SegmentSettings) -> None:
        self.names = [a.name for a in segments.product_areas]
        self.tag_area: dict[str, int] = {}
        self.field_area: dict[tuple[str, str], int] = {}
        for i, area in enumerate(segments.product_areas):
            for m in area.match:
                f, sep, v = m.partition(":")
                if sep and f in self.FIELDS:
                    self.field_area.setdefault((f, v), i)
                else:
                    self.tag_area.setdefault(m[4:] if m.startswith("tag:") else m, i)

    def area(self, tags: tuple[str, ...], fields: dict[str, object]) -> int:
        best = min((self.tag_area.get(t, 1 << 30) for t in tags), default=1 << 30)
        if self.field_area:
            for f in self.FIELDS:
                v = fields.get(f)
                if v is not None:
                    best = min(best, self.field_area.get((f, str(v)), 1 << 30))
        return -1 if best == 1 << 30 else best

    def name(self, tags: Sequence[str], fields: Mapping[str, object] | None = None) -> str | None:
        """The product area's name, or None: the one rule metrics, themes and spike alerts share."""
        i = self.area(tuple(tags), dict(fields or {}))
        return self.names[i] if i >= 0 else None


# --- day boundaries ---------------------------------------------------------------------------

def local_midnight_at(day: date, tz: ZoneInfo) -> datetime:
    """Start of a local day as a UTC-aware instant."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def day_bounds(start: date, end: date, tz: ZoneInfo) -> np.ndarray:
    """Epoch seconds of local midnights for days start..end inclusive of `end`'s start (len = days + 1)."""
    days = (end - start).days
    return np.array([local_midnight_at(start + timedelta(days=i), tz).timestamp() for i in range(days + 1)])


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()
