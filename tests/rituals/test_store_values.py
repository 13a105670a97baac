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


def test_digest_tickets_carry_every_field_a_product_area_rule_can_name(session_factory):
    """`[product_areas] billing = ["group:Billing"]` routes untagged Billing-group tickets to the billing digest."""
    from datetime import datetime, timedelta, timezone

    from bot.metrics.facts import AreaMatcher
    from bot.metrics.settings import ProductArea, SegmentSettings
    from bot.rituals import digests
    from bot.storage.tickets import upsert_tickets
    from integrations.base import Ticket

    at = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=[
            Ticket(source="zendesk", external_id="1", status="open", created_at=at, updated_at=at, group="Billing",
                   channel="email", priority="high", assignee="ana"),
            Ticket(source="zendesk", external_id="2", status="open", created_at=at, updated_at=at, group="Tech",
                   channel="chat", priority="low", assignee="bo"),
        ])
    with session_factory() as session:
        got = store.tickets(session, workspace_id="w", created_from=at - timedelta(days=1), created_to=at + timedelta(days=1))
    matcher = AreaMatcher(SegmentSettings(product_areas=(
        ProductArea("billing", ("group:Billing",)), ProductArea("live", ("channel:chat",)))))
    assert {t.external_id: digests.area_of(t, matcher) for t in got} == {"1": "billing", "2": "live"}
    assert {t.external_id: (t.priority, t.assignee) for t in got} == {"1": ("high", "ana"), "2": ("low", "bo")}
