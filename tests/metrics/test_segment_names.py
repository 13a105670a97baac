"""Every reader shows names for the ids API sources store: scorecards, JSON, alerts, the review,
account risk, the action log and the agent view; a rename reads on old days too."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.actions.service import action_json
from bot.config import load_settings
from bot.metrics.reads import range_scorecard, scorecard
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import RollupSettings, Rule, SegmentSettings
from bot.rituals import accounts, alerts
from bot.slack.readings import agent_figures, is_agent, metric_detail
from bot.storage.reference import upsert_references
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from integrations.reference import Reference
from tests.metrics.factories import make_tickets
from tests.rituals import factories as f

WS = "default"
END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
NAMES = [Reference("group", "101", "Billing"), Reference("group", "102", "Tech support"),
         Reference("agent", "201", "Ann Agent", "ann@example.com", "agent", True),
         Reference("organization", "6130869157658", "Acme Corp", domains=("acme.com",))]


def _tickets():
    out = []
    for t in make_tickets(days=40, per_day=12, end_at=END, groups=("101", "102")):
        out.append(Ticket(**{**{k: getattr(t, k) for k in t.__dataclass_fields__},
                             "assignee": "201" if t.assignee == "agent0" else t.assignee,
                             "organization": "6130869157658" if t.organization == "org1" else t.organization}))
    return out


@pytest.fixture
def named(session_factory):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=_tickets())
        upsert_references(s, workspace_id=WS, source="zendesk", references=NAMES)
    return session_factory


def test_scorecard_segments_read_as_names_with_the_id_alongside(named):
    settings = RollupSettings(timezone="UTC")
    run_rollup(named, workspace_id=WS, settings=settings, now_at=END, full=True)
    with named.begin() as s:
        card = scorecard(s, workspace_id=WS, settings=settings, dimension="group")
        segments = {e.segment["group"] for e in card.entries}
        assert segments == {"Billing", "Tech support"}
        entry = next(e.to_dict() for e in card.entries if e.segment == {"group": "Billing"})
        assert entry["segment_id"] == {"group": "101"} and "101" not in entry["explanation"]
        assert json.dumps(card.to_dict())  # the CLI's --json
        ranged = range_scorecard(s, workspace_id=WS, settings=settings, start=date(2024, 5, 20),
                                 end=date(2024, 5, 31), dimension="group")
        assert {e.segment["group"] for e in ranged.entries} == {"Billing", "Tech support"}
        agents = scorecard(s, workspace_id=WS, settings=settings, dimension="agent")
        assert "Ann Agent" in {e.segment["agent"] for e in agents.entries}
        slack = metric_detail(s, workspace_id=WS, metric="ticket_volume", days=7, by="group")
        assert {r.segment for r in slack.segments} == {"Billing", "Tech support"}

    # Renamed in the helpdesk: every stored day reads with the new name, no recompute needed.
    with named.begin() as s:
        upsert_references(s, workspace_id=WS, source="zendesk", references=[Reference("group", "101", "Payments")])
    with named.begin() as s:
        card = scorecard(s, workspace_id=WS, settings=settings, day=date(2024, 5, 1), dimension="group")
        assert {e.segment["group"] for e in card.entries} == {"Payments", "Tech support"}


def test_high_value_accounts_by_domain_match_organization_ids(named):
    settings = RollupSettings(timezone="UTC", segments=SegmentSettings(high_value_orgs=frozenset({"acme.com"})))
    run_rollup(named, workspace_id=WS, settings=settings, now_at=END, full=True)
    with named.begin() as s:
        tiers = {e.segment["account_tier"]: e.value for e in
                 range_scorecard(s, workspace_id=WS, settings=settings, start=date(2024, 4, 22), end=date(2024, 5, 31),
                                 dimension="account_tier").entries if e.key == "ticket_volume"}
    acme = sum(1 for t in _tickets() if t.organization == "6130869157658"
               and datetime(2024, 4, 22, tzinfo=UTC) <= t.created_at < datetime(2024, 6, 1, tzinfo=UTC))
    assert tiers[settings.segments.high_value_tier] == acme > 0


def test_agent_view_matches_the_synced_email(named):
    with named.begin() as s:
        since, until = END - timedelta(days=60), END
        figures = agent_figures(s, workspace_id=WS, since_at=since, until_at=until, email="ANN@example.com")
        expected = sum(1 for t in _tickets() if t.assignee == "201" and t.solved_at and since <= t.solved_at < until)
        assert figures.volume == expected > 0
        assert is_agent(s, workspace_id=WS, email="ann@example.com")
        assert not is_agent(s, workspace_id=WS, email="nobody@example.com")


def _settings(tmp_path, extra=""):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "UTC"\n[slack]\nalerts_channel = "C0ALERTS"\ncs_channel = "C0CS"\n' + extra)
    return load_settings({}, config_path=str(path))


def test_alert_action_log_and_account_risk_show_names(tmp_path, named):
    settings = _settings(tmp_path, '[accounts]\nhigh_value = ["acme.com"]\nrepeat_contacts = 3\nrepeat_window_days = 14\n')
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with named.begin() as s:
        s.add(f.trigger("frt-by-group", "first_response_time", date(2026, 11, 19), dimension="group", segment="101",
                        evidence={"value": 9000, "expected": 3600,
                                  "explanation": "First response time for group 101 is 2.5 h"}))
        s.add(f.action("first_response_time", "U0LEAD", due_on=date(2026, 11, 26), dimension="group", segment="102"))
        for n in range(4):
            s.add(f.ticket(9000 + n, now - timedelta(days=2, hours=n), organization="6130869157658", source="zendesk"))
    with named.begin() as s:
        (group,) = alerts.pending_alerts(s, settings=settings)
        (item,) = group.items
        assert item.segment == "Billing (group)" and item.explanation == "First response time for group Billing is 2.5 h"
        from bot.actions.service import list_actions
        from bot.storage.reference import segment_names

        (act,) = list_actions(s, workspace_id=WS)
        names = segment_names(s, workspace_id=WS, pairs=[(act.dimension, act.segment)])
        row = action_json(act, segment_name=names.get((act.dimension, act.segment)))
        assert row["segment"] == {"group": "Tech support"} and row["segment_id"] == {"group": "102"}
        from bot.slack.present import action_row

        assert action_row(act)["segment"] == "group=Tech support"  # /metrics actions, App Home, the log
        report = accounts.gather(s, settings=settings, now=now, period="p")
        (risk,) = report.accounts
        assert (risk.organization, risk.high_value, risk.contacts) == ("Acme Corp", True, 4)


def test_a_rule_written_with_a_group_name_fires_on_its_id(session_factory):
    from sqlalchemy import select

    from bot.storage.models import TriggerRow

    slow = [Ticket(**{**{k: getattr(t, k) for k in t.__dataclass_fields__}})
            for t in make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3, groups=("101", "102"))]
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=slow)
        upsert_references(s, workspace_id=WS, source="zendesk", references=NAMES)
    rule = Rule("frt-billing", "first_response_time", "act_now", days=2, recovery_days=2, dimension="group",
                segments=("billing",))
    run_rollup(session_factory, workspace_id=WS, settings=RollupSettings(timezone="Europe/Berlin", rules=(rule,)),
               now_at=END, full=True)
    with session_factory.begin() as s:
        fired = {t.segment for t in s.scalars(select(TriggerRow).where(TriggerRow.rule == "frt-billing"))}
    assert fired == {"101"}


def test_a_product_area_written_with_a_group_name_matches_its_id(named):
    from bot.metrics.settings import ProductArea

    segments = SegmentSettings(product_areas=(ProductArea("payments", ("group:Billing",)),))
    settings = RollupSettings(timezone="UTC", segments=segments)
    run_rollup(named, workspace_id=WS, settings=settings, now_at=END, full=True)
    with named.begin() as s:
        areas = {e.segment["product_area"]: e.value for e in
                 range_scorecard(s, workspace_id=WS, settings=settings, start=date(2024, 4, 22), end=date(2024, 5, 31),
                                 dimension="product_area").entries if e.key == "ticket_volume"}
    expected = sum(1 for t in _tickets() if t.group == "101"
                   and datetime(2024, 4, 22, tzinfo=UTC) <= t.created_at < datetime(2024, 6, 1, tzinfo=UTC))
    assert areas["payments"] == expected > 0
