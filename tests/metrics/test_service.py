"""Rollups, zones and triggers against the database (SQLite; PostgreSQL with --db=postgres)."""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.metrics.reads import metric_series, range_scorecard, scorecard
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import Playbook, RollupSettings, Rule
from bot.storage import metrics as store
from bot.storage.models import Action, TriggerRow
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from tests.metrics.factories import make_tickets

END = datetime(2024, 6, 1, 6, 0, tzinfo=timezone.utc)  # Saturday morning: Friday 31 May is the last full day
RULE = Rule("frt-act-2d", "first_response_time", "act_now", days=2, recovery_days=2, playbook="frt")
SETTINGS = RollupSettings(
    timezone="Europe/Berlin", rules=(RULE,),
    playbooks=(Playbook("frt", "U0OWNER", ("check staffing", "pause macros"), follow_up_days=5, channel="C0ALERTS"),),
)


@pytest.fixture
def loaded(session_factory):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3))
    return session_factory


def _rows(sf, day=None):
    with sf.begin() as s:
        rows = store.load_daily(s, workspace_id="w1", start=day, end=day + timedelta(days=1) if day else None)
    return {(r[0], r[1], r[2], r[3]): r for r in rows}


def test_full_rebuild_scorecard_and_trigger(loaded):
    report = run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    assert report.mode == "full" and report.last_day == date(2024, 5, 31)
    assert [e.rule for e in report.fired] == ["frt-act-2d"]
    with loaded.begin() as s:
        card = scorecard(s, workspace_id="w1", settings=SETTINGS)
        assert card.as_of == date(2024, 5, 31)
        zones = [e.zone for e in card.entries]
        first_healthy = zones.index("healthy")
        assert all(z == "healthy" for z in zones[first_healthy:])  # non-healthy first
        frt = next(e for e in card.entries if e.key == "first_response_time")
        assert frt.zone == "act_now" and frt.explanation.startswith("First response time (median) was")
        payload = card.to_dict()
        assert set(payload) >= {"as_of", "timezone", "metrics"}
        assert set(payload["metrics"][0]) >= {"key", "segment", "value", "unit", "n", "zone", "expected", "bands", "explanation"}
        json.dumps(payload)
        trig = s.scalars(select(TriggerRow)).one()
        assert (trig.status, trig.fired_on, trig.alert_channel) == ("open", date(2024, 5, 30), "C0ALERTS")
        action = s.scalars(select(Action)).one()
        assert action.owner == "U0OWNER" and action.due_on == date(2024, 6, 4) and action.trigger_id == trig.id
        # the playbook's short title first, its steps below; the why stays with the trigger
        assert action.description == "FRT\n1. check staffing\n2. pause macros"
        assert trig.evidence["explanation"].startswith("First response time (median) was")
        # no other workspace sees it
        assert scorecard(s, workspace_id="other", settings=SETTINGS).entries == ()
    # A rerun does not repeat an open trigger.
    again = run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    assert again.fired == ()


def test_incremental_matches_full_rebuild(loaded):
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=2), full=True)
    # Two more days pass; some tickets of the last days change (reopened, CSAT arrives).
    with loaded.begin() as s:
        tickets = make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3)
        changed = [dataclasses.replace(t, reopens=1, csat="unsatisfied", updated_at=END)
                   for t in tickets[-40:] if t.status == "solved"]
        upsert_tickets(s, workspace_id="w1", tickets=changed)
    inc = run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END)
    assert inc.mode == "incremental" and inc.changed_tickets > 0
    assert inc.days <= 5
    after_inc = _rows(loaded)
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    after_full = _rows(loaded)
    for key, full_row in after_full.items():
        if key[0] < inc.first_day:
            continue
        got = after_inc[key]
        assert got[4] == pytest.approx(full_row[4], nan_ok=True), key
        assert got[8] == full_row[8], key  # zone


def test_noop_when_nothing_changed(loaded):
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    assert run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END).mode == "noop"


def test_trigger_recovers_after_m_healthy_days(loaded):
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    later = END + timedelta(days=4)
    with loaded.begin() as s:  # four normal days follow
        fresh = [dataclasses.replace(t, external_id="n" + t.external_id)
                 for t in make_tickets(days=4, per_day=30, end_at=later, seed=3)]
        upsert_tickets(s, workspace_id="w1", tickets=fresh)
    report = run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=later)
    assert [e.kind for e in report.recovered] == ["recover"]
    with loaded.begin() as s:
        trig = s.scalars(select(TriggerRow)).one()
        assert trig.status == "recovered" and trig.recovered_on is not None


def test_series_and_range(loaded):
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    with loaded.begin() as s:
        pts = metric_series(s, workspace_id="w1", metric="ticket_volume")
        midnight = datetime(2024, 5, 31, 22, 0, tzinfo=timezone.utc)  # end of Friday in Berlin
        created = [t.created_at for t in make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3)]
        assert len(pts) == 50 and sum(p.value for p in pts) == sum(c < midnight for c in created)
        rng = range_scorecard(s, workspace_id="w1", settings=SETTINGS, start=date(2024, 5, 25), end=date(2024, 5, 31))
        vol = next(e for e in rng.entries if e.key == "ticket_volume")
        assert vol.value == sum(p.value for p in pts if p.day >= date(2024, 5, 25))
        by_group = scorecard(s, workspace_id="w1", settings=SETTINGS, dimension="group")
        assert {tuple(e.segment.items())[0][1] for e in by_group.entries} == {"Billing", "Tech"}


def test_old_ticket_solved_yesterday_recomputes_only_yesterday(loaded):
    # A ticket created weeks ago and open until now arrives solved yesterday evening (Berlin).
    created = END - timedelta(days=40)
    old = Ticket(source="zendesk", external_id="old-1", status="open", created_at=created, updated_at=created,
                 first_response_at=created + timedelta(hours=1), first_response=timedelta(hours=1), channel="email")
    with loaded.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=[old])
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    solved = dataclasses.replace(old, status="solved", solved_at=END - timedelta(hours=10), updated_at=END,
                                 resolution=END - timedelta(hours=10) - created, csat="satisfied", agent_replies=1)
    with loaded.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=[solved])
    inc = run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END + timedelta(minutes=5))
    assert (inc.mode, inc.first_day, inc.days) == ("incremental", date(2024, 5, 31), 1)
    after_inc = _rows(loaded)
    run_rollup(loaded, workspace_id="w1", settings=SETTINGS, now_at=END + timedelta(minutes=5), full=True)
    after_full = _rows(loaded)
    assert after_inc.keys() == after_full.keys()
    for key, full_row in after_full.items():
        assert after_inc[key][4] == pytest.approx(full_row[4], nan_ok=True), key
        assert after_inc[key][8] == full_row[8], key
