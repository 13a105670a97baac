"""Ticket facts → daily values, hand-computed."""
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.metrics.columns import columns_from_facts
from bot.metrics.daily import compute_daily
from bot.metrics.facts import local_midnight_at
from bot.metrics.settings import DefinitionSettings, ProductArea, RollupSettings, SegmentSettings
from tests.metrics.factories import T0, make_fact

UTC = timezone.utc
H = 3600.0
BERLIN = RollupSettings(timezone="Europe/Berlin")


def values(facts, settings=BERLIN, start=date(2024, 5, 6), end=date(2024, 5, 9), dims=()):
    rows = compute_daily(columns_from_facts(facts, settings), start=start, end=end, settings=settings,
                         dimensions=dims)
    return {(v.day, v.metric, v.dimension, v.segment): v for v in rows}


def test_durations_are_exact_medians_and_p90s_on_the_event_day():
    facts = [make_fact(ticket_id=str(i), first_response_at=T0 + timedelta(hours=h), solved_at=T0 + timedelta(days=1, hours=h))
             for i, h in enumerate([1, 2, 3, 4, 10])]
    v = values(facts)
    mon, tue = date(2024, 5, 6), date(2024, 5, 7)
    assert v[(mon, "first_response_time", "", "")].value == 3 * H
    assert v[(mon, "first_response_time", "", "")].n == 5
    # p90 of 1,2,3,4,10 h: pos 3.6 → 4 + 0.6 * 6 = 7.6 h
    assert v[(mon, "first_response_time_p90", "", "")].value == pytest.approx(7.6 * H)
    # resolution counts on the solved day (Tuesday): 25, 26, 27, 28, 34 h
    assert v[(tue, "resolution_time", "", "")].value == 27 * H
    assert (mon, "resolution_time", "", "") not in v


def test_day_boundaries_follow_the_team_timezone():
    # 23:30 UTC on Monday is 01:30 Tuesday in Berlin (CEST, UTC+2).
    late = datetime(2024, 5, 6, 23, 30, tzinfo=UTC)
    v = values([make_fact(created_at=late, first_response_at=late + timedelta(minutes=30), solved_at=None, status="open")])
    assert v[(date(2024, 5, 6), "ticket_volume", "", "")].value == 0
    assert v[(date(2024, 5, 7), "ticket_volume", "", "")].value == 1
    assert local_midnight_at(date(2024, 3, 31), BERLIN.tz) == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)


def test_rates_and_their_denominators():
    facts = [
        make_fact(ticket_id="a", csat="satisfied", agent_replies=1, reopens=0),
        make_fact(ticket_id="b", csat="unsatisfied", agent_replies=3, reopens=1),
        make_fact(ticket_id="c", csat=None, agent_replies=None, reassignments=2),
        make_fact(ticket_id="d", csat="satisfied", agent_replies=0, tags=("escalated",)),
    ]
    v = values(facts)
    mon = date(2024, 5, 6)
    csat = v[(mon, "csat", "", "")]
    assert (csat.value, csat.numerator, csat.denominator) == (pytest.approx(2 / 3), 2, 3)
    fcr = v[(mon, "fcr_rate", "", "")]  # c has no reply count: a and d of a, b, d
    assert (fcr.numerator, fcr.denominator) == (2, 3)
    assert v[(mon, "reopen_rate", "", "")].value == 0.25
    assert v[(mon, "escalation_rate", "", "")].value == 0.5  # c reassigned, d tagged


def test_escalation_definition_is_configurable():
    s = RollupSettings(definitions=DefinitionSettings(escalation_by_reassignment=False, escalation_tags=()))
    facts = [make_fact(ticket_id="c", reassignments=2), make_fact(ticket_id="e", escalated=True)]
    v = values(facts, settings=s)
    assert v[(date(2024, 5, 6), "escalation_rate", "", "")].value == 0.5


def test_backlog_and_age_at_end_of_day():
    # Berlin: Monday ends 2024-05-06 22:00 UTC.
    facts = [
        make_fact(ticket_id="open", status="open", solved_at=None),  # created Mon 08:00 UTC
        make_fact(ticket_id="tue", solved_at=T0 + timedelta(days=1)),  # open at end of Monday only
        make_fact(ticket_id="same", solved_at=T0 + timedelta(hours=2)),  # never open at midnight
        make_fact(ticket_id="gone", status="deleted", solved_at=None),
    ]
    v = values(facts)
    mon, tue = date(2024, 5, 6), date(2024, 5, 7)
    assert v[(mon, "backlog", "", "")].value == 2
    assert v[(tue, "backlog", "", "")].value == 1
    assert v[(mon, "backlog_age", "", "")].value == 14 * H  # 08:00 → 22:00 UTC
    assert v[(tue, "backlog_age", "", "")].value == 38 * H


def test_repeat_contacts_within_n_days():
    facts = [
        make_fact(ticket_id="1", requester="r1", created_at=T0 - timedelta(days=3)),
        make_fact(ticket_id="2", requester="r1", created_at=T0),  # 3 days after → repeat
        make_fact(ticket_id="3", requester="r2", created_at=T0),
        make_fact(ticket_id="4", requester="r3", created_at=T0 - timedelta(days=9)),
        make_fact(ticket_id="5", requester="r3", created_at=T0 + timedelta(hours=1)),  # 9 days: not within 7
    ]
    v = values(facts)
    rc = v[(date(2024, 5, 6), "repeat_contact_rate", "", "")]
    assert (rc.numerator, rc.denominator) == (1, 3)


def test_segments_product_area_tier_and_agent():
    s = RollupSettings(segments=SegmentSettings(
        product_areas=(ProductArea("billing", ("refund", "invoice")), ProductArea("login", ("sso", "group:Identity"))),
        high_value_orgs=frozenset({"Acme"})))
    facts = [
        make_fact(ticket_id="1", tags=("refund",), organization="Acme", assignee="alice"),
        make_fact(ticket_id="2", tags=("sso", "invoice"), organization="Other", assignee="bob"),  # billing first
        make_fact(ticket_id="3", group="Identity", organization=None, assignee="bob"),
    ]
    v = values(facts, settings=s, dims=("product_area", "account_tier", "agent"))
    mon = date(2024, 5, 6)
    assert v[(mon, "ticket_volume", "product_area", "billing")].value == 2
    assert v[(mon, "ticket_volume", "product_area", "login")].value == 1
    assert v[(mon, "ticket_volume", "account_tier", "high_value")].value == 1
    assert v[(mon, "ticket_volume", "account_tier", "standard")].value == 2
    assert v[(mon, "ticket_volume", "agent", "bob")].value == 2
    assert (mon, "tickets_per_agent", "agent", "bob") not in v
    tpa = v[(mon, "tickets_per_agent", "", "")]
    assert (tpa.value, tpa.denominator) == (1.5, 2)  # 3 tickets, alice and bob active


def test_optional_metrics_only_when_data_or_config_allows():
    v = values([make_fact()])
    assert not any(k[1] in ("deflection_rate", "cost_per_resolution") for k in v)
    s = RollupSettings(definitions=DefinitionSettings(monthly_support_cost=31000.0))
    v = values([make_fact(bot_involved=True, bot_resolved=True), make_fact(ticket_id="2")], settings=s)
    mon = date(2024, 5, 6)
    assert v[(mon, "deflection_rate", "", "")].value == 0.5
    assert v[(mon, "cost_per_resolution", "", "")].value == 500.0  # 31000/31 per day, 2 solved


def test_business_hours_from_the_team_schedule_where_the_source_reports_none():
    from datetime import time

    from bot.metrics.business_hours import BusinessHours

    hours = RollupSettings(timezone="Europe/Berlin", definitions=DefinitionSettings(
        business_hours=BusinessHours(opens=time(9), closes=time(17))))
    # T0 is Monday 10:00 in Berlin. Created 07:00 local, answered 10:00 local: 3 h by the clock, 1 h open.
    early = T0 - timedelta(hours=3)
    facts = [
        make_fact(ticket_id="1", created_at=early, first_response_at=T0, solved_at=T0 + timedelta(days=1)),
        # the source's own business figure (Zendesk, Intercom) wins over the schedule
        make_fact(ticket_id="2", created_at=early, first_response_at=T0, solved_at=T0 + timedelta(days=1),
                  first_response_business_seconds=1800.0, resolution_business_seconds=7200.0),
    ]
    mon, tue = date(2024, 5, 6), date(2024, 5, 7)
    v = values(facts, settings=hours)
    assert v[(mon, "first_response_time", "", "")].value == 3 * H
    assert v[(mon, "first_response_time_business", "", "")].value == pytest.approx((1 * H + 0.5 * H) / 2)
    # solved Tuesday 10:00: Monday 09–17 (8 h) + Tuesday 09–10 (1 h) = 9 h open; the other reports 2 h
    assert v[(tue, "resolution_time_business", "", "")].value == pytest.approx((9 * H + 2 * H) / 2)
    # a reply on Saturday has no business-hours figure from the schedule (the day is closed)
    saturday = make_fact(ticket_id="3", created_at=T0 + timedelta(days=4), first_response_at=T0 + timedelta(days=5))
    closed = values([saturday], settings=hours, start=date(2024, 5, 10), end=date(2024, 5, 13))
    assert (date(2024, 5, 11), "first_response_time_business", "", "") not in closed
    assert closed[(date(2024, 5, 11), "first_response_time", "", "")].value == 24 * H
    # without a schedule only the reported figures count
    plain = values(facts)
    assert plain[(mon, "first_response_time_business", "", "")].value == 0.5 * H
    assert plain[(mon, "first_response_time_business", "", "")].n == 1


def test_business_hours_from_config_take_holidays_from_annotations(tmp_path):
    from bot.config import load_settings
    from bot.metrics.config_map import rollup_settings

    path = tmp_path / "s.toml"
    path.write_text('timezone = "Europe/Berlin"\n[metrics.business_hours]\ndays = ["mon", "tue", "wed", "thu"]\n'
                    'opens = "08:30"\ncloses = "16:00"\n'
                    '[[annotations]]\ndate = 2024-12-25\nkind = "holiday"\nlabel = "Christmas"\n'
                    '[[annotations]]\ndate = 2024-12-10\nkind = "release"\nlabel = "v2"\n')
    bh = rollup_settings(load_settings({}, config_path=str(path))).definitions.business_hours
    assert (bh.days, bh.opens.isoformat(), bh.closes.isoformat()) == (frozenset({0, 1, 2, 3}), "08:30:00", "16:00:00")
    assert bh.holidays == frozenset({date(2024, 12, 25)})
    assert rollup_settings(load_settings({}, config_path=str(write_empty(tmp_path)))).definitions.business_hours is None


def write_empty(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path
