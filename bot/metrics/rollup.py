"""Rollups: daily values and zones of every series written to `daily_metrics`, then triggers.

The service owns the transaction (`session_factory.begin()`); store functions in
`bot/storage/metrics.py` never commit. Days are complete local days: the
rollups run through yesterday in the team's timezone (intraday signals come
from `spikes`).

Full rebuild: every day from the first ticket (no horizon: a 2016 import is
rolled up from 2016); a segment's days start on its own first ticket.
Incremental: only the days touched by tickets whose `changed_at` is after the
workspace's watermark — for a changed ticket, the local days from its creation
to its solve (or the last day while unsolved), and the repeat-contact window
after its creation — plus days completed since the last run. Zones of those
days are judged against the stored history; triggers are evaluated on the result.
A backfill of older history (touches bounded in time, see `TicketTouch.touched_until`)
recomputes its own days, any never-computed gap before the earlier first day, and
the days whose baselines read them, not every day since: later days keep their
stored values, which did not change.
"""
from __future__ import annotations

import dataclasses
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from bot.metrics.daily import daily_blocks
from bot.metrics.daily_rows import StretchWriter, build_rows, row_order, write_rows
from bot.metrics.facts import local_day, local_midnight_at
from bot.metrics.judging import evaluate_all, series_from_blocks, span_days
from bot.metrics.known_days import known_change_days
from bot.metrics.rollup_state import drift_seeds, history, started_segments, state_rows, zone_history
from bot.metrics.rules import RuleEvent
from bot.metrics.series_state import Key
from bot.metrics.settings import ChangeDay, RollupSettings
from bot.metrics.ticket_columns import load_ticket_columns
from bot.metrics.triggers import fire_triggers
from bot.metrics.zones import ZoneResult
from bot.storage import metrics as store
from bot.storage.reference import ids_for_names

EXPLAIN_DAYS = 35  # stored evidence keeps its sentence for this many recent days
STATE_SLACK_DAYS = 35  # packed states also serve late changes up to five weeks back
STRETCH_DAYS = 61  # a full rebuild judges and writes this many days of every series at a time


@dataclass(frozen=True, slots=True)
class RollupReport:
    mode: str  # full | incremental | noop
    first_day: date | None
    last_day: date | None
    days: int
    rows: int
    changed_tickets: int
    fired: tuple[RuleEvent, ...] = ()
    recovered: tuple[RuleEvent, ...] = ()
    seconds: float = 0.0

    def summary(self) -> str:
        if self.mode == "noop":
            return "rollups: nothing to do"
        span = f"{self.first_day}..{self.last_day}" if self.first_day else "-"
        return (f"rollups ({self.mode}): {self.days} days {span}, {self.rows} rows, "
                f"{self.changed_tickets} changed tickets, {len(self.fired)} triggers fired, "
                f"{len(self.recovered)} recovered in {self.seconds:.1f}s")


def last_complete_day(now_at: datetime, settings: RollupSettings) -> date:
    return local_day(now_at, settings.tz) - timedelta(days=1)


def run_rollup(
    session_factory: sessionmaker,
    *,
    workspace_id: str,
    settings: RollupSettings,
    now_at: datetime | None = None,
    full: bool = False,
    alerts_channel: str | None = None,
) -> RollupReport:
    """Recompute rollups, zones and triggers in one transaction (incremental unless `full`)."""
    t0 = _time.perf_counter()
    now_at = now_at or datetime.now(timezone.utc)
    with session_factory.begin() as session:
        settings = _rules_by_id(session, workspace_id, settings)
        report = _rollup(session, workspace_id=workspace_id, settings=settings, now_at=now_at, full=full,
                         alerts_channel=alerts_channel)
    return dataclasses.replace(report, seconds=_time.perf_counter() - t0)


def _rules_by_id(session: Session, workspace_id: str, settings: RollupSettings) -> RollupSettings:
    """Rules name segments as people read them (`group = \"Billing\"`); stored segments of API sources are ids."""
    rules = []
    for rule in settings.rules:
        ids = ids_for_names(session, workspace_id=workspace_id, dimension=rule.dimension or "", names=rule.segments)
        rules.append(dataclasses.replace(rule, segments=(*rule.segments, *sorted(ids - set(rule.segments))))
                     if ids - set(rule.segments) else rule)
    return dataclasses.replace(settings, rules=tuple(rules)) if rules != list(settings.rules) else settings


@dataclass(frozen=True, slots=True)
class _Run:
    """What one rollup run knows before it computes: its workspace, clock and bounds."""

    session: Session
    workspace_id: str
    settings: RollupSettings
    now_at: datetime
    alerts_channel: str | None
    as_of: date  # the last complete local day
    history_start: date
    max_changed_at: datetime
    changes: Mapping[date, ChangeDay]
    span: int  # days of history a baseline reads
    state_days: int  # days the packed states keep

    @property
    def end(self) -> date:
        return self.as_of + timedelta(days=1)


def _rollup(session: Session, *, workspace_id: str, settings: RollupSettings, now_at: datetime, full: bool,
            alerts_channel: str | None) -> RollupReport:
    as_of = last_complete_day(now_at, settings)
    first_at, max_changed_at = store.ticket_extent(session, workspace_id=workspace_id)
    if first_at is None:
        return RollupReport("noop", None, None, 0, 0, 0)
    wm = store.get_watermark(session, workspace_id=workspace_id)
    history_start = local_day(first_at, settings.tz)  # all of history: every day from the first ticket
    changes = known_change_days(session, workspace_id, settings)
    if history_start > as_of:
        return RollupReport("noop", None, None, 0, 0, 0)
    span = span_days(settings)
    run = _Run(session, workspace_id, settings, now_at, alerts_channel, as_of, history_start, max_changed_at,
               changes, span, span + 7 + STATE_SLACK_DAYS)
    if full or wm is None or wm.computed_through is None or wm.changed_through_at is None or wm.first_day is None:
        return _full_rebuild(run)
    return _incremental(run, wm)


def _full_rebuild(run: _Run) -> RollupReport:
    session, workspace_id, settings, end = run.session, run.workspace_id, run.settings, run.end
    history_start = run.history_start
    cols = load_ticket_columns(session, workspace_id=workspace_id, settings=settings,
                               created_before_at=local_midnight_at(end, settings.tz))
    series = series_from_blocks(daily_blocks(cols, start=history_start, end=end, settings=settings), history_start,
                                end)
    del cols
    store.delete_daily(session, workspace_id=workspace_id)
    # Days are judged and written a stretch at a time, in day order (the unique index's order, so
    # inserts append instead of scattering over three years); only what triggers and the packed
    # states read afterwards is kept (every day of rule-watched series, the state window of the
    # others), so years of history never hold all their ZoneResults and rows at once.
    keep_from = end - timedelta(days=run.state_days)
    explain_from = run.as_of - timedelta(days=EXPLAIN_DAYS)
    watched = {key for key in series if any(rule.matches(*key) for rule in settings.rules)}
    writer = StretchWriter(session)

    def sink(part: dict[Key, list[ZoneResult]]) -> dict[Key, list[ZoneResult]]:
        writer.put(sorted(build_rows(workspace_id, series, part, history_start, explain_from, run.now_at),
                          key=row_order))
        return {key: rs if key in watched else [r for r in rs if r.day >= keep_from] for key, rs in part.items()}

    try:
        results = evaluate_all(series, settings, run.changes, from_index=0, seeds={}, stretch=STRETCH_DAYS, sink=sink)
    finally:
        written = writer.close()
    zones = zone_history({}, results, settings, start=history_start, until=history_start)
    fired, recovered = fire_triggers(session, workspace_id=workspace_id, settings=settings, zones=zones,
                                     results=results, as_of=run.as_of, alerts_channel=run.alerts_channel)
    store.replace_series_states(session, workspace_id=workspace_id, rows=state_rows(
        series, results, {}, first=history_start, end=end, days=run.state_days))
    store.set_watermark(session, workspace_id=workspace_id, changed_through_at=run.max_changed_at,
                        first_day=history_start, computed_through=run.as_of, full_rebuild_at=run.now_at)
    store.prune_touches(session, workspace_id=workspace_id, through_at=run.max_changed_at)
    return RollupReport("full", history_start, run.as_of, (end - history_start).days, written,
                        store.ticket_count(session, workspace_id=workspace_id), tuple(fired), tuple(recovered))


def _incremental(run: _Run, wm) -> RollupReport:
    """The days the recorded changes touched (an import of older history: its own days, the gap up to
    what was computed before, and the days whose baselines read them), then new days."""
    session, workspace_id = run.session, run.workspace_id
    touched_at, changed = store.changes_since(session, workspace_id=workspace_id, since_at=wm.changed_through_at)
    history_start = min(run.history_start, wm.first_day)
    windows = _windows(touched_at, store.touched_until(session, workspace_id=workspace_id,
                                                       since_at=wm.changed_through_at) if touched_at else None,
                       settings=run.settings, computed_through=wm.computed_through, computed_from=wm.first_day,
                       as_of=run.as_of, history_start=history_start, tail=run.span + 7, reach=run.state_days)
    if not windows:
        store.set_watermark(session, workspace_id=workspace_id, changed_through_at=run.max_changed_at)
        store.prune_touches(session, workspace_id=workspace_id, through_at=run.max_changed_at)
        return RollupReport("noop", None, None, 0, 0, changed)
    rows_n, days_n, fired, recovered = 0, 0, [], []
    for first, stop in windows:
        n, f, r = _recompute(session, workspace_id=workspace_id, settings=run.settings, changes=run.changes,
                             now_at=run.now_at, first=first, stop=stop, end=run.end, as_of=run.as_of,
                             history_start=history_start, computed_through=wm.computed_through, span=run.span,
                             state_days=run.state_days, alerts_channel=run.alerts_channel)
        rows_n, days_n = rows_n + n, days_n + (stop - first).days
        fired += f
        recovered += r
    store.set_watermark(session, workspace_id=workspace_id, changed_through_at=run.max_changed_at,
                        computed_through=run.as_of, first_day=history_start)
    store.prune_touches(session, workspace_id=workspace_id, through_at=run.max_changed_at)
    return RollupReport("incremental", windows[0][0], run.as_of, days_n, rows_n, changed, tuple(fired),
                        tuple(recovered))


def _recompute(session: Session, *, workspace_id: str, settings: RollupSettings, changes: Mapping[date, ChangeDay],
               now_at: datetime, first: date, stop: date, end: date, as_of: date, history_start: date,
               computed_through: date, span: int, state_days: int,
               alerts_channel: str | None) -> tuple[int, list[RuleEvent], list[RuleEvent]]:
    """Values and zones of days [first, stop) from the tickets, judged against the stored days before.

    A window that reaches `end` also writes the packed states and evaluates triggers; a window of
    older days (a backfill) leaves both alone: its days are older than any state or rule window.
    """
    tz = settings.tz
    lookback = timedelta(days=settings.definitions.repeat_contact_days + 1)
    since_at = local_midnight_at(first, tz)
    cols = load_ticket_columns(
        session, workspace_id=workspace_id, settings=settings,
        created_before_at=local_midnight_at(stop, tz),
        relevant_since_at=since_at,
        created_since_at=since_at,
        lookback_from_at=since_at - lookback,  # repeat-contact history: slim rows only
    )
    hist_start = max(history_start, first - timedelta(days=span + 7))
    old, exact_drift = history(session, workspace_id, computed_through=computed_through, hist_start=hist_start,
                                first=first, load_start=max(history_start, min(hist_start, end - timedelta(days=state_days))))
    values = daily_blocks(cols, start=first, end=stop, settings=settings,
                          started=started_segments(old, start=hist_start, until=first))
    series = series_from_blocks(values, hist_start, stop, old=old, old_until=first, values_start=first)
    del cols, values
    seeds, complete = drift_seeds(old, first - timedelta(days=1))
    if not (exact_drift and complete):
        seeds = store.drift_seeds(session, workspace_id=workspace_id, day=first - timedelta(days=1))
    from_index = (first - hist_start).days
    results = evaluate_all(series, settings, changes, from_index=from_index, seeds=seeds)
    store.delete_daily(session, workspace_id=workspace_id, start=first, end=stop)
    written = write_rows(session, build_rows(workspace_id, series, results, hist_start,
                                              as_of - timedelta(days=EXPLAIN_DAYS), now_at))
    if stop < end:
        return written, [], []
    zones = zone_history(old, results, settings, start=hist_start, until=first)
    fired, recovered = fire_triggers(session, workspace_id=workspace_id, settings=settings, zones=zones,
                                     results=results, as_of=as_of, alerts_channel=alerts_channel)
    store.replace_series_states(session, workspace_id=workspace_id, rows=state_rows(
        series, results, old, first=first, end=end, days=state_days))
    return written, fired, recovered


def _windows(touched_at: datetime | None, touched_until_at: datetime | None, *, settings: RollupSettings,
             computed_through: date, computed_from: date, as_of: date, history_start: date, tail: int,
             reach: int) -> list[tuple[date, date]]:
    """Half-open day windows to recompute, oldest first ([] : nothing to do).

    Touched days [lo, hi] move their own values and the zones of the next `tail` days (baselines
    read back that far), and repeat contacts up to `repeat_contact_days` later; days never computed
    (before `computed_from`, after `computed_through`) are computed. A window that comes within
    `reach` days of the end (the packed states' span) runs through to the end instead, so the
    states and triggers are rebuilt from it; older windows stop and leave later days as stored.
    """
    end = as_of + timedelta(days=1)
    spans: list[tuple[date, date]] = []
    if history_start < computed_from:
        spans.append((history_start, computed_from - timedelta(days=1)))
    if touched_at is not None:
        lo = max(local_day(touched_at, settings.tz), history_start)
        hi = as_of if touched_until_at is None else min(
            as_of, local_day(touched_until_at, settings.tz) + timedelta(days=settings.definitions.repeat_contact_days))
        if lo <= as_of:
            spans.append((lo, max(lo, hi)))
    if computed_through < as_of:
        spans.append((computed_through + timedelta(days=1), as_of))
    windows: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        stop = min(end, hi + timedelta(days=tail + 1))
        if stop >= end - timedelta(days=reach):
            stop = end
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
        else:
            windows.append((lo, stop))
    return windows


