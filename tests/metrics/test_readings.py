"""The read model: a stored row (or a trigger's evidence) becomes the reading every surface formats, with one
default zone, and "the latest computed day" is one function, scoped by workspace."""
from __future__ import annotations

from datetime import date

import pytest

from bot.metrics import zone_names
from bot.metrics.readings import (
    Reading, computed_span, day_readings, from_evidence, latest_computed_day, latest_reading, reading,
    trigger_reading,
)
from bot.storage.models import DailyMetric, TriggerRow

DAY = date(2026, 11, 19)


def row(**overrides) -> DailyMetric:
    fields = dict(workspace_id="w", day=DAY, metric="csat", dimension="", segment="", value=0.5, n=4,
                  numerator=2.0, denominator=4.0, zone="act_now", expected=0.9, score=-3.1, evidence=None)
    return DailyMetric(**{**fields, **overrides})


FULL = {"value": 0.82, "expected": 0.9, "score": -3.1, "n": 640, "window_days": 7, "same_weekday": True,
        "drifting": True, "absolute": False, "explanation": "CSAT was 82.0 % over the 7 days to 2026-11-19.",
        "annotations": ["release"], "bands": {"watch_below": 0.86, "act_now_below": 0.84}}


@pytest.mark.parametrize(("stored", "expected"), [
    # A fresh row: the value and n its zone was judged on (pooled over the window), the window, the sentence.
    (row(evidence=FULL), dict(value=0.82, n=640, zone="act_now", expected=0.9, window_days=7, same_weekday=True,
                              drifting=True, explanation=FULL["explanation"], annotations=("release",),
                              bands=FULL["bands"], numerator=2.0, denominator=4.0)),
    # An older row keeps the numbers only: no bands, no sentence, a one-day window.
    (row(evidence={"value": 0.7, "expected": 0.9, "score": -1.0, "n": 30}),
     dict(value=0.7, n=30, score=-1.0, window_days=1, explanation="", bands={}, drifting=False)),
    # No evidence at all: the row's own columns.
    (row(evidence=None, value=12.0, n=12, expected=10.0), dict(value=12.0, n=12, expected=10.0, bands={})),
    # No stored zone: the one default rule.
    (row(zone=None), dict(zone=zone_names.DEFAULT)),
    (row(zone=None, evidence={"zone": "watch"}), dict(zone="watch")),
    # A segment row keeps its segment as stored (names are the surfaces' business).
    (row(dimension="product_area", segment="billing"), dict(dimension="product_area", segment="billing")),
])
def test_a_stored_row_reads_as(stored, expected):
    got = reading(stored)
    assert isinstance(got, Reading) and got.day == DAY and got.metric == "csat"
    assert {k: getattr(got, k) for k in expected} == expected


def test_the_default_zone_is_one_rule():
    assert zone_names.DEFAULT == zone_names.INSUFFICIENT_DATA
    assert zone_names.zone_or_default(None) == zone_names.zone_or_default("") == zone_names.DEFAULT
    assert zone_names.zone_or_default("watch") == "watch"
    assert from_evidence(None, metric="csat", day=DAY).zone == zone_names.DEFAULT
    assert reading(row(zone=None, evidence=None)).zone == zone_names.DEFAULT
    # and the counts of the review's "now" and `/metrics` count an unjudged row there too
    assert zone_names.counts(["watch", None, "act_now", "watch"]) == {
        "act_now": 1, "watch": 2, "healthy": 0, "learning": 0, "insufficient_data": 1}


def test_a_trigger_reads_as_the_reading_it_fired_on():
    trig = TriggerRow(workspace_id="w", rule="csat-drop", metric="csat", dimension="product_area", segment="billing",
                      zone="act_now", fired_on=DAY, evidence={**FULL, "since": "2026-11-17"})
    got = trigger_reading(trig)
    assert (got.day, got.zone, got.value, got.window_days, got.since) == (DAY, "act_now", 0.82, 7, date(2026, 11, 17))
    assert (got.dimension, got.segment, got.numerator) == ("product_area", "billing", None)
    assert got.side == "below"


def _seed(session, workspace_id, day, *, dimension="", metric="ticket_volume", segment=""):
    session.add(row(workspace_id=workspace_id, day=day, metric=metric, dimension=dimension, segment=segment))


def test_latest_computed_day_is_scoped_by_workspace_and_overall(session_factory):
    with session_factory.begin() as session:
        for d in (date(2026, 11, 10), date(2026, 11, 17)):
            _seed(session, "w", d)
        _seed(session, "w", date(2026, 11, 12), metric="csat")
        _seed(session, "w", date(2026, 11, 20), dimension="product_area", segment="billing")  # segments only
        _seed(session, "other", date(2026, 11, 25))
        _seed(session, "other", date(2026, 11, 1))
    with session_factory() as session:
        latest = lambda **kw: latest_computed_day(session, workspace_id="w", **kw)  # noqa: E731
        assert latest() == date(2026, 11, 17)
        assert latest(on_or_before=date(2026, 11, 16)) == date(2026, 11, 12)
        assert latest(on_or_before=date(2026, 11, 16), metric="ticket_volume") == date(2026, 11, 10)
        assert latest(metric="csat") == date(2026, 11, 12)
        assert latest(on_or_before=date(2026, 11, 9)) is None
        assert latest(metric="backlog") is None
        assert computed_span(session, workspace_id="w") == (date(2026, 11, 10), date(2026, 11, 17))
        assert computed_span(session, workspace_id="other") == (date(2026, 11, 1), date(2026, 11, 25))
        assert computed_span(session, workspace_id="none") == (None, None)
        assert latest_computed_day(session, workspace_id="none") is None


def test_day_readings_reads_one_day_of_one_workspace(session_factory):
    with session_factory.begin() as session:
        _seed(session, "w", DAY)
        _seed(session, "w", DAY, dimension="product_area", segment="billing")
        _seed(session, "w", date(2026, 11, 18))
        _seed(session, "other", DAY)
    with session_factory() as session:
        overall = day_readings(session, workspace_id="w", day=DAY)
        every = day_readings(session, workspace_id="w", day=DAY, dimension=None)
        billing = day_readings(session, workspace_id="w", day=DAY, dimension="product_area")
    assert [(r.day, r.dimension) for r in overall] == [(DAY, "")]
    assert sorted(r.dimension for r in every) == ["", "product_area"]
    assert [r.segment for r in billing] == ["billing"]


def test_latest_reading_is_the_series_last_day_with_a_value(session_factory):
    with session_factory.begin() as session:
        session.add(row(day=date(2026, 11, 17), evidence={"value": 0.8}))
        session.add(row(day=date(2026, 11, 18), value=None, evidence={"value": None}))  # no tickets that day
        session.add(row(day=date(2026, 11, 16), dimension="product_area", segment="billing", evidence={"value": 0.6}))
        session.add(row(workspace_id="other", day=date(2026, 11, 19), evidence={"value": 0.1}))
    with session_factory() as session:
        overall = latest_reading(session, workspace_id="w", metric="csat")
        billing = latest_reading(session, workspace_id="w", metric="csat", dimension="product_area", segment="billing")
        assert latest_reading(session, workspace_id="w", metric="backlog") is None
    assert (overall.day, overall.value) == (date(2026, 11, 17), 0.8)
    assert (billing.day, billing.value) == (date(2026, 11, 16), 0.6)
