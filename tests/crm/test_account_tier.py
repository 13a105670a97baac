"""The account-tier segment follows the CRM: after a HubSpot sync, the next incremental rollup puts the
matched high-value organization's tickets in the high-value tier (no --full needed)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from bot.config import load_settings
from bot.crm.sync import make_client, sync_companies
from bot.metrics.reads import range_scorecard
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import RollupSettings, SegmentSettings
from bot.storage.reference import upsert_references
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from integrations.reference import Reference
from tests.crm.fakes import TOKEN, FakeHubSpot
from tests.fakes.loopback import serve
from tests.metrics.factories import make_tickets

WS = "default"
END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
ACME = "6130869157658"


def _tickets() -> list[Ticket]:
    return [Ticket(**{**{k: getattr(t, k) for k in t.__dataclass_fields__},
                      "organization": ACME if t.organization == "org1" else t.organization})
            for t in make_tickets(days=40, per_day=12, end_at=END)]


def _tiers(session_factory, settings: RollupSettings) -> dict[str, float]:
    with session_factory.begin() as s:
        card = range_scorecard(s, workspace_id=WS, settings=settings, start=date(2024, 4, 22), end=date(2024, 5, 31),
                               dimension="account_tier")
    return {e.segment["account_tier"]: e.value for e in card.entries if e.key == "ticket_volume"}


def test_incremental_rollup_after_a_sync_moves_the_account_to_high_value(tmp_path, session_factory):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=_tickets())
        upsert_references(s, workspace_id=WS, source="zendesk",
                          references=[Reference("organization", ACME, "Acme Corp", domains=("acme.com",))])
    rollup = RollupSettings(timezone="UTC", segments=SegmentSettings())
    run_rollup(session_factory, workspace_id=WS, settings=rollup, now_at=END, full=True)
    assert "high_value" not in _tiers(session_factory, rollup)

    config = tmp_path / "signalroom.toml"
    config.write_text('[crm]\nhigh_value = "value >= 50000"\n')
    fake = FakeHubSpot()
    fake.company("9001", name="Acme, Inc.", domain="acme.com", annualrevenue="250000")
    with serve(fake) as url, httpx.Client() as http:
        settings = load_settings({"HUBSPOT_URL": url, "HUBSPOT_TOKEN": TOKEN}, config_path=str(config))
        report = sync_companies(session_factory, settings, client=make_client(settings, http=http), now=END)
    assert (report.high_value, report.matched) == (1, 1)

    run_rollup(session_factory, workspace_id=WS, settings=rollup, now_at=END)  # incremental
    acme = sum(1 for t in _tickets() if t.organization == ACME
               and datetime(2024, 4, 22, tzinfo=UTC) <= t.created_at < datetime(2024, 6, 1, tzinfo=UTC))
    assert _tiers(session_factory, rollup)["high_value"] == acme > 0


def test_a_changed_rule_takes_effect_from_the_stored_properties_without_a_sync(tmp_path, session_factory):
    from bot.crm.sync import run_if_due
    from bot.storage.crm import high_value_organizations

    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id=WS, tickets=_tickets())
        upsert_references(s, workspace_id=WS, source="zendesk",
                          references=[Reference("organization", ACME, "Acme Corp", domains=("acme.com",))])
    rollup = RollupSettings(timezone="UTC", segments=SegmentSettings())
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "UTC"\n[crm]\ntier_property = "tier"\nhigh_value = "value >= 500000"\n')
    fake = FakeHubSpot()
    fake.company("9001", name="Acme, Inc.", domain="acme.com", annualrevenue="250000", tier="Enterprise")
    with serve(fake) as url, httpx.Client() as http:
        env = {"HUBSPOT_URL": url, "HUBSPOT_TOKEN": TOKEN}
        settings = load_settings(env, config_path=str(config))
        assert sync_companies(session_factory, settings, client=make_client(settings, http=http), now=END).matched == 1
        run_rollup(session_factory, workspace_id=WS, settings=rollup, now_at=END, full=True)
        assert "high_value" not in _tiers(session_factory, rollup)
        with session_factory() as s:
            assert high_value_organizations(s, workspace_id=WS) == set()

        config.write_text('timezone = "UTC"\n[crm]\ntier_property = "tier"\nhigh_value = "tier == \'enterprise\'"\n')
        changed = load_settings(env, config_path=str(config))
        asked = len(fake.requests)
        assert run_if_due(session_factory, changed, now=END) is None  # synced today: no sync, no request
        assert len(fake.requests) == asked
    with session_factory() as s:
        assert high_value_organizations(s, workspace_id=WS) == {ACME}  # the new rule over the stored properties
    run_rollup(session_factory, workspace_id=WS, settings=rollup, now_at=END)  # incremental: the days were touched
    assert _tiers(session_factory, rollup).get("high_value", 0) > 0
