"""Mutes in the rollup (issue 12.5): a rule does not fire inside a mute, and muted days are left out of
that metric's baselines like other known events (and only that metric's)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.actions import mutes
from bot.metrics.rollup import run_rollup
from bot.storage import metrics as store
from bot.storage.models import Action, DailyMetric, TriggerRow
from bot.storage.tickets import upsert_tickets
from tests.metrics.factories import make_tickets
from tests.metrics.test_service import END, SETTINGS

WS = "w1"


@pytest.fixture
def loaded(session_factory):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3))
    return session_factory


def _mute(sf, target: mutes.Target, *, start: datetime, days: int, reason: str = "release week") -> None:
    with sf.begin() as s:
        mutes.mute(s, workspace_id=WS, target=target, until_at=start + timedelta(days=days), reason=reason,
                   actor="U0LEAD", now=start)


@pytest.mark.parametrize("target, fires", [
    (mutes.Target("first_response_time"), False),  # the metric, every rule on it
    (mutes.Target("first_response_time", "frt-act-2d"), False),  # the rule itself
    (mutes.Target("ticket_volume"), True),  # another metric
    (mutes.Target("first_response_time", None, "group", "Billing"), True),  # one segment: the rule watches overall
])
def test_a_rule_does_not_fire_inside_a_mute(loaded, target, fires):
    _mute(loaded, target, start=END - timedelta(days=4), days=7)
    report = run_rollup(loaded, workspace_id=WS, settings=SETTINGS, now_at=END, full=True)
    assert bool(report.fired) is fires
    with loaded.begin() as s:
        assert bool(s.scalars(select(TriggerRow)).all()) is fires
        assert bool(s.scalars(select(Action)).all()) is fires  # no playbook action either


def test_after_the_mute_the_rule_needs_its_days_again(loaded):
    # muted through Thursday 30 May (Berlin): Friday alone is one act-now day of the two the rule needs
    _mute(loaded, mutes.Target("first_response_time"), start=END - timedelta(days=5),
          days=(datetime(2024, 5, 30, 22, 0, tzinfo=timezone.utc) - (END - timedelta(days=5))).days + 0)
    with loaded.begin() as s:
        (w,) = mutes.windows(s, workspace_id=WS)
    assert mutes.muted_days(w, SETTINGS.tz)[-1] == date(2024, 5, 30)
    assert run_rollup(loaded, workspace_id=WS, settings=SETTINGS, now_at=END, full=True).fired == ()
    # Saturday is the second act-now day after the mute: it fires then, on that day
    later = END + timedelta(days=1)
    with loaded.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=[t for t in make_tickets(days=51, per_day=30, end_at=later,
                                                                           slow_last_days=4, seed=8)
                                                    if t.created_at >= END - timedelta(hours=6)])
    fired = run_rollup(loaded, workspace_id=WS, settings=SETTINGS, now_at=later).fired
    assert [(e.rule, e.day) for e in fired] == [("frt-act-2d", date(2024, 6, 1))]


def test_muted_days_are_known_events_of_that_metric_only(loaded):
    """Muted days take the known-events path (`ChangeDay`, excluded from baselines, noted on the day)
    for the muted metric; the other metrics keep every day."""
    from bot.annotations import for_metric
    from bot.metrics.known_days import known_change_days

    start = datetime(2024, 5, 28, 22, 0, tzinfo=timezone.utc)  # Wed 29 May 00:00 in Berlin
    _mute(loaded, mutes.Target("first_response_time"), start=start, days=3)
    run_rollup(loaded, workspace_id=WS, settings=SETTINGS, now_at=END, full=True)
    with loaded.begin() as s:
        notes = {(r.metric, r.day): (r.evidence or {}).get("annotations") for r in s.scalars(select(DailyMetric).where(
            DailyMetric.day >= date(2024, 5, 28), DailyMetric.dimension == "",
            DailyMetric.metric.in_(("first_response_time", "ticket_volume"))))}
        changes = known_change_days(s, WS, SETTINGS)
    assert notes[("first_response_time", date(2024, 5, 29))] == ["muted: release week"]
    assert notes[("first_response_time", date(2024, 5, 31))] == ["muted: release week"]
    assert not notes[("first_response_time", date(2024, 5, 28))]
    assert not notes[("ticket_volume", date(2024, 5, 30))]
    frt = for_metric(changes, "first_response_time")
    assert sorted(d for d, c in frt.items() if c.exclude) == [date(2024, 5, 29), date(2024, 5, 30), date(2024, 5, 31)]
    assert for_metric(changes, "ticket_volume") == {}


def test_known_days_per_metric_and_segment_mutes_count_for_the_metric():
    tz = SETTINGS.tz
    at = datetime(2024, 5, 28, 22, 0, tzinfo=timezone.utc)
    ws = [mutes.MuteWindow(1, mutes.Target("csat", None, "group", "Billing"), at, at + timedelta(hours=30), None, "U"),
          mutes.MuteWindow(2, mutes.Target("backlog", "backlog-rule"), at, at + timedelta(days=1), "x", "U")]
    assert mutes.known_days(ws, tz) == {"csat": {date(2024, 5, 29): "no reason given", date(2024, 5, 30): "no reason given"},
                                        "backlog": {date(2024, 5, 29): "x"}}
