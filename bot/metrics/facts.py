"""Ticket facts → daily values per metric and segment, in the team's timezone.

Input is plain data: `TicketFact` frozen dataclasses (tests, CSV) or rows in
`FACT_FIELDS` order (the storage layer's narrow select). Both are turned into
`TicketColumns` (numpy arrays, one per field, categorical fields as codes), and
`compute_daily` produces `DailyValue`s for a half-open range of local days with
grouped numpy operations — exact medians and p90s, no sampling.

Which day a ticket counts on (see the catalogue's `attributed_to`):
created (volume, repeat contacts, tickets per agent), first response (FRT),
solved (resolution, CSAT, FCR, reopens, escalations, deflection, cost), end of
day (backlog, backlog age). Day boundaries are local midnights of the team's
IANA timezone, so a DST day has 23 or 25 hours.
"""
from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.catalogue import AREA_FIELDS, CATALOGUE, DIMENSIONS
from bot.metrics.business_hours import business_seconds
from bot.metrics.settings import DefinitionSettings, RollupSettings, SegmentSettings
from bot.metrics.stats import grouped_quantiles, sorted_group_quantiles, value_ordered_quantiles

UNSOLVED = frozenset({"new", "open", "pending", "hold"})
_CSAT = {"satisfied": 1, "unsatisfied": 0}
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


def _epoch(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return float(value)  # already epoch seconds (SQL-side extraction)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        if value.startswith("["):
            return tuple(str(t) for t in json.loads(value))
        return tuple(t.strip() for t in value.replace(",", ";").split(";") if t.strip())
    return tuple(value)  # type: ignore[arg-type]


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


def columns_from_facts(facts: Sequence[TicketFact], settings: RollupSettings) -> TicketColumns:
    builder = ColumnsBuilder(settings)
    builder.add([tuple(getattr(f, name) for name in FACT_FIELDS) for f in facts])
    return builder.build()


class ColumnsBuilder:
    """Accumulates chunks of fact rows into columns; categorical codes stay stable across chunks.

    The storage layer streams a million tickets through this in chunks, so no
    more than one chunk of Python row objects is alive at a time.
    """

    _CATS = ("source", "channel", "priority", "group", "assignee", "who")

    def __init__(self, settings: RollupSettings) -> None:
        self.settings = settings
        self.defs: DefinitionSettings = settings.definitions
        self.segs = settings.segments
        self.matcher = AreaMatcher(self.segs)
        self.esc_tags = frozenset(self.defs.escalation_tags)
        self.index: dict[str, dict[object, int]] = {c: {} for c in self._CATS}
        self.lookups: dict[str, dict[object, int]] = {}  # index plus None/"" → -1
        self.tag_cache: dict[object, tuple[int, bool]] = {}
        self.parts: dict[str, list[np.ndarray]] = {}
        self.has_bot = False

    def _put(self, name: str, arr: np.ndarray) -> None:
        self.parts.setdefault(name, []).append(arr)

    def add(self, rows: Sequence[Sequence[object]]) -> None:
        n = len(rows)
        if n == 0:
            return
        cols = dict(zip(FACT_FIELDS, zip(*rows)))
        defs = self.defs

        def inst(name: str) -> np.ndarray:
            col = cols[name]
            try:  # epoch seconds from SQL (None → NaN); datetimes take the slow path
                arr = np.array(col, dtype=np.float64)
            except TypeError:
                arr = np.fromiter((_epoch(v) for v in col), np.float64, n)
            return np.round(arr, 3)

        def floats(name: str) -> np.ndarray:
            return np.array(cols[name], dtype=np.float64)  # None → NaN

        def ints(name: str, missing: int) -> np.ndarray:
            a = floats(name)
            return np.where(np.isnan(a), missing, a).astype(np.int64)

        def flags(name: str) -> np.ndarray:
            return np.array(cols[name], dtype=np.bool_)  # None/0/False → False

        def cat(name: str, values: Sequence[object]) -> np.ndarray:
            return self._codes(name, values)

        status = np.array(cols["status"], dtype=object)
        self._put("unsolved", np.isin(status, sorted(UNSOLVED)))
        self._put("deleted", status == "deleted")

        matcher = self.matcher
        use_fields = bool(matcher.field_area)
        area_codes = np.empty(n, np.int32)
        tag_escalated = np.zeros(n, np.bool_)
        field_names = AreaMatcher.FIELDS
        cache = self.tag_cache
        raws = cols["tags"]
        if not use_fields:
            try:
                distinct = dict.fromkeys(raws)  # a few hundred tag sets among a million tickets
            except TypeError:  # lists (facts built in code): the per-row path below
                distinct = None
            if distinct is not None:
                for raw in distinct:
                    if raw not in cache:
                        tags = _tags(raw)
                        cache[raw] = (matcher.area(tags, {}), bool(self.esc_tags.intersection(tags)))
                area_of = {k: cache[k][0] for k in distinct}
                esc_of = {k: cache[k][1] for k in distinct}
                area_codes = np.fromiter(map(area_of.__getitem__, raws), np.int32, n)
                tag_escalated = np.fromiter(map(esc_of.__getitem__, raws), np.bool_, n)
                raws = ()
        for i, raw in enumerate(raws):
            if use_fields:
                tags = _tags(raw)
                a = matcher.area(tags, {f: cols[f][i] for f in field_names})
                e = bool(self.esc_tags.intersection(tags))
            else:
                key = raw if isinstance(raw, (str, tuple)) or raw is None else tuple(raw)
                hit = cache.get(key)
                if hit is None:
                    tags = _tags(raw)
                    hit = cache[key] = (matcher.area(tags, {}), bool(self.esc_tags.intersection(tags)))
                a, e = hit
            area_codes[i] = a
            tag_escalated[i] = e
        escalated = tag_escalated
        if defs.escalation_by_reassignment:
            escalated |= ints("reassignments", 0) >= 1
        if defs.escalation_by_flag:
            escalated |= flags("escalated")
        self._put("escalated", escalated)
        self._put("product_area", area_codes)

        self._put("csat", np.fromiter(map(_CSAT.get, cols["csat"], itertools.repeat(-1)), np.int8, n))
        bot_resolved = flags("bot_resolved")
        self.has_bot = self.has_bot or bool(bot_resolved.any() or flags("bot_involved").any())
        self._put("bot_resolved", bot_resolved)
        hv = self.segs.high_value_orgs
        self._put("account_tier", 1 - np.fromiter(map(hv.__contains__, cols["organization"]), np.int32, n))
        for name in ("source", "channel", "priority", "group"):
            self._put(name, cat(name, cols[name]))
        self._put("agent", cat("assignee", cols["assignee"]))
        who = cols["requester"] if defs.repeat_contact_by == "requester" else cols["organization"]
        self._put("who", cat("who", who))
        created, first, solved = inst("created_at"), inst("first_response_at"), inst("solved_at")
        self._put("created_s", created)
        self._put("first_response_s", first)
        self._put("solved_s", solved)
        self._put("agent_replies", ints("agent_replies", -1))
        self._put("reopens", ints("reopens", 0))
        frt_business = floats("first_response_business_seconds")
        resolution_business = floats("resolution_business_seconds")
        hours = defs.business_hours
        if hours is not None:
            # The source's own business figure wins; else the team's schedule, for replies and solves on
            # working days (a closed day has no business-hours figure of its own).
            tz = self.settings.tz
            frt_business = np.where(np.isnan(frt_business),
                                    business_seconds(created, first, hours, tz, closed_end=False), frt_business)
            resolution_business = np.where(np.isnan(resolution_business),
                                           business_seconds(created, solved, hours, tz, closed_end=False),
                                           resolution_business)
        self._put("frt_due_s", inst("first_response_due_at"))
        self._put("resolution_due_s", inst("resolution_due_at"))
        for name, col in (("sla_frt_met", "sla_first_response_met"), ("sla_resolution_met", "sla_resolution_met")):
            said = floats(col)  # None → NaN
            self._put(name, np.where(np.isnan(said), -1, said != 0).astype(np.int8))
        self._put("frt_business_s", frt_business)
        self._put("resolution_business_s", resolution_business)

    def _codes(self, name: str, values: Sequence[object]) -> np.ndarray:
        """Codes of `values` in the stable index `name` (new values get the next codes in the order they
        first appear); -1 for None and "". One dict lookup per value, in C."""
        lookup = self.lookups.get(name)
        if lookup is not None:
            try:  # after the first chunk, most columns hold no new value
                return np.fromiter(map(lookup.__getitem__, values), np.int32, len(values))
            except KeyError:
                pass
        index = self.index[name]
        for v in dict.fromkeys(values):
            if v is not None and v != "" and v not in index:
                index[v] = len(index)
        lookup = self.lookups[name] = {**index, None: -1, "": -1}
        return np.fromiter(map(lookup.__getitem__, values), np.int32, len(values))

    def add_lookback(self, rows: Sequence[Sequence[object]]) -> None:
        """Earlier contacts that only matter as repeat-contact history: (created epoch s, requester, organization).

        They must not overlap the rows given to `add` (a ticket counted twice would repeat itself).
        """
        if not rows:
            return
        pick = 1 if self.defs.repeat_contact_by == "requester" else 2
        self._put("lookback_who", self._codes("who", [r[pick] for r in rows]))
        self._put("lookback_created_s", np.round(np.array([r[0] for r in rows], dtype=np.float64), 3))

    def _col(self, name: str, dtype: type) -> np.ndarray:
        parts = self.parts.get(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    def build(self) -> TicketColumns:
        def labels(name: str) -> list[str]:
            return [str(k) for k in self.index[name]]

        created = self._col("created_s", np.float64)
        dims = {
            "source": Categorical(self._col("source", np.int32), labels("source")),
            "channel": Categorical(self._col("channel", np.int32), labels("channel")),
            "priority": Categorical(self._col("priority", np.int32), labels("priority")),
            "group": Categorical(self._col("group", np.int32), labels("group")),
            "product_area": Categorical(self._col("product_area", np.int32), list(self.matcher.names)),
            "account_tier": Categorical(self._col("account_tier", np.int32),
                                        [self.segs.high_value_tier, self.segs.default_tier]),
            "agent": Categorical(self._col("agent", np.int32), labels("assignee")),
        }
        # Repeat contacts look back over the slim history rows too; only the full rows keep a flag.
        who_all = np.concatenate([self._col("who", np.int32), self._col("lookback_who", np.int32)])
        created_all = np.concatenate([created, self._col("lookback_created_s", np.float64)])
        repeat = _repeat_flags(who_all, created_all, self.defs.repeat_contact_days * 86400.0)[:created.size]
        return TicketColumns(
            created_s=created,
            first_response_s=self._col("first_response_s", np.float64),
            solved_s=self._col("solved_s", np.float64),
            unsolved=self._col("unsolved", np.bool_),
            deleted=self._col("deleted", np.bool_),
            agent_replies=self._col("agent_replies", np.int64),
            reopens=self._col("reopens", np.int64),
            escalated=self._col("escalated", np.bool_),
            csat=self._col("csat", np.int8),
            bot_resolved=self._col("bot_resolved", np.bool_),
            frt_business_s=self._col("frt_business_s", np.float64),
            resolution_business_s=self._col("resolution_business_s", np.float64),
            repeat=repeat,
            frt_due_s=self._col("frt_due_s", np.float64),
            resolution_due_s=self._col("resolution_due_s", np.float64),
            sla_frt_met=self._col("sla_frt_met", np.int8),
            sla_resolution_met=self._col("sla_resolution_met", np.int8),
            dims=dims,
            has_bot_data=self.has_bot,
        )


def sla_outcomes(met: np.ndarray, due_s: np.ndarray, done_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(met, at) per ticket for one SLA target; `at` NaN where there is no outcome (yet).

    The source's verdict wins (`met` 1/0); else a due instant is compared with when it was done.
    A met target counts when it was done; a missed one when it became missed — at the due instant
    (or when done, if that is known and earlier, for a source's verdict of missed). So a ticket
    never answered counts as missed on its due day, and a late answer does not move it.
    """
    said = met >= 0
    ok = np.where(said, met == 1, done_s <= due_s)  # NaN compares False: not done = not met
    at = np.where(ok, done_s, np.fmin(due_s, done_s))
    target = said | ~np.isnan(due_s)
    return ok & target, np.where(target, at, np.nan)


def _repeat_flags(who: np.ndarray, created_s: np.ndarray, within_s: float) -> np.ndarray:
    """1 when the same requester (or org) opened another ticket within the previous `within_s`."""
    out = np.full(who.size, -1, np.int8)
    known = who >= 0
    out[known] = 0
    if who.size == 0:
        return out
    order = np.lexsort((created_s, who))
    w = who[order]
    c = created_s[order]
    same = np.r_[False, (w[1:] == w[:-1]) & (w[1:] >= 0)]
    gap = np.r_[np.inf, c[1:] - c[:-1]]
    hit = same & (gap <= within_s)
    out[order[hit]] = 1
    return out


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


# --- the rollup -------------------------------------------------------------------------------

def _day_index(bounds: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Index of the local day containing each instant; -1 before, len(bounds)-1 after; NaN → -2."""
    idx = np.searchsorted(bounds, np.nan_to_num(ts, nan=-np.inf), side="right") - 1
    idx[np.isnan(ts)] = -2
    return idx


@dataclass(frozen=True, slots=True)
class DailyBlock:
    """One metric of one dimension over [start, start + days): row j is segment `labels[keys[j] // days]`
    on day `keys[j] % days` (keys ascending). What `compute_daily` yields as `DailyValue`s, as arrays."""

    metric: str
    dimension: str
    labels: Sequence[str]
    days: int
    keys: np.ndarray
    values: np.ndarray
    n: np.ndarray
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None


def compute_daily(cols: TicketColumns, *, start: date, end: date, **options: Any) -> list[DailyValue]:
    """Daily values for local days in [start, end), overall and per segment of each dimension
    (`options`: `settings`, and optionally `dimensions` and `metrics`, as for `daily_blocks`)."""
    out: list[DailyValue] = []
    D = (end - start).days
    days = [start + timedelta(days=i) for i in range(max(D, 0))]
    for b in daily_blocks(cols, start=start, end=end, **options):
        num, den = b.numerator, b.denominator
        for j, k in enumerate(b.keys.tolist()):
            out.append(DailyValue(
                days[k % D], b.metric, b.dimension, b.labels[k // D], float(b.values[j]), int(b.n[j]),
                None if num is None else float(num[j]), None if den is None else float(den[j])))
    return out


def daily_blocks(
    cols: TicketColumns,
    *,
    start: date,
    end: date,
    settings: RollupSettings,
    dimensions: Sequence[str] = DIMENSIONS,
    metrics: Iterable[str] | None = None,
    started: Mapping[str, Collection[str]] | None = None,
) -> Iterator[DailyBlock]:
    """`compute_daily` as arrays, one block per metric and dimension (no Python object per value).

    A segment's volume and backlog rows (zero days included) start on its first ticket activity in
    the days (a ticket created before `start`: day 0); `started` names segments ({dimension: labels})
    known to have begun before `start` (an incremental window), whose rows start on day 0.
    """
    tz = settings.tz
    D = (end - start).days
    if D <= 0:
        return
    wanted = set(metrics) if metrics is not None else set(CATALOGUE)
    defs = settings.definitions
    if not (defs.deflection or (defs.deflection is None and cols.has_bot_data)):
        wanted.discard("deflection_rate")
    if defs.monthly_support_cost is None:
        wanted.discard("cost_per_resolution")
    bounds = day_bounds(start, end, tz)
    days = [start + timedelta(days=i) for i in range(D)]
    live = ~cols.deleted
    n_all = len(cols)

    c_day = _day_index(bounds, cols.created_s)
    f_day = _day_index(bounds, cols.first_response_s)
    s_day = _day_index(bounds, cols.solved_s)
    in_c = live & (c_day >= 0) & (c_day < D)
    solved_known = live & ~cols.unsolved & ~np.isnan(cols.solved_s)
    in_s = solved_known & (s_day >= 0) & (s_day < D)
    frt_s = cols.first_response_s - cols.created_s
    in_f = live & (f_day >= 0) & (f_day < D) & (frt_s >= 0)
    res_s = cols.solved_s - cols.created_s
    in_res = in_s & (res_s >= 0)

    # Backlog: open at the end of day d for d in [created day, solved day) — unsolved: to the end.
    open_from = np.clip(c_day, 0, D)
    open_to = np.where(cols.unsolved, D, np.clip(np.where(s_day == -2, -1, s_day), -1, D))
    in_b = live & (cols.unsolved | solved_known) & (c_day < D)
    lengths = np.where(in_b, np.maximum(0, open_to - open_from), 0)
    pairs = _OpenPairs(lengths, open_from, cols.created_s, bounds)
    # Tickets in (stable) order of their response and resolution times, sorted once for every dimension.
    frt_order, res_order = (ids[np.argsort(v[ids], kind="stable")]
                            for ids, v in ((np.flatnonzero(in_f), frt_s), (np.flatnonzero(in_res), res_s)))

    # SLA compliance: tickets whose target's outcome fell on the day (see `sla_outcomes`).
    sla = {}
    for metric, met, due, done in (
        ("sla_first_response_met", cols.sla_frt_met, cols.frt_due_s, cols.first_response_s),
        ("sla_resolution_met", cols.sla_resolution_met, cols.resolution_due_s,
         np.where(solved_known, cols.solved_s, np.nan)),
    ):
        if met.size != n_all:  # columns built without SLA data
            continue
        ok, at = sla_outcomes(met, due, done)
        sla[metric] = (ok, _day_index(bounds, at))

    # The last day each ticket counts on anything (a ticket still open: every day to the end), and the
    # first (created, or answered or solved if the data says earlier; before `start`: day 0).
    activity = np.where(cols.unsolved, D - 1, np.maximum(np.maximum(c_day, f_day), s_day))
    begin = np.clip(np.minimum(np.where(c_day == -2, D, c_day),
                               np.minimum(np.where(in_f, f_day, D), np.where(in_s, s_day, D))), 0, D)

    out: list[DailyBlock] = []
    dims: list[tuple[str, np.ndarray, list[str]]] = [("", np.zeros(n_all, np.int32), [""])]
    dims += [(d, cols.dims[d].codes, cols.dims[d].labels) for d in dimensions]
    agent = cols.dims["agent"].codes
    A = max(1, len(cols.dims["agent"].labels))

    for dim, g, labels in dims:
        G = len(labels)
        if G == 0:
            continue
        has = g >= 0
        size = G * D

        def key(mask: np.ndarray, day: np.ndarray) -> np.ndarray:
            m = mask & has
            return (g[m].astype(np.int64) * D + day[m])

        def emit(metric: str, keys: np.ndarray, values: np.ndarray, n: np.ndarray,
                 num: np.ndarray | None = None, den: np.ndarray | None = None) -> None:
            mdef = CATALOGUE[metric]
            if metric not in wanted or (dim and dim not in mdef.dimensions) or keys.size == 0:
                return
            out.append(DailyBlock(metric, dim, labels, D, np.asarray(keys, np.int64), np.asarray(values, np.float64),
                                  np.asarray(n, np.int64), None if num is None else np.asarray(num, np.float64),
                                  None if den is None else np.asarray(den, np.float64)))

        # active agents per (segment, day): assignees of tickets first answered or solved that day
        ev_mask = np.r_[in_f & (agent >= 0) & has, in_s & (agent >= 0) & has]
        ev_day = np.r_[f_day, s_day][ev_mask]
        ev_g = np.r_[g, g][ev_mask].astype(np.int64)
        ev_a = np.r_[agent, agent][ev_mask].astype(np.int64)
        cell = (ev_g * D + ev_day) * A + ev_a
        if size * A <= 1 << 26:  # a flag per (segment, day, agent): no sort
            seen = np.zeros(size * A, np.bool_)
            seen[cell] = True
            agents = seen.reshape(size, A).sum(axis=1)
            del seen
        else:
            agents = np.bincount(np.unique(cell) // A, minlength=size)

        present = np.zeros(G, bool)
        present[np.bincount(g[has & live], minlength=G)[:G] > 0] = True
        through = np.where(present, D - 1, -1)
        since = np.zeros(G, np.int64)
        if dim:  # a segment's zero days run from its first ticket activity to QUIET_SEGMENT_DAYS after its last
            last = np.full(G, -1, np.int64)
            m = has & live
            np.maximum.at(last, g[m], np.clip(activity[m], -1, D - 1))
            through = np.where(present, np.minimum(D - 1, last + QUIET_SEGMENT_DAYS), -1)
            since[:] = D
            np.minimum.at(since, g[m], begin[m])
            if started and started.get(dim):  # rows before `start`: the segment began earlier
                since[[i for i, label in enumerate(labels) if label in started[dim]]] = 0
        grid = np.arange(D)[None, :]
        rows = present[:, None] & (grid >= since[:, None]) & (grid <= through[:, None])
        all_keys = np.flatnonzero(rows)  # segment * D + day, ascending

        kc = key(in_c, c_day)
        volume = np.bincount(kc, minlength=size)
        emit("ticket_volume", all_keys, volume[all_keys], volume[all_keys], volume[all_keys], agents[all_keys])
        if "tickets_per_agent" in wanted:
            k = all_keys[agents[all_keys] > 0]
            emit("tickets_per_agent", k, volume[k] / agents[k], agents[k], volume[k], agents[k])

        for metric_m, metric_p, ids, day, vals in (
            ("first_response_time", "first_response_time_p90", frt_order, f_day, frt_s),
            ("resolution_time", "resolution_time_p90", res_order, s_day, res_s),
        ):
            ids = ids[has[ids]]
            uk, cnt, qv = value_ordered_quantiles(g[ids].astype(np.int64) * D + day[ids], vals[ids], (0.5, 0.9))
            emit(metric_m, uk, qv[0], cnt)
            emit(metric_p, uk, qv[1], cnt)
        for metric_b, mask, day, vals in (
            ("first_response_time_business", in_f, f_day, cols.frt_business_s),
            ("resolution_time_business", in_res, s_day, cols.resolution_business_s),
        ):
            if metric_b in wanted:
                m = mask & has & ~np.isnan(vals)
                if m.any():
                    uk, cnt, qv = grouped_quantiles(g[m].astype(np.int64) * D + day[m], vals[m], (0.5,))
                    emit(metric_b, uk, qv[0], cnt)

        def rate(metric: str, den_mask: np.ndarray, num_mask: np.ndarray, day: np.ndarray) -> None:
            if metric not in wanted:
                return
            m = den_mask & has
            k = g[m].astype(np.int64) * D + day[m]
            den = np.bincount(k, minlength=size)
            num = np.bincount(k, weights=num_mask[m].astype(np.float64), minlength=size)
            nz = np.flatnonzero(den)
            emit(metric, nz, num[nz] / den[nz], den[nz], num[nz], den[nz])

        rate("csat", in_s & (cols.csat >= 0), cols.csat == 1, s_day)
        rate("fcr_rate", in_s & (cols.agent_replies >= 0), (cols.agent_replies <= 1) & (cols.reopens == 0), s_day)
        rate("reopen_rate", in_s, cols.reopens >= 1, s_day)
        rate("escalation_rate", in_s, cols.escalated, s_day)
        rate("deflection_rate", in_s, cols.bot_resolved, s_day)
        rate("repeat_contact_rate", in_c & (cols.repeat >= 0), cols.repeat == 1, c_day)
        for metric, (ok, at_day) in sla.items():
            rate(metric, live & (at_day >= 0) & (at_day < D), ok, at_day)

        # backlog and its median age, a stretch of days at a time (pairs of one stretch in memory)
        backlog = np.zeros(size, np.int64)
        ages: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for pair_ticket, pair_day, pair_age in pairs.stretches():
            pg = g[pair_ticket]
            by_seg = np.argsort(_small_ints(pg, G), kind="stable") if G > 1 else np.arange(pg.size)
            by_seg = by_seg[pg[by_seg] >= 0]  # (segment, day, age) order
            pk = pg[by_seg].astype(np.int64) * D + pair_day[by_seg]
            backlog += np.bincount(pk, minlength=size)
            if "backlog_age" in wanted and pk.size:
                uk, cnt, qv = sorted_group_quantiles(pk, pair_age[by_seg], (0.5,))
                ages.append((uk, cnt, qv[0]))
        emit("backlog", all_keys, backlog[all_keys], backlog[all_keys], backlog[all_keys], agents[all_keys])
        if ages:
            uk, cnt, med = (np.concatenate(a) for a in zip(*ages))
            order = np.argsort(uk, kind="stable")  # stretches hold disjoint days: keys are unique
            emit("backlog_age", uk[order], med[order], cnt[order])

        if dim == "" and "cost_per_resolution" in wanted:
            ks = np.bincount(key(in_s, s_day), minlength=size)
            nz = np.flatnonzero(ks)
            cost = np.array([defs.monthly_support_cost / _days_in_month(days[k]) for k in nz])
            emit("cost_per_resolution", nz, cost / ks[nz], ks[nz], cost, ks[nz])
        yield from out
        out.clear()


class _OpenPairs:
    """(ticket, day) pairs of the backlog — a ticket open at the end of the day — ordered by day, then
    newest ticket first, so within a day the ages ascend: each dimension's medians need only a stable
    (radix) sort by segment code. Three years with 2 % of tickets never solved are ~12M pairs: they
    are kept as int32 tickets and int16/int32 days and handed out a stretch of days at a time."""

    PAIRS = 2_000_000  # pairs per stretch, at most (unless one day has more)

    def __init__(self, lengths: np.ndarray, open_from: np.ndarray, created_s: np.ndarray, bounds: np.ndarray) -> None:
        D = bounds.size - 1
        self.created_s, self.bounds = created_s, bounds
        ids = np.flatnonzero(lengths)
        ids = ids[np.argsort(-created_s[ids], kind="stable")]  # NaN (no creation) last
        start, stop = open_from[ids], open_from[ids] + lengths[ids]
        per_day = np.cumsum(np.bincount(start, minlength=D + 1)[:D] - np.bincount(stop, minlength=D + 1)[:D])
        # day stretches of at most PAIRS pairs
        cuts, total, acc = [0], 0, np.cumsum(per_day)
        while cuts[-1] < D:
            nxt = int(np.searchsorted(acc, total + self.PAIRS, side="right"))
            nxt = min(D, max(nxt, cuts[-1] + 1))
            total = int(acc[nxt - 1])
            cuts.append(nxt)
        tickets, days = [], []
        for a, b in zip(cuts[:-1], cuts[1:]):
            m = (start < b) & (stop > a)
            lo, hi, t = np.maximum(start[m], a), np.minimum(stop[m], b), ids[m]
            reps = hi - lo
            day = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps) + np.repeat(lo, reps)
            by_day = np.argsort(_small_ints(day, D), kind="stable")
            tickets.append(np.repeat(t, reps).astype(np.int32)[by_day])
            days.append(_small_ints(day, D)[by_day])
        self.cuts = [0]
        for d in days:
            self.cuts.append(self.cuts[-1] + d.size)
        self.ticket = np.concatenate(tickets) if tickets else np.zeros(0, np.int32)
        self.day = np.concatenate(days) if days else np.zeros(0, np.int16)

    def stretches(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(ticket, day, age at the end of the day) of each stretch."""
        for a, b in zip(self.cuts[:-1], self.cuts[1:]):
            t, d = self.ticket[a:b], self.day[a:b].astype(np.int64)
            yield t, d, self.bounds[d + 1] - self.created_s[t]


def _small_ints(a: np.ndarray, bound: int) -> np.ndarray:
    """`a` (values in [-1, bound)) in the narrowest type a stable argsort radix-sorts."""
    return a.astype(np.int16) if bound < 32767 else a


def _days_in_month(d: date) -> int:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return (nxt - date(d.year, d.month, 1)).days
