"""Done when: HubSpot companies on the fake turn matching organizations high-value, and account risk shows
their value and CS owner (a Slack mention when the owner's email is a user of the workspace)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.cli import main
from bot.config import load_settings
from bot.metrics.settings import SegmentSettings
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.storage.crm_models import CrmCompany, CrmMatch
from bot.storage.models import QuarantinedRecord, TicketTouch
from bot.storage.reference import upsert_references, with_reference_ids
from integrations.reference import Reference
from tests.crm.fakes import TOKEN, FakeHubSpot, owner
from tests.fakes.loopback import serve
from tests.fakes.slack import serve_slack
from tests.rituals import factories as f

WS = "default"
NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
CONFIG = """timezone = "UTC"
[slack]
cs_channel = "C0CS"
[accounts]
high_value = ["Initech"]
repeat_contacts = 3
[metrics]
currency = "EUR"
[crm]
value_property = "arr"
tier_property = "tier"
high_value = "value >= 50000 or tier == 'enterprise'"
"""


def hubspot() -> FakeHubSpot:
    fake = FakeHubSpot(owners=[owner("101", "cs.ann@example.com", "Ann", "Lee"),
                               owner("102", "bo@example.com", "Bo", "Ng")])
    fake.company("9001", name="Acme, Inc.", domain="acme.com", arr="120000", tier="growth", hubspot_owner_id="101")
    fake.company("9002", name="Globex Corp.", domain="globex.io", arr="9000", tier="Enterprise",
                 hubspot_owner_id="102")
    fake.company("9003", name="Small Shop GmbH", domain="smallshop.de", arr="1200", tier="starter")
    fake.company("9004", name="Umbrella", domain="umbrella.example", arr="not a number")
    fake.companies.append({"properties": {"name": "record without an id"}})
    return fake


@pytest.fixture
def seeded(session_factory):
    with session_factory.begin() as s:
        # Zendesk's Acme (an id, with its domain); CSV names for the others.
        upsert_references(s, workspace_id=WS, source="zendesk", references=[
            Reference("organization", "6130869157658", "ACME Corporation", domains=("support.acme.com",))])
        for n in range(4):
            s.add(f.ticket(100 + n, NOW - timedelta(days=2, hours=n), organization="6130869157658", source="zendesk"))
            s.add(f.ticket(200 + n, NOW - timedelta(days=3, hours=n), organization="Globex Corporation"))
            s.add(f.ticket(300 + n, NOW - timedelta(days=3, hours=n), organization="Small Shop"))
            s.add(f.ticket(400 + n, NOW - timedelta(days=3, hours=n), organization="Initech"))
    return session_factory


def env_for(tmp_path, db_url: str, url: str, **extra) -> dict[str, str]:
    config = tmp_path / "signalroom.toml"
    config.write_text(CONFIG)
    return {"SIGNALROOM_CONFIG": str(config), "DATABASE_URL": db_url, "HUBSPOT_URL": url, "HUBSPOT_TOKEN": TOKEN,
            "SIGNALROOM_LOG_LEVEL": "WARNING", **extra}


def test_sync_turns_matching_organizations_high_value_and_account_risk_shows_value_and_owner(
        tmp_path, db_url, seeded, capsys):
    fake = hubspot()
    fake.limit_next()  # one 429 on the way: waited out, then retried
    with serve(fake) as url:
        env = env_for(tmp_path, db_url, url)
        assert main(["crm", "sync", "--json"], env) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"companies": 4, "high_value": 2, "quarantined": 2, "matched": 3, "unmatched_organizations": 1,
                      "unmatched_companies": 1, "rate_limited": 1}
    with seeded() as s:
        matches = {m.organization: (m.crm_id, m.method) for m in s.query(CrmMatch)}
        assert matches == {"6130869157658": ("9001", "domain"), "Globex Corporation": ("9002", "name"),
                           "Small Shop": ("9003", "name")}
        assert {q.reason for q in s.query(QuarantinedRecord)} == {"record has no id", "arr is not a number"}
        acme = s.query(CrmCompany).filter_by(crm_id="9001").one()
        assert (acme.value, acme.owner_email, acme.owner_name, acme.high_value) == (120000.0, "cs.ann@example.com",
                                                                                     "Ann Lee", True)
        # The account-tier segment follows the CRM (and the TOML list still counts).
        segments = with_reference_ids(s, workspace_id=WS, segments=SegmentSettings(high_value_orgs=frozenset({"Initech"})))
        assert segments.high_value_orgs == {"Initech", "6130869157658", "Globex Corporation"}
        assert s.query(TicketTouch).count() >= 1  # their days' rollups are redrawn

    settings = load_settings(env)
    with serve_slack(users={"U0ANN": {"name": "ann", "profile": {"email": "cs.ann@example.com"}}}) as slack:
        client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack.api_url, retry_handlers=[])
        runner = Runner(settings, seeded, SlackDelivery(client=client, sleep=lambda s: None))
        (rendered,) = runner.render_now("account_risk", NOW, force=True)
        assert slack.of("users.lookupByEmail")
    text = json.dumps(rendered.message.blocks)
    acme = next(b["text"]["text"] for b in rendered.message.blocks if "ACME Corporation" in json.dumps(b))
    assert acme.startswith(":gem: *ACME Corporation*") and "Account value 120,000 EUR · CS owner <@U0ANN>" in acme
    globex = next(b["text"]["text"] for b in rendered.message.blocks if "Globex" in json.dumps(b))
    assert globex.startswith(":gem:") and "Account value 9,000 EUR · CS owner Bo Ng" in globex  # bo is no Slack user
    assert ":gem: *Initech*" in text  # the TOML list still works
    assert '"*Small Shop*: 4 tickets\\nAccount value 1,200 EUR\\n' in text  # matched, below the rule: no gem


def test_without_the_email_scope_the_owner_is_named_not_mentioned(tmp_path, db_url, seeded):
    from bot.slack.scopes import required_scopes

    with serve(hubspot()) as url:
        env = env_for(tmp_path, db_url, url)
        assert main(["crm", "sync"], env) == 0
    settings = load_settings(env)
    scopes = [s for s in required_scopes() if s != "users:read.email"]
    with serve_slack(users={"U0ANN": {"profile": {"email": "cs.ann@example.com"}}}, scopes=scopes) as slack:
        client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack.api_url, retry_handlers=[])
        runner = Runner(settings, seeded, SlackDelivery(client=client, sleep=lambda s: None))
        (rendered,) = runner.render_now("account_risk", NOW, force=True)
    text = json.dumps(rendered.message.blocks)
    assert "CS owner Ann Lee" in text and "<@U0ANN>" not in text


def test_unmatched_lists_and_status_line(tmp_path, db_url, seeded, capsys):
    with serve(hubspot()) as url:
        env = env_for(tmp_path, db_url, url)
        assert main(["crm", "sync"], env) == 0
        capsys.readouterr()
        assert main(["crm", "unmatched", "--json"], env) == 0
        data = json.loads(capsys.readouterr().out)
        assert [o["name"] for o in data["unmatched_organizations"]] == ["Initech"]
        assert [c["name"] for c in data["unmatched_companies"]] == ["Umbrella"]
        main(["status"], env)
        assert "HubSpot: 4 companies (2 high-value) synced" in capsys.readouterr().out
        main(["status", "--json"], env)
        assert json.loads(capsys.readouterr().out)["crm"]["unmatched_organizations"] == 1


def test_check_and_a_bad_token(tmp_path, db_url, capsys):
    with serve(hubspot()) as url:
        assert main(["crm", "check"], env_for(tmp_path, db_url, url)) == 0
        assert capsys.readouterr().out.startswith("hubspot: ok")
        assert main(["crm", "sync"], env_for(tmp_path, db_url, url, HUBSPOT_TOKEN="pat-na1-wrong")) == 1
        out = capsys.readouterr().out
        assert "authentication failed (HTTP 401)" in out and "pat-na1-wrong" not in out
    bare = {k: v for k, v in env_for(tmp_path, db_url, "http://127.0.0.1:9").items() if k != "HUBSPOT_TOKEN"}
    assert main(["crm", "check"], bare) == 2
    assert "HUBSPOT_TOKEN" in capsys.readouterr().err


def test_a_failed_sync_keeps_the_previous_one(tmp_path, db_url, seeded):
    fake = hubspot()
    with serve(fake) as url:
        env = env_for(tmp_path, db_url, url)
        assert main(["crm", "sync"], env) == 0
        fake.daily_spent()
        assert main(["crm", "sync"], env) == 1
    with seeded() as s:
        assert s.query(CrmCompany).count() == 4 and s.query(CrmMatch).count() == 3
