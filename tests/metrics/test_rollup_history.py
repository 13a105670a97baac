"""Long histories: a full rebuild judged in stretches of days equals one pass, a run of incremental
updates equals a full rebuild, and a segment that falls silent stops getting rows after
QUIET_SEGMENT_DAYS (SQLite; PostgreSQL with --db=postgres)."""
from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.metrics import rollup
from bot.metrics.facts import QUIET_SEGMENT_DAYS
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import Playbook, RollupSettings, Rule
from bot.storage import metrics as store
from bot.storage.models import DailyMetric, TriggerRow
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from tests.metrics.factories import make_tickets

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
SETTINGS = RollupSettings(
    timezone="Europe/Berlin",
    rules=(Rule("frt-act-2d", "first_response_time", "act_now", days=2, recovery_days=2, playbook="frt"),
           Rule("backlog-by-group", "backlog", "act_now", days=2, recovery_days=2, dimension="group")),
    playbooks=(Playbook("frt", "U0OWNER", ("check staffing",), follow_up_days=5),),
)
COLUMNS = ("value", "n", "numerator", "denominator", "zone", "expected", "score")
EVIDENCE_NUMBERS = ("value", "expected", "spread", "score", "n", "drift", "annotations")


def _history(days: int, end_at: datetime) -> list[Ticket]:
    """Three groups over `days` days; a fourth (Legacy) that stops after the first 40 days; a fifth (Late)
    that starts 60 days before the end, with tickets every tenth day only (an incremental window can start
    between two of them), and a sixth (Newest) in the last 3 days only."""
    tickets = make_tickets(days=days, per_day=24, end_at=end_at, slow_last_days=3, groups=("Billing", "Tech", "Sales"))
    legacy = [dataclasses.replace(t, external_id="L" + t.external_id, group="Legacy")
              for t in make_tickets(days=40, per_day=3, end_at=end_at - timedelta(days=days - 40), seed=5)
              if t.status == "solved"]
    late = [dataclasses.replace(t, external_id=prefix + t.external_id)
            for prefix, n, group in (("N", 60, "Late"), ("W", 3, "Newest"))
            for t in make_tickets(days=n, per_day=2, end_at=end_at, seed=11, groups=(group,))
            if group == "Newest" or int(t.external_id.split("-")[0]) % 10 == 0]
    return late + tickets + legacy  # late first: the incremental test reopens tickets counted from the end


def _rows(sf) -> dict[tuple, dict]:
    with sf.begin() as s:
        rows = s.scalars(select(DailyMetric).where(DailyMetric.workspace_id == "w1")).all()
        return {(r.day, r.metric, r.dimension, r.segment): {**{c: getattr(r, c) for c in COLUMNS},
                                                           "evidence": r.evidence} for r in rows}


def _state(sf) -> list[tuple]:
    with sf.begin() as s:
        return sorted(store.load_series_states(s, workspace_id="w1"))


def test_full_rebuild_in_stretches_equals_one_pass(session_factory, monkeypatch):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=_history(300, END))
    monkeypatch.setattr(rollup, "STRETCH_DAYS", 10_000)  # every day in one pass
    one = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    rows_one, state_one = _rows(session_factory), _state(session_factory)
    with session_factory.begin() as s:
        fired_one = [(t.dimension, t.segment, t.fired_on) for t in s.scalars(select(TriggerRow))]
        s.execute(TriggerRow.__table__.delete())
    monkeypatch.setattr(rollup, "STRETCH_DAYS", 23)  # 300 days in 14 stretches
    many = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    assert (many.rows, many.days) == (one.rows, one.days) and one.days == 300
    assert _rows(session_factory) == rows_one  # every column, evidence included (drift carried exactly)
    assert _state(session_factory) == state_one
    with session_factory.begin() as s:
        assert [(t.dimension, t.segment, t.fired_on) for t in s.scalars(select(TriggerRow))] == fired_one
    assert fired_one  # the slow last days fire the rule: triggers are part of the comparison


def test_daily_incremental_runs_equal_a_full_rebuild(session_factory):
    """A year of history with segments; five nights of new tickets and late changes, each rolled up
    incrementally, give the rows a full rebuild gives (values, zones, expectations, scores, evidence)."""
    start = END - timedelta(days=5)
    tickets = _history(365, END)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=[t for t in tickets if t.created_at < start - timedelta(hours=1)])
    assert run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=start).mode == "full"
    for k in range(5):
        now = start + timedelta(days=k + 1)
        with session_factory.begin() as s:
            upsert_tickets(s, workspace_id="w1", tickets=[t for t in tickets if t.created_at < now - timedelta(hours=1)
                                                          and t.created_at >= start - timedelta(hours=1)])
            # a ticket from three weeks back gets reopened and a bad rating
            old = tickets[-(400 + 7 * k)]
            upsert_tickets(s, workspace_id="w1", tickets=[dataclasses.replace(
                old, reopens=1, csat="unsatisfied", updated_at=now - timedelta(hours=2))])
        inc = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=now)
        assert inc.mode == "incremental"
    after_inc, state_inc = _rows(session_factory), _state(session_factory)
    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    after_full, state_full = _rows(session_factory), _state(session_factory)
    assert after_inc.keys() == after_full.keys()
    for key, want in after_full.items():
        got = after_inc[key]
        for c in COLUMNS:
            assert _same(got[c], want[c]), (key, c, got[c], want[c])
        # The numbers of the evidence (a day's sentence is stored while it is recent, so which days
        # carry one depends on when they were written).
        for k in EVIDENCE_NUMBERS:
            assert _same(got["evidence"][k], want["evidence"][k]), (key, k)
    assert [st[:6] for st in state_inc] == [st[:6] for st in state_full]


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12))


def _day(at: datetime) -> date:
    return at.astimezone(BERLIN).date()


def test_a_segment_starts_on_its_first_ticket(session_factory):
    """Late's and Newest's rows start on their first ticket's day, not on the history's first day: volume
    and backlog from then on every day (zero days included), no row of any metric before."""
    tickets = _history(300, END)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=tickets)
    report = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    rows = _rows(session_factory)
    for group in ("Late", "Newest"):
        first = min(_day(t.created_at) for t in tickets if t.group == group)
        assert min(k[0] for k in rows if k[2:] == ("group", group)) == first, group
        for metric in ("ticket_volume", "backlog"):
            days = sorted(k[0] for k in rows if k[1:] == (metric, "group", group))
            assert days == [first + timedelta(days=i) for i in range((report.last_day - first).days + 1)]
    assert min(k[0] for k in rows if k[2:] == ("group", "Billing")) == report.first_day  # the others as before
    assert min(k[0] for k in rows if k[1:] == ("ticket_volume", "", "")) == report.first_day


def test_a_segment_silent_for_quiet_segment_days_stops_getting_rows(session_factory):
    """Legacy's last ticket is solved in the history's first weeks: its volume and backlog rows (zero
    days, judged) run for QUIET_SEGMENT_DAYS after that day, then stop; the other groups and the
    overall series go on to the last day."""
    tickets = _history(300, END)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=tickets)
    report = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    rows = _rows(session_factory)
    legacy = [t for t in tickets if t.group == "Legacy"]
    last_activity = max(_day(max(t.created_at, t.first_response_at, t.solved_at)) for t in legacy)
    assert last_activity + timedelta(days=QUIET_SEGMENT_DAYS) < report.last_day  # it did fall silent
    for metric in ("ticket_volume", "backlog"):
        days = sorted(k[0] for k in rows if k[1:] == (metric, "group", "Legacy"))
        assert days[-1] == last_activity + timedelta(days=QUIET_SEGMENT_DAYS), metric
        assert days == [days[0] + timedelta(days=i) for i in range(len(days))]  # no gaps before that
        silent = [rows[(d, metric, "group", "Legacy")]["value"] for d in days if d > last_activity]
        assert len(silent) == QUIET_SEGMENT_DAYS and set(silent) == {0.0}
    # Response times have rows on days with replies only: judged (no value, insufficient data) for
    # QUIET_SEGMENT_DAYS after the last reply, then no more rows either.
    last_reply = max(_day(t.first_response_at) for t in legacy)
    frt = sorted(k[0] for k in rows if k[1:] == ("first_response_time", "group", "Legacy"))
    assert frt[-1] == last_reply + timedelta(days=QUIET_SEGMENT_DAYS)
    after = [rows[(d, "first_response_time", "group", "Legacy")] for d in frt if d > last_reply]
    assert len(after) == QUIET_SEGMENT_DAYS and {(r["value"], r["zone"]) for r in after} == {(None, "insufficient_data")}
    for seg in ("Billing", "Tech", "Sales"):
        assert (report.last_day, "ticket_volume", "group", seg) in rows
    assert (report.last_day, "ticket_volume", "", "") in rows
