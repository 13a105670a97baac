"""Table-driven tests of the pure decision functions."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.config import RouteConfig, load_settings
from bot.metrics.facts import AreaMatcher
from bot.metrics.settings import ProductArea, SegmentSettings
from bot.rituals import accounts, alerts, digests, leadership, quarterly, reminders
from bot.rituals.store import TicketFact
from tests.rituals.scenario import settings as make_settings

# ---------- reminders ----------


@pytest.mark.parametrize(("due", "today", "before", "expected"), [
    (date(2026, 11, 25), date(2026, 11, 24), 1, "before"),
    (date(2026, 11, 25), date(2026, 11, 23), 1, None),
    (date(2026, 11, 25), date(2026, 11, 23), 2, "before"),
    (date(2026, 11, 25), date(2026, 11, 24), 0, None),
    (date(2026, 11, 25), date(2026, 11, 25), 1, "due"),
    (date(2026, 11, 25), date(2026, 11, 26), 1, "overdue"),
    (date(2026, 11, 25), date(2026, 12, 9), 1, "overdue"),
    (None, date(2026, 11, 25), 1, None),
    # working days: Monday's due date is reminded on Friday, not on Sunday
    (date(2026, 11, 30), date(2026, 11, 27), 1, "before"),
    (date(2026, 11, 30), date(2026, 11, 29), 1, None),
    (date(2026, 11, 30), date(2026, 11, 26), 2, "before"),
    # a due date on a weekend counts from the Monday after: Friday before, Monday due, Tuesday overdue
    (date(2026, 11, 28), date(2026, 11, 27), 1, "before"),
    (date(2026, 11, 28), date(2026, 11, 28), 1, None),
    (date(2026, 11, 28), date(2026, 11, 30), 1, "due"),
    (date(2026, 11, 28), date(2026, 12, 1), 1, "overdue"),
])
def test_reminder_kind(due, today, before, expected):
    assert reminders.reminder_kind(due, today, before) == expected


@pytest.mark.parametrize(("due", "today", "skip_weekends", "expected"), [
    (date(2026, 11, 28), date(2026, 12, 1), True, 1),  # due Saturday = Monday: Tuesday is one day late
    (date(2026, 11, 27), date(2026, 11, 30), True, 1),  # due Friday: Monday is one working day late
    (date(2026, 11, 27), date(2026, 11, 30), False, 3),
    (date(2026, 11, 27), date(2026, 11, 27), True, 0),
])
def test_days_overdue_counts_working_days(due, today, skip_weekends, expected):
    assert reminders.days_overdue(due, today, skip_weekends=skip_weekends) == expected


def test_weekend_due_date_reminds_friday_then_monday(tmp_path):
    """Due on Saturday: one reminder on Friday ('due' Monday), one on Monday ('due today'), in the owner's zone."""
    cfg = make_settings(tmp_path)
    owner_tz = "America/New_York"
    act = SimpleNamespace(id=1, owner="U0NYC", status="open", snoozed_until=None, last_reminded_at=None,
                          due_on=date(2026, 11, 28), metric="csat", description="Call back")
    kinds = {}
    for day in (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 30)):
        now = datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)  # 11:00 in New York
        out = reminders.decide([act], owner_timezones={"U0NYC": owner_tz}, now=now, settings=cfg)
        kinds[day] = [(i.kind, i.due_on) for r in out for i in r.items]
    assert kinds == {date(2026, 11, 26): [], date(2026, 11, 27): [("before", date(2026, 11, 30))],
                     date(2026, 11, 28): [], date(2026, 11, 30): [("due", date(2026, 11, 30))]}


@pytest.mark.parametrize(("status", "snoozed", "expected"), [
    ("open", None, True), ("carried", None, True), ("done", None, False), ("closed", None, False),
    ("snoozed", date(2026, 11, 24), False), ("snoozed", date(2026, 11, 23), True),
])
def test_remindable(status, snoozed, expected):
    assert reminders.remindable(status, snoozed, date(2026, 11, 23)) is expected


def _action(id, owner, due_on, **kw):
    return SimpleNamespace(id=id, owner=owner, due_on=due_on, status=kw.get("status", "open"),
                           snoozed_until=kw.get("snoozed_until"), last_reminded_at=kw.get("last_reminded_at"),
                           metric="csat", description=f"item {id}")


def test_decide_one_dm_per_owner_in_their_own_hours(tmp_path):
    s = make_settings(tmp_path)
    acts = [_action(1, "U0BER", date(2026, 11, 20)), _action(2, "U0BER", date(2026, 11, 23)),
            _action(3, "U0NYC", date(2026, 11, 22)), _action(4, "U0BER", date(2026, 12, 20)),
            _action(5, "U0BER", date(2026, 11, 20), last_reminded_at=datetime(2026, 11, 23, 8, tzinfo=UTC))]
    tzs = {"U0BER": "Europe/Berlin", "U0NYC": "America/New_York"}
    # 09:30 Berlin = 03:30 New York: only the Berlin owner now, with overdue first
    morning = reminders.decide(acts, owner_timezones=tzs, now=datetime(2026, 11, 23, 8, 30, tzinfo=UTC), settings=s)
    assert [(r.owner, [(i.action_id, i.kind) for i in r.items]) for r in morning] == [
        ("U0BER", [(1, "overdue"), (2, "due")])]
    # 09:30 New York
    later = reminders.decide(acts, owner_timezones=tzs, now=datetime(2026, 11, 23, 14, 30, tzinfo=UTC), settings=s)
    assert [r.owner for r in later] == ["U0BER", "U0NYC"]
    # Saturday: nobody
    assert reminders.decide(acts, owner_timezones=tzs, now=datetime(2026, 11, 28, 10, tzinfo=UTC), settings=s) == []
    # before the reminders' configured time (09:00) in the owner's zone: not yet
    assert reminders.decide(acts, owner_timezones=tzs, now=datetime(2026, 11, 23, 7, 59, tzinfo=UTC), settings=s) == []


# ---------- alerts ----------


def _item(trigger_id, zone="act_now"):
    return alerts.AlertItem(trigger_id, "r", "csat", "CSAT", "", zone, "61 %", "88 %", "", date(2026, 11, 20), None,
                            None, None, (), None, None)


def test_alerts_grouped_per_channel_act_now_first():
    groups = alerts.group_by_channel([("C2", _item(3)), ("C1", _item(2, "watch")), ("C1", _item(5)), ("C1", _item(1, "watch"))])
    assert [(g.channel, [i.trigger_id for i in g.items]) for g in groups] == [("C1", [5, 1, 2]), ("C2", [3])]
    assert groups[0].key.period == "t-1-2-5"


# ---------- digests and accounts ----------


def fact(n, *, tags=(), csat=None, org=None, escalated=False, subject="s", days_ago=1, resolution=3600.0,
         source="csv"):
    created = datetime(2026, 11, 23, 10, tzinfo=UTC) - timedelta(days=days_ago)
    return TicketFact(n, source, str(n), created, created + timedelta(hours=1), resolution, org, None, tuple(tags),
                      subject, csat, escalated, 0, 1, 0, False, False)


def areas(**match: tuple[str, ...]) -> AreaMatcher:
    return AreaMatcher(SegmentSettings(product_areas=tuple(ProductArea(name, m) for name, m in match.items())))


BILLING_LOGIN = areas(billing=("billing",), login=("login",))


def test_digest_themes_growth_and_notability():
    route = RouteConfig(product_area="billing", channel="C0BILLING")
    week = ([fact(i, tags=["billing", "payment_failed"], csat="unsatisfied" if i % 2 else "satisfied") for i in range(12)]
            + [fact(100 + i, tags=["billing"], subject="Invoice copy") for i in range(3)]
            + [fact(200 + i, tags=["login"], csat="satisfied") for i in range(20)])
    prior = [fact(300 + i, tags=["billing", "payment_failed"], days_ago=10 + i) for i in range(16)]
    d = digests.build(route, areas=BILLING_LOGIN, week=week, prior=prior, everyone_week=week,
                      week_start=date(2026, 11, 16), period="2026-W48", url_for=lambda t: None)
    assert [(t.label, t.count, t.growth) for t in d.themes] == [("payment failed", 12, "+200 %"), ("Invoice copy", 3, "new")]
    assert d.themes[0].notable and d.notable
    assert d.themes[0].csat == 0.5 and d.csat_overall is not None and d.csat_overall > 0.7
    quiet = digests.build(route, areas=BILLING_LOGIN, week=prior[:4], prior=prior, everyone_week=prior[:4],
                          week_start=date(2026, 11, 16), period="2026-W48", url_for=lambda t: None)
    assert not quiet.notable


def test_digest_reads_the_themes_runs_weekly_counts():
    """With a stored run, a theme's line is the run's count for the week (what `signalroom themes` shows),
    listed in the digest of the theme's product area; tags no longer name themes."""
    from bot.themes.service import ThemeWeekCount

    route = RouteConfig(product_area="billing", channel="C0BILLING")
    week = [fact(i, tags=["billing", "payment_failed" if i % 2 else "invoice"]) for i in range(12)]
    runs = [ThemeWeekCount("T1", "Checkout payments fail", "billing", date(2026, 11, 16), 14, 4.0, True, 0.5, 7200.0,
                           (3, 1, 99), frozenset(range(12))),
            ThemeWeekCount("T2", "Password reset", "login", date(2026, 11, 16), 30, 28.0, False, None, None, (), frozenset()),
            ThemeWeekCount("T3", "Invoice copy", "billing", date(2026, 11, 16), 5, 5.0, False, None, None, (), frozenset())]
    d = digests.build(route, areas=BILLING_LOGIN, week=week, prior=[], everyone_week=week,
                      week_start=date(2026, 11, 16), period="2026-W48", url_for=lambda t: None, theme_weeks=runs)
    assert [(t.label, t.count, t.growth, t.direction) for t in d.themes] == [
        ("Checkout payments fail", 14, "+250 %", "rising"), ("Invoice copy", 5, "+0 %", "steady")]
    assert d.themes[0].examples == (("3", None), ("1", None))  # ticket 99 is not in this week's tickets
    assert d.themes[0].resolution == "2.0 h" and d.themes[0].notable and d.notable


def test_digest_route_matches_tickets_by_a_field_rule_as_metrics_do():
    """`[product_areas] enterprise = ["organization:Northwind"]`: untagged Northwind tickets are in its digest."""
    route = RouteConfig(product_area="enterprise", channel="C0ENTERPRISE")
    matcher = areas(enterprise=("organization:Northwind",), chat=("source:intercom",), billing=("billing",))
    week = ([fact(i, org="Northwind", tags=["sso_broken"]) for i in range(6)]
            + [fact(10 + i, org="Acme", tags=["sso_broken"]) for i in range(4)]  # same theme, another customer
            + [fact(20 + i, org="Northwind", tags=["billing"], subject="Invoice copy") for i in range(2)]
            + [fact(30 + i, org="Acme", source="intercom", tags=["sso_broken"]) for i in range(3)])
    d = digests.build(route, areas=matcher, week=week, prior=[], everyone_week=week, week_start=date(2026, 11, 16),
                      period="2026-W48", url_for=lambda t: None)
    assert d.tickets == 8  # Northwind's billing tickets too: the first matching area wins
    # an area's tag is never a theme: those two are named by their subject
    assert [(t.label, t.count) for t in d.themes] == [("sso broken", 6), ("Invoice copy", 2)]
    chat = digests.build(RouteConfig(product_area="chat", channel="C0CHAT"), areas=matcher, week=week, prior=[],
                         everyone_week=week, week_start=date(2026, 11, 16), period="2026-W48", url_for=lambda t: None)
    assert chat.tickets == 3


def test_digest_areas_come_from_config(tmp_path):
    # A routed area must be defined in [product_areas] (config check refuses one that is not).
    path = tmp_path / "areas.toml"
    path.write_text('[product_areas]\nenterprise = ["organization:Northwind"]\nlogin = ["login"]\n'
                    '[[routing]]\nproduct_area = "enterprise"\nchannel = "C0ENTERPRISE"\n'
                    '[[routing]]\nproduct_area = "login"\nchannel = "C0LOGIN"\n')
    matcher = digests.digest_areas(load_settings({}, config_path=str(path)))
    assert digests.area_of(fact(1, org="Northwind", tags=["login"]), matcher) == "enterprise"
    assert digests.area_of(fact(2, org="Acme", tags=["login"]), matcher) == "login"
    assert digests.area_of(fact(3, org="Acme", tags=["billing"]), matcher) is None


def test_accounts_high_value_first_then_contacts():
    tickets = ([fact(i, org="Acme", csat="unsatisfied") for i in range(5)] + [fact(10 + i, org="Northwind") for i in range(3)]
               + [fact(20 + i, org="Tiny") for i in range(2)])
    busy = [fact(40 + i, org="Busy Corp") for i in range(6)]
    prior = [fact(60 + i, org="Busy Corp", days_ago=20) for i in range(20)]  # 5 a window, usually
    risks = accounts.at_risk(tickets + busy, high_value=["northwind"], threshold=3, url_for=lambda t: None,
                             prior=prior, windows_in_prior=4)
    assert [(r.organization, r.high_value, r.contacts, r.bad_csat) for r in risks] == [
        ("Northwind", True, 3, 0), ("Acme", False, 5, 5)]


# ---------- leadership and quarterly ----------


S = leadership.PeriodSample
SLOW = tuple(7200.0 * (1 + 0.3 * ((i * 7) % 5 - 2) / 2) for i in range(200))
FAST = tuple(v / 2 for v in SLOW)


@pytest.mark.parametrize(("key", "now", "before", "expected"), [
    ("csat", S(450, 500), S(400, 500), "better"),  # 90 % against 80 % on 500 ratings each
    ("csat", S(400, 500), S(450, 500), "worse"),
    ("csat", S(42, 50), S(40, 50), "steady"),  # 84 % against 80 % on 50 ratings: noise (±2 % said "better")
    ("fcr_rate", S(702, 1000), S(700, 1000), "steady"),
    ("resolution_time", S(values=FAST), S(values=SLOW), "better"),
    ("resolution_time", S(values=SLOW[:3]), S(values=SLOW[3:6]), "steady"),
    ("cost_per_resolution", S(count=900), S(count=1000), "worse"),  # fewer resolutions for the same cost
    ("cost_per_resolution", S(count=1010), S(count=1000), "steady"),
    ("csat", S(9, 10), None, "new"),
])
def test_leadership_trend(key, now, before, expected):
    assert leadership.trend(key, now, before) == expected


def test_leadership_kpis_from_tickets():
    solved = [fact(i, csat="satisfied" if i < 8 else "unsatisfied") for i in range(10)]
    values = leadership.kpi_values(solved, 1000.0)
    assert values["csat"] == 0.8 and values["cost_per_resolution"] == 100.0 and values["deflection_rate"] is None
    assert len(leadership.kpis(values, values)) == 4  # deflection unknown: left out
    samples = leadership.kpi_samples(solved, 1000.0)
    assert samples["csat"] == leadership.PeriodSample(8, 10) and samples["deflection_rate"] is None
    figures = leadership.kpis(values, values, this_samples=samples, last_samples=samples)
    assert {k.trend for k in figures} == {"steady"}


@pytest.mark.parametrize(("fired", "actions", "open_days", "expected"), [
    (0, 0, 0, "never fires"), (3, 0, 10, "decorative?"), (2, 2, 10, "useful"), (5, 5, 60, "always fires"),
])
def test_quarterly_rule_verdict(fired, actions, open_days, expected):
    assert quarterly.rule_verdict(fired, actions, open_days, 92) == expected


def test_previous_quarter():
    assert quarterly.previous_quarter(date(2026, 10, 5)) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert quarterly.previous_quarter(date(2027, 1, 4)) == (date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")


@pytest.mark.parametrize(("now", "owners"), [
    # 2026-03-16: New York is on summer time (since Mar 8), Berlin not yet (Mar 29): 13:00 UTC = 09:00 NY
    (datetime(2026, 3, 16, 13, 0, tzinfo=UTC), ["U0BER", "U0NYC"]),
    # two weeks earlier, 13:00 UTC is 08:00 in New York: only Berlin
    (datetime(2026, 3, 2, 13, 0, tzinfo=UTC), ["U0BER"]),
    # 2026-03-30, both on summer time: 07:00 UTC = 09:00 Berlin, 03:00 New York
    (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), ["U0BER"]),
])
def test_reminders_follow_each_owners_dst(tmp_path, now, owners):
    s = make_settings(tmp_path)
    acts = [_action(1, "U0BER", date(2026, 3, 1)), _action(2, "U0NYC", date(2026, 3, 1))]
    tzs = {"U0BER": "Europe/Berlin", "U0NYC": "America/New_York"}
    assert [r.owner for r in reminders.decide(acts, owner_timezones=tzs, now=now, settings=s)] == owners


def test_owner_dms_skip_recovered_items_and_email_owners():
    open_item = _item(1)
    import dataclasses

    mine = dataclasses.replace(open_item, owner="U0LEAD")
    email = dataclasses.replace(_item(2), owner="lead@example.com")
    done = dataclasses.replace(_item(3), owner="U0LEAD", recovered_on=date(2026, 11, 25))
    groups = alerts.group_by_channel([("C1", mine), ("C1", email), ("C1", done)])
    assert [(o, k.period, [i.trigger_id for i in items]) for o, k, items, _c in alerts.owner_dms(groups)] == [
        ("U0LEAD", "t-1-2-3", [1])]


def test_reminders_group_an_owner_named_by_email_with_their_slack_id(tmp_path):
    s = make_settings(tmp_path)
    acts = [_action(1, "U0BER", date(2026, 3, 1)), _action(2, "ber@example.com", date(2026, 3, 1))]
    out = reminders.decide(acts, owner_timezones={"U0BER": "Europe/Berlin"}, now=datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
                           settings=s, owner_ids={"ber@example.com": "U0BER", "U0BER": "U0BER"})
    assert [(r.owner, [i.action_id for i in r.items]) for r in out] == [("U0BER", [1, 2])]
