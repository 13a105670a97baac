"""Ticket columns → daily values per metric and segment, in the team's timezone (`compute_daily`, and
`daily_blocks`, its array form the rollup writes from). The columns come from `bot.metrics.columns`.

Which day a ticket counts on (see the catalogue's `attributed_to`): created (volume, repeat contacts,
tickets per agent), first response (FRT), solved (resolution, CSAT, FCR, reopens, escalations,
deflection, cost), end of day (backlog, backlog age). Day boundaries are local midnights of the team's
IANA timezone, so a DST day has 23 or 25 hours. Grouped numpy operations: exact medians and p90s, no
sampling. `daily_blocks` runs in named steps: the window (`_Window`: each ticket's days and masks,
once), then per dimension the rows' keys, volume, durations, rates, backlog and cost.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from bot.catalogue import CATALOGUE, DIMENSIONS
from bot.metrics.facts import QUIET_SEGMENT_DAYS, DailyValue, TicketColumns, day_bounds
from bot.metrics.settings import DefinitionSettings, RollupSettings
from bot.metrics.stats import grouped_quantiles, sorted_group_quantiles, value_ordered_quantiles


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
    if (end - start).days <= 0:
        return
    w = _Window(cols, start, end, settings, metrics)
    dims: list[tuple[str, np.ndarray, list[str]]] = [("", np.zeros(len(cols), np.int32), [""])]
    dims += [(d, cols.dims[d].codes, cols.dims[d].labels) for d in dimensions]
    for dim, g, labels in dims:
        if labels:
            yield from _Segments(w, dim, g, labels).blocks((started or {}).get(dim))


def _wanted(cols: TicketColumns, defs: DefinitionSettings, metrics: Iterable[str] | None) -> set[str]:
    wanted = set(metrics) if metrics is not None else set(CATALOGUE)
    if not (defs.deflection or (defs.deflection is None and cols.has_bot_data)):
        wanted.discard("deflection_rate")
    if defs.monthly_support_cost is None:
        wanted.discard("cost_per_resolution")
    return wanted


class _Window:
    """Every ticket's days in [start, end) and what it counts in, computed once for all dimensions."""

    def __init__(self, cols: TicketColumns, start: date, end: date, settings: RollupSettings,
                 metrics: Iterable[str] | None) -> None:
        self.cols, self.defs = cols, settings.definitions
        self.D = D = (end - start).days
        self.wanted = _wanted(cols, self.defs, metrics)
        self.bounds = bounds = day_bounds(start, end, settings.tz)
        self.days = [start + timedelta(days=i) for i in range(D)]
        self.live = live = ~cols.deleted
        self.c_day = c_day = _day_index(bounds, cols.created_s)
        self.f_day = f_day = _day_index(bounds, cols.first_response_s)
        self.s_day = s_day = _day_index(bounds, cols.solved_s)
        self.in_c = live & (c_day >= 0) & (c_day < D)
        self.solved_known = solved_known = live & ~cols.unsolved & ~np.isnan(cols.solved_s)
        self.in_s = in_s = solved_known & (s_day >= 0) & (s_day < D)
        self.frt_s = frt_s = cols.first_response_s - cols.created_s
        self.in_f = in_f = live & (f_day >= 0) & (f_day < D) & (frt_s >= 0)
        self.res_s = res_s = cols.solved_s - cols.created_s
        self.in_res = in_res = in_s & (res_s >= 0)
        self.pairs = self._backlog_pairs()
        # Tickets in (stable) order of their response and resolution times, sorted once for every dimension.
        self.frt_order, self.res_order = (ids[np.argsort(v[ids], kind="stable")]
                                          for ids, v in ((np.flatnonzero(in_f), frt_s), (np.flatnonzero(in_res), res_s)))
        self.sla = self._sla()
        # The last day each ticket counts on anything (a ticket still open: every day to the end), and the
        # first (created, or answered or solved if the data says earlier; before `start`: day 0).
        self.activity = np.where(cols.unsolved, D - 1, np.maximum(np.maximum(c_day, f_day), s_day))
        self.begin = np.clip(np.minimum(np.where(c_day == -2, D, c_day),
                                        np.minimum(np.where(in_f, f_day, D), np.where(in_s, s_day, D))), 0, D)
        self.agent = cols.dims["agent"].codes
        self.A = max(1, len(cols.dims["agent"].labels))

    def _backlog_pairs(self) -> _OpenPairs:
        """Backlog: open at the end of day d for d in [created day, solved day) — unsolved: to the end."""
        cols, D = self.cols, self.D
        open_from = np.clip(self.c_day, 0, D)
        open_to = np.where(cols.unsolved, D, np.clip(np.where(self.s_day == -2, -1, self.s_day), -1, D))
        in_b = self.live & (cols.unsolved | self.solved_known) & (self.c_day < D)
        lengths = np.where(in_b, np.maximum(0, open_to - open_from), 0)
        return _OpenPairs(lengths, open_from, cols.created_s, self.bounds)

    def _sla(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """SLA compliance: tickets whose target's outcome fell on the day (see `sla_outcomes`)."""
        cols, out = self.cols, {}
        for metric, met, due, done in (
            ("sla_first_response_met", cols.sla_frt_met, cols.frt_due_s, cols.first_response_s),
            ("sla_resolution_met", cols.sla_resolution_met, cols.resolution_due_s,
             np.where(self.solved_known, cols.solved_s, np.nan)),
        ):
            if met.size != len(cols):  # columns built without SLA data
                continue
            ok, at = sla_outcomes(met, due, done)
            out[metric] = (ok, _day_index(self.bounds, at))
        return out


class _Segments:
    """One dimension's blocks: `g` is each ticket's segment code (-1: none), `labels` the segments."""

    def __init__(self, w: _Window, dim: str, g: np.ndarray, labels: list[str]) -> None:
        self.w, self.dim, self.g, self.labels = w, dim, g, labels
        self.G = len(labels)
        self.has = g >= 0
        self.size = self.G * w.D
        self.out: list[DailyBlock] = []

    def key(self, mask: np.ndarray, day: np.ndarray) -> np.ndarray:
        m = mask & self.has
        return (self.g[m].astype(np.int64) * self.w.D + day[m])

    def emit(self, metric: str, keys: np.ndarray, values: np.ndarray, n: np.ndarray,
             num: np.ndarray | None = None, den: np.ndarray | None = None) -> None:
        mdef = CATALOGUE[metric]
        if metric not in self.w.wanted or (self.dim and self.dim not in mdef.dimensions) or keys.size == 0:
            return
        self.out.append(DailyBlock(metric, self.dim, self.labels, self.w.D, np.asarray(keys, np.int64),
                                   np.asarray(values, np.float64), np.asarray(n, np.int64),
                                   None if num is None else np.asarray(num, np.float64),
                                   None if den is None else np.asarray(den, np.float64)))

    def blocks(self, started: Collection[str] | None) -> list[DailyBlock]:
        agents = self.agents()
        all_keys = self.row_keys(started)
        self.volume(all_keys, agents)
        self.durations()
        self.rates()
        self.backlog(all_keys, agents)
        if self.dim == "" and "cost_per_resolution" in self.w.wanted:
            self.cost()
        return self.out

    def agents(self) -> np.ndarray:
        """Active agents per (segment, day): assignees of tickets first answered or solved that day."""
        w, g, has, D, A, size = self.w, self.g, self.has, self.w.D, self.w.A, self.size
        ev_mask = np.r_[w.in_f & (w.agent >= 0) & has, w.in_s & (w.agent >= 0) & has]
        ev_day = np.r_[w.f_day, w.s_day][ev_mask]
        ev_g = np.r_[g, g][ev_mask].astype(np.int64)
        ev_a = np.r_[w.agent, w.agent][ev_mask].astype(np.int64)
        cell = (ev_g * D + ev_day) * A + ev_a
        if size * A <= 1 << 26:  # a flag per (segment, day, agent): no sort
            seen = np.zeros(size * A, np.bool_)
            seen[cell] = True
            return seen.reshape(size, A).sum(axis=1)
        return np.bincount(np.unique(cell) // A, minlength=size)

    def row_keys(self, started: Collection[str] | None) -> np.ndarray:
        """The (segment * D + day) keys, ascending, of the volume and backlog rows, zero days included."""
        w, g, has, D, G = self.w, self.g, self.has, self.w.D, self.G
        present = np.zeros(G, bool)
        present[np.bincount(g[has & w.live], minlength=G)[:G] > 0] = True
        through = np.where(present, D - 1, -1)
        since = np.zeros(G, np.int64)
        if self.dim:  # a segment's zero days run from its first ticket activity to QUIET_SEGMENT_DAYS after its last
            last = np.full(G, -1, np.int64)
            m = has & w.live
            np.maximum.at(last, g[m], np.clip(w.activity[m], -1, D - 1))
            through = np.where(present, np.minimum(D - 1, last + QUIET_SEGMENT_DAYS), -1)
            since[:] = D
            np.minimum.at(since, g[m], w.begin[m])
            if started:  # rows before `start`: the segment began earlier
                since[[i for i, label in enumerate(self.labels) if label in started]] = 0
        grid = np.arange(D)[None, :]
        return np.flatnonzero(present[:, None] & (grid >= since[:, None]) & (grid <= through[:, None]))

    def volume(self, all_keys: np.ndarray, agents: np.ndarray) -> None:
        volume = np.bincount(self.key(self.w.in_c, self.w.c_day), minlength=self.size)
        self.emit("ticket_volume", all_keys, volume[all_keys], volume[all_keys], volume[all_keys], agents[all_keys])
        if "tickets_per_agent" in self.w.wanted:
            k = all_keys[agents[all_keys] > 0]
            self.emit("tickets_per_agent", k, volume[k] / agents[k], agents[k], volume[k], agents[k])

    def durations(self) -> None:
        w, g, has, D = self.w, self.g, self.has, self.w.D
        for metric_m, metric_p, ids, day, vals in (
            ("first_response_time", "first_response_time_p90", w.frt_order, w.f_day, w.frt_s),
            ("resolution_time", "resolution_time_p90", w.res_order, w.s_day, w.res_s),
        ):
            ids = ids[has[ids]]
            uk, cnt, qv = value_ordered_quantiles(g[ids].astype(np.int64) * D + day[ids], vals[ids], (0.5, 0.9))
            self.emit(metric_m, uk, qv[0], cnt)
            self.emit(metric_p, uk, qv[1], cnt)
        for metric_b, mask, day, vals in (
            ("first_response_time_business", w.in_f, w.f_day, w.cols.frt_business_s),
            ("resolution_time_business", w.in_res, w.s_day, w.cols.resolution_business_s),
        ):
            if metric_b in w.wanted:
                m = mask & has & ~np.isnan(vals)
                if m.any():
                    uk, cnt, qv = grouped_quantiles(g[m].astype(np.int64) * D + day[m], vals[m], (0.5,))
                    self.emit(metric_b, uk, qv[0], cnt)

    def rate(self, metric: str, den_mask: np.ndarray, num_mask: np.ndarray, day: np.ndarray) -> None:
        if metric not in self.w.wanted:
            return
        m = den_mask & self.has
        k = self.g[m].astype(np.int64) * self.w.D + day[m]
        den = np.bincount(k, minlength=self.size)
        num = np.bincount(k, weights=num_mask[m].astype(np.float64), minlength=self.size)
        nz = np.flatnonzero(den)
        self.emit(metric, nz, num[nz] / den[nz], den[nz], num[nz], den[nz])

    def rates(self) -> None:
        w, cols = self.w, self.w.cols
        in_s, s_day = w.in_s, w.s_day
        self.rate("csat", in_s & (cols.csat >= 0), cols.csat == 1, s_day)
        self.rate("fcr_rate", in_s & (cols.agent_replies >= 0), (cols.agent_replies <= 1) & (cols.reopens == 0), s_day)
        self.rate("reopen_rate", in_s, cols.reopens >= 1, s_day)
        self.rate("escalation_rate", in_s, cols.escalated, s_day)
        self.rate("deflection_rate", in_s, cols.bot_resolved, s_day)
        self.rate("repeat_contact_rate", w.in_c & (cols.repeat >= 0), cols.repeat == 1, w.c_day)
        for metric, (ok, at_day) in w.sla.items():
            self.rate(metric, w.live & (at_day >= 0) & (at_day < w.D), ok, at_day)

    def backlog(self, all_keys: np.ndarray, agents: np.ndarray) -> None:
        """Backlog and its median age, a stretch of days at a time (pairs of one stretch in memory)."""
        g, G, D, size = self.g, self.G, self.w.D, self.size
        backlog = np.zeros(size, np.int64)
        ages: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for pair_ticket, pair_day, pair_age in self.w.pairs.stretches():
            pg = g[pair_ticket]
            by_seg = np.argsort(_small_ints(pg, G), kind="stable") if G > 1 else np.arange(pg.size)
            by_seg = by_seg[pg[by_seg] >= 0]  # (segment, day, age) order
            pk = pg[by_seg].astype(np.int64) * D + pair_day[by_seg]
            backlog += np.bincount(pk, minlength=size)
            if "backlog_age" in self.w.wanted and pk.size:
                uk, cnt, qv = sorted_group_quantiles(pk, pair_age[by_seg], (0.5,))
                ages.append((uk, cnt, qv[0]))
        self.emit("backlog", all_keys, backlog[all_keys], backlog[all_keys], backlog[all_keys], agents[all_keys])
        if ages:
            uk, cnt, med = (np.concatenate(a) for a in zip(*ages))
            order = np.argsort(uk, kind="stable")  # stretches hold disjoint days: keys are unique
            self.emit("backlog_age", uk[order], med[order], cnt[order])

    def cost(self) -> None:
        w = self.w
        ks = np.bincount(self.key(w.in_s, w.s_day), minlength=self.size)
        nz = np.flatnonzero(ks)
        cost = np.array([w.defs.monthly_support_cost / _days_in_month(w.days[k]) for k in nz])
        self.emit("cost_per_resolution", nz, cost / ks[nz], ks[nz], cost, ks[nz])


def _day_index(bounds: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Index of the local day containing each instant; -1 before, len(bounds)-1 after; NaN → -2."""
    idx = np.searchsorted(bounds, np.nan_to_num(ts, nan=-np.inf), side="right") - 1
    idx[np.isnan(ts)] = -2
    return idx


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
