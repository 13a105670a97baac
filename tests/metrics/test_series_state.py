"""Packed series states: what incremental rollups read instead of ~100 days of daily_metrics rows.

The states must mirror daily_metrics exactly, incremental runs through them must
match a full rebuild, and a state that does not fit (missing, stale, corrupt) is
never trusted: the run reads daily_metrics instead and writes fitting states.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import delete, select, update

from bot.metrics import series_state
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import Playbook, RollupSettings, Rule
from bot.storage import metrics as store
from bot.storage.metric_models import MetricSeriesState
from bot.storage.models import TriggerRow
from bot.storage.tickets import upsert_tickets
from tests.metrics.factories import make_tickets

END = datetime(2024, 6, 1, 6, 0, tzinfo=timezone.utc)  # Friday 31 May is the last full day (Berlin)
RULE = Rule("frt-act-2d", "first_response_time", "act_now", days=2, recovery_days=2, playbook="frt")
SETTINGS = RollupSettings(timezone="Europe/Berlin", rules=(RULE,),
                          playbooks=(Playbook("frt", "U0OWNER", ("check staffing",), follow_up_days=5),))
TICKETS = make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3)


# --- pure packing -------------------------------------------------------------------------------

def test_pack_round_trip_and_zone_codes():
    m = series_state.empty(date(2024, 5, 1), 3)
    m[:, 1] = (4.5, 12, 3, 12, 1, 0.25, series_state.zone_code("act_now"))
    st = series_state.SeriesState(date(2024, 5, 1), m)
    back = series_state.unpack(date(2024, 5, 1), date(2024, 5, 3), series_state.pack(st))
    assert np.array_equal(back.m, m, equal_nan=True)
    assert (back.zone_at(0), back.zone_at(1)) == (None, "act_now")
    assert back.drift_at(date(2024, 5, 2)) == 0.25 and back.drift_at(date(2024, 5, 1)) is None
    assert back.drift_at(date(2024, 4, 30)) is None and back.end == date(2024, 5, 4)


def test_unpack_refuses_bytes_that_do_not_fit_the_span():
    data = series_state.pack(series_state.SeriesState(date(2024, 5, 1), series_state.empty(date(2024, 5, 1), 3)))
    with pytest.raises(ValueError, match="expected 7 x 4 days"):
        series_state.unpack(date(2024, 5, 1), date(2024, 5, 4), data)


# --- against the database -----------------------------------------------------------------------

@pytest.fixture
def sf(session_factory):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=TICKETS)
    return session_factory


def _daily(sf, since: date | None = None) -> dict:
    with sf.begin() as s:
        rows = store.load_daily(s, workspace_id="w1", start=since)
    return {(r[0], r[1], r[2], r[3]): r for r in rows}


def _drifts(sf, day: date) -> dict:
    with sf.begin() as s:
        return store.drift_seeds(s, workspace_id="w1", day=day)


def _states(sf) -> dict:
    with sf.begin() as s:
        got = store.load_series_states(s, workspace_id="w1")
    return {(m, d, g): series_state.unpack(start, through, data) for m, d, g, start, through, _l, data in got}


def _change_last_days(sf, when: datetime) -> None:
    """Reopen and rate badly some of the last tickets (a typical sync's changes)."""
    changed = [dataclasses.replace(t, reopens=1, csat="unsatisfied", updated_at=when)
               for t in TICKETS[-60:] if t.status == "solved"]
    with sf.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=changed)


def _assert_matches_full(sf, since: date, now_at: datetime) -> None:
    """Rows from `since` on equal what a full rebuild writes: value, zone, expectation, score, drift."""
    inc = _daily(sf, since)
    inc_drift = {d: _drifts(sf, d) for d in {k[0] for k in inc}}
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=now_at, full=True)
    full = _daily(sf, since)
    assert inc.keys() == full.keys()
    for key, f in full.items():
        g = inc[key]
        assert g[8] == f[8], key  # zone
        assert g[4] == pytest.approx(f[4], nan_ok=True), key  # value
        assert g[9] == pytest.approx(f[9], nan_ok=True), key  # expected
        assert g[10] == pytest.approx(f[10], nan_ok=True), key  # score
    for day, seeds in inc_drift.items():
        assert seeds == pytest.approx(_drifts(sf, day)), day


def test_states_mirror_daily_metrics_after_a_full_rebuild(sf):
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    daily = _daily(sf)
    states = _states(sf)
    assert {(k[1], k[2], k[3]) for k in daily} == states.keys()
    last = date(2024, 5, 31)
    drift_last = _drifts(sf, last)
    for key, st in states.items():
        assert st.end == last + timedelta(days=1)
        for i in range(st.days):
            day = st.start + timedelta(days=i)
            row = daily.get((day, *key))
            if row is None:
                assert st.m[4, i] == 0, (key, day)
                continue
            value, n, num, den, zone = row[4], row[5], row[6], row[7], row[8]
            assert st.m[4, i] == 1 and st.zone_at(i) == zone, (key, day)
            assert st.m[0, i] == pytest.approx(np.nan if value is None else value, nan_ok=True)
            assert st.m[1, i] == n
            assert st.m[2, i] == pytest.approx(np.nan if num is None else num, nan_ok=True)
            assert st.m[3, i] == pytest.approx(np.nan if den is None else den, nan_ok=True)
        assert st.drift_at(last) == pytest.approx(drift_last[key])


def test_daily_incremental_runs_through_states_match_a_full_rebuild(sf):
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=3), full=True)
    for back in (2, 1, 0):  # three nightly runs, each after a sync that changed recent tickets
        now = END - timedelta(days=back)
        _change_last_days(sf, now - timedelta(minutes=5))
        report = run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=now)
        assert report.mode == "incremental"
        assert {st.end for st in _states(sf).values()} == {report.last_day + timedelta(days=1)}
    _assert_matches_full(sf, date(2024, 5, 25), END)


def test_trigger_streak_that_began_before_the_run_fires_from_the_stored_zone(sf):
    # 29 May is the first slow day: the full run through 29 May sees one act-now day, no trigger.
    first = run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=2), full=True)
    assert first.fired == ()
    # The next night only 30 May is computed; 29 May's zone comes from the packed state.
    report = run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=1))
    assert (report.mode, report.first_day) == ("incremental", date(2024, 5, 30))
    assert [(e.day, e.since) for e in report.fired] == [(date(2024, 5, 30), date(2024, 5, 29))]
    with sf.begin() as s:
        assert s.scalars(select(TriggerRow.fired_on)).all() == [date(2024, 5, 30)]


@pytest.mark.parametrize("damage", ["missing", "stale", "corrupt", "old_layout"])
def test_a_state_that_does_not_fit_is_not_trusted(sf, damage):
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=1), full=True)
    table = MetricSeriesState.__table__
    with sf.begin() as s:
        if damage == "missing":  # e.g. the first run after upgrading to this schema
            s.execute(delete(table))
        elif damage == "stale":  # written by some other run than the one the watermark records
            s.execute(update(table).values(through_day=date(2024, 5, 20), start_day=date(2024, 4, 1)))
        elif damage == "corrupt":
            key = s.execute(select(table.c.metric, table.c.dimension, table.c.segment)).first()
            s.execute(update(table).where(table.c.metric == key[0], table.c.dimension == key[1],
                                          table.c.segment == key[2]).values(data=b"\x00" * 24))
        else:
            s.execute(update(table).values(layout=series_state.LAYOUT + 1))
    _change_last_days(sf, END - timedelta(minutes=5))
    report = run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END)
    assert report.mode == "incremental"
    states = _states(sf)  # rewritten, current again
    assert states and {st.end for st in states.values()} == {date(2024, 6, 1)}
    _assert_matches_full(sf, report.first_day, END)


def test_states_are_scoped_by_workspace(sf):
    with sf.begin() as s:  # a second workspace whose tickets start 10 days before the end
        upsert_tickets(s, workspace_id="w2", tickets=TICKETS[-300:])
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    run_rollup(sf, workspace_id="w2", settings=SETTINGS, now_at=END, full=True)
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)  # replaces only w1's
    with sf.begin() as s:
        w2 = store.load_series_states(s, workspace_id="w2")
        w1 = store.load_series_states(s, workspace_id="w1")
    assert {r[3] for r in w1} == {date(2024, 4, 12)}
    assert {r[3] for r in w2} == {date(2024, 5, 22)}


def test_a_late_change_behind_a_rebuilt_state_reads_the_drift_it_lacks(sf):
    # States rebuilt from daily_metrics rows (first run after an upgrade) carry no drift for earlier days;
    # a later run that starts on such a day must take its seed from the stored evidence, not from zero.
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=3), full=True)
    with sf.begin() as s:
        s.execute(delete(MetricSeriesState.__table__))
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=2))  # rebuilds states
    berlin_may_25 = (datetime(2024, 5, 24, 22, tzinfo=timezone.utc), datetime(2024, 5, 25, 22, tzinfo=timezone.utc))
    late = [dataclasses.replace(t, csat="unsatisfied", updated_at=END - timedelta(days=1, minutes=5))
            for t in TICKETS if t.solved_at and berlin_may_25[0] <= t.solved_at < berlin_may_25[1]]
    assert late
    with sf.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=late)
    report = run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END - timedelta(days=1))
    assert (report.mode, report.first_day) == ("incremental", date(2024, 5, 25))
    _assert_matches_full(sf, date(2024, 5, 25), END - timedelta(days=1))


def test_judging_in_small_batches_gives_the_same_zones(sf, monkeypatch):
    """A full rebuild bounds memory by judging segments in batches; the batch size never changes a result."""
    from bot.metrics import judging

    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    whole = _daily(sf)
    monkeypatch.setattr(judging, "BATCH_CELLS", 1)  # one series per batch
    run_rollup(sf, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    batched = _daily(sf)
    assert whole.keys() == batched.keys()
    for key, row in whole.items():
        assert batched[key][8:] == row[8:], key  # zone, expected, score
