"""Plain data in and out of a themes run. Vectors travel as float32 bytes (SQL-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum


@dataclass(frozen=True)
class ThemeDoc:
    """One ticket as the themes computation sees it."""

    ticket_id: str
    created_at: datetime  # UTC-aware
    subject: str
    body: str = ""  # first customer message, where stored
    tags: tuple[str, ...] = ()
    category: str | None = None  # helpdesk category / group / product area field
    csat: bool | None = None  # satisfied? None when unrated
    resolution: timedelta | None = None  # created -> solved
    escalated: bool = False


@dataclass(frozen=True)
class KnownTheme:
    """A theme from an earlier run, enough to recognise it again."""

    id: str
    name: str
    embedder: str  # Embedder.name the centroid was computed with
    centroid: bytes = field(repr=False)  # float32, unit length, in that embedder's space
    key_phrases: tuple[str, ...] = ()
    first_seen: date | None = None
    ticket_ids: frozenset[str] = field(default=frozenset(), repr=False)  # optional, helps matching


class ThemeStatus(str, Enum):
    NEW = "new"  # no earlier theme matched
    EMERGING = "emerging"  # young or small theme whose latest week is notably up
    ONGOING = "ongoing"


@dataclass(frozen=True)
class Example:
    ticket_id: str
    subject: str  # redacted, safe to post


@dataclass(frozen=True)
class ThemeWeek:
    week_start: date
    count: int
    baseline: float | None  # mean weekly count over the previous 4 weeks (None: no history)
    change: float | None  # count / baseline - 1
    notable: bool  # the change is unlikely under Poisson noise around the baseline
    direction: str  # "up", "down" or "flat"
    csat: float | None  # share satisfied among rated tickets
    rated: int
    median_resolution: timedelta | None
    escalation_rate: float | None
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Theme:
    id: str
    name: str  # override name, else the generated label
    label: str  # generated from key phrases
    key_phrases: tuple[str, ...]
    representative: str  # redacted subject nearest the centroid
    product_area: str | None
    status: ThemeStatus
    pinned: bool
    first_seen: date | None
    ticket_ids: tuple[str, ...]
    weeks: tuple[ThemeWeek, ...]  # oldest first; the last is the reporting week
    embedder: str
    centroid: bytes = field(repr=False)
    merged_from: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.ticket_ids)

    def to_known(self) -> KnownTheme:
        return KnownTheme(
            id=self.id,
            name=self.name,
            embedder=self.embedder,
            centroid=self.centroid,
            key_phrases=self.key_phrases,
            first_seen=self.first_seen,
            ticket_ids=frozenset(self.ticket_ids),
        )


@dataclass(frozen=True)
class ThemeRun:
    themes: tuple[Theme, ...]  # largest first
    assignments: dict[str, str] = field(repr=False)  # ticket id -> theme id
    embedder: str
    k: int
    embedded: int  # tickets embedded in this run (cache misses)
    cached: int  # tickets whose vector came from the cache
    # What to store and pass as `previous` next run: every theme, plus themes merged away
    # by an override (so their clusters keep being recognised and merged).
    known: tuple[KnownTheme, ...] = ()
