"""Rituals read the value a zone was judged on (pooled for rates), like the scorecard does."""
from __future__ import annotations

from datetime import date

from bot.rituals import store
from bot.storage.models import DailyMetric


def test_daily_reads_the_judged_value_and_keeps_raw_counts(session_factory):
    with session_factory.begin() as session:
        session.add(DailyMetric(
            workspace_id="w", day=date(2026, 5, 4), metric="csat", dimension="", segment="", value=0.5, n=4,
            numerator=2, denominator=4, zone="act_now", expected=0.9,
            evidence={"value": 0.82, "n": 640, "bands": {"watch_below": 0.86, "act_now_below": 0.84}},
        ))
    with session_factory() as session:
        (day,) = store.daily(session, workspace_id="w", start=date(2026, 5, 1), end=date(2026, 5, 7))
    assert (day.value, day.n) == (0.82, 640)
    assert (day.numerator, day.denominator) == (2, 4)
    assert day.bands["act_now_below"] == 0.84
