"""Ticket facts → `TicketColumns`: numpy arrays, one per field, categorical fields as codes.

Input is plain data: `TicketFact` frozen dataclasses (tests, CSV) or rows in `FACT_FIELDS` order (the
storage layer's narrow select, streamed in chunks through `ColumnsBuilder`). `bot.metrics.daily` turns
the columns into daily values.
"""
from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from bot.metrics.business_hours import business_seconds
from bot.metrics.facts import FACT_FIELDS, AreaMatcher, Categorical, TicketColumns, TicketFact
from bot.metrics.settings import DefinitionSettings, RollupSettings
from integrations.base import UNSOLVED_STATUSES

_CSAT = {"satisfied": 1, "unsatisfied": 0}


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


def columns_from_facts(facts: Sequence[TicketFact], settings: RollupSettings) -> TicketColumns:
    builder = ColumnsBuilder(settings)
    builder.add([tuple(getattr(f, name) for name in FACT_FIELDS) for f in facts])
    return builder.build()


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One chunk of fact rows as columns of Python values, and their conversions to arrays."""

    cols: dict[str, tuple[object, ...]]
    n: int

    def inst(self, name: str) -> np.ndarray:
        col = self.cols[name]
        try:  # epoch seconds from SQL (None → NaN); datetimes take the slow path
            arr = np.array(col, dtype=np.float64)
        except TypeError:
            arr = np.fromiter((_epoch(v) for v in col), np.float64, self.n)
        return np.round(arr, 3)

    def floats(self, name: str) -> np.ndarray:
        return np.array(self.cols[name], dtype=np.float64)  # None → NaN

    def ints(self, name: str, missing: int) -> np.ndarray:
        a = self.floats(name)
        return np.where(np.isnan(a), missing, a).astype(np.int64)

    def flags(self, name: str) -> np.ndarray:
        return np.array(self.cols[name], dtype=np.bool_)  # None/0/False → False


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
        c = _Chunk(dict(zip(FACT_FIELDS, zip(*rows))), n)
        status = np.array(c.cols["status"], dtype=object)
        self._put("unsolved", np.isin(status, sorted(UNSOLVED_STATUSES)))
        self._put("deleted", status == "deleted")
        area_codes, escalated = self._areas(c)
        if self.defs.escalation_by_reassignment:
            escalated |= c.ints("reassignments", 0) >= 1
        if self.defs.escalation_by_flag:
            escalated |= c.flags("escalated")
        self._put("escalated", escalated)
        self._put("product_area", area_codes)
        self._add_segments(c)
        self._add_instants(c)

    def _areas(self, c: _Chunk) -> tuple[np.ndarray, np.ndarray]:
        """Each ticket's product area code (-1: none) and whether its tags say it was escalated; a tag set
        is read once (a few hundred distinct sets among a million tickets), unless areas match fields."""
        matcher, cache, cols, n = self.matcher, self.tag_cache, c.cols, c.n
        use_fields = bool(matcher.field_area)
        area_codes = np.empty(n, np.int32)
        tag_escalated = np.zeros(n, np.bool_)
        raws = cols["tags"]
        if not use_fields:
            try:
                distinct = dict.fromkeys(raws)
            except TypeError:  # lists (facts built in code): the per-row path below
                distinct = None
            if distinct is not None:
                for raw in distinct:
                    if raw not in cache:
                        tags = _tags(raw)
                        cache[raw] = (matcher.area(tags, {}), bool(self.esc_tags.intersection(tags)))
                area_of = {k: cache[k][0] for k in distinct}
                esc_of = {k: cache[k][1] for k in distinct}
                return (np.fromiter(map(area_of.__getitem__, raws), np.int32, n),
                        np.fromiter(map(esc_of.__getitem__, raws), np.bool_, n))
        for i, raw in enumerate(raws):
            if use_fields:
                tags = _tags(raw)
                a = matcher.area(tags, {f: cols[f][i] for f in AreaMatcher.FIELDS})
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
        return area_codes, tag_escalated

    def _add_segments(self, c: _Chunk) -> None:
        """CSAT, bot resolution and the categorical dimensions (codes stable across chunks)."""
        cols, n, defs = c.cols, c.n, self.defs
        self._put("csat", np.fromiter(map(_CSAT.get, cols["csat"], itertools.repeat(-1)), np.int8, n))
        bot_resolved = c.flags("bot_resolved")
        self.has_bot = self.has_bot or bool(bot_resolved.any() or c.flags("bot_involved").any())
        self._put("bot_resolved", bot_resolved)
        hv = self.segs.high_value_orgs
        self._put("account_tier", 1 - np.fromiter(map(hv.__contains__, cols["organization"]), np.int32, n))
        for name in ("source", "channel", "priority", "group"):
            self._put(name, self._codes(name, cols[name]))
        self._put("agent", self._codes("assignee", cols["assignee"]))
        who = cols["requester"] if defs.repeat_contact_by == "requester" else cols["organization"]
        self._put("who", self._codes("who", who))

    def _add_instants(self, c: _Chunk) -> None:
        """Created, answered and solved instants, counts, business-hours durations and SLA targets."""
        created, first, solved = c.inst("created_at"), c.inst("first_response_at"), c.inst("solved_at")
        self._put("created_s", created)
        self._put("first_response_s", first)
        self._put("solved_s", solved)
        self._put("agent_replies", c.ints("agent_replies", -1))
        self._put("reopens", c.ints("reopens", 0))
        frt_business = c.floats("first_response_business_seconds")
        resolution_business = c.floats("resolution_business_seconds")
        hours = self.defs.business_hours
        if hours is not None:
            # The source's own business figure wins; else the team's schedule, for replies and solves on
            # working days (a closed day has no business-hours figure of its own).
            tz = self.settings.tz
            frt_business = np.where(np.isnan(frt_business),
                                    business_seconds(created, first, hours, tz, closed_end=False), frt_business)
            resolution_business = np.where(np.isnan(resolution_business),
                                           business_seconds(created, solved, hours, tz, closed_end=False),
                                           resolution_business)
        self._put("frt_due_s", c.inst("first_response_due_at"))
        self._put("resolution_due_s", c.inst("resolution_due_at"))
        for name, col in (("sla_frt_met", "sla_first_response_met"), ("sla_resolution_met", "sla_resolution_met")):
            said = c.floats(col)  # None → NaN
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
