"""Reference passes: documented record shapes parsed, paged as the vendors page, within each refresh budget."""
from datetime import UTC, datetime

import httpx
import pytest

from integrations import freshdesk, intercom, reference, zendesk
from integrations.base import Checkpoint, SourceFatalError
from integrations.reference import Reference
from tests.fakes import reference as fr
from tests.fakes.clock import FakeClock
from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.intercom import FakeIntercom
from tests.fakes.zendesk import FakeZendesk

START = datetime(2023, 1, 1, tzinfo=UTC)


def refs(pages):
    return [r for p in pages for r in p.references]


def checkpoints(pages):
    return {p.checkpoint.stream: p.checkpoint for p in pages if p.checkpoint is not None}


# -- parsers ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (reference.zendesk_user, fr.zendesk_user(201, "Ann Agent", "ann@example.com", role="admin"),
         Reference("agent", "201", "Ann Agent", "ann@example.com", "admin", True)),
        (reference.zendesk_user, dict(fr.zendesk_user(202, "Sam", "sam@example.com"), suspended=True),
         Reference("agent", "202", "Sam", "sam@example.com", "agent", False)),
        (reference.zendesk_group, fr.zendesk_group(101, "Billing"), Reference("group", "101", "Billing", active=True)),
        (reference.zendesk_organization, fr.zendesk_organization(6130869157658, "Acme", ["acme.com", "www.acme.de"]),
         Reference("organization", "6130869157658", "Acme", active=True, domains=("acme.com", "acme.de"))),
        (reference.zendesk_brand, fr.zendesk_brand(7, "Acme Help", "acmehelp"),
         Reference("brand", "7", "Acme Help", active=True, domains=("acmehelp.zendesk.com",))),
        (reference.freshdesk_agent, fr.freshdesk_agent(67013469919, "Fay Desk", "fay@example.com", active=False),
         Reference("agent", "67013469919", "Fay Desk", "fay@example.com", "support_agent", False)),
        (reference.freshdesk_group, fr.freshdesk_group(300, "Tier 1"), Reference("group", "300", "Tier 1")),
        (reference.freshdesk_company, fr.freshdesk_company(67001265522, "Globex", ["globex.com"]),
         Reference("organization", "67001265522", "Globex", domains=("globex.com",))),
        (reference.intercom_admin, fr.intercom_admin("4423433", "Ian Com", "ian@example.com"),
         Reference("agent", "4423433", "Ian Com", "ian@example.com", "Support", True)),
        (reference.intercom_team, fr.intercom_team("55", "Escalations"), Reference("group", "55", "Escalations")),
        (reference.intercom_company, fr.intercom_company("c1", "Initech", "https://www.initech.io/about"),
         Reference("organization", "c1", "Initech", domains=("initech.io",))),
        (reference.intercom_contact, fr.intercom_contact("5fd1", ["c1", "c2"]),
         Reference("contact", "5fd1", organization_id="c1")),
        (reference.intercom_contact, fr.intercom_contact("5fd2", []), Reference("contact", "5fd2")),
        # no id: nothing to resolve, skipped
        (reference.zendesk_group, {"name": "No id"}, None),
        (reference.freshdesk_group, "not an object", None),
        (reference.intercom_admin, {"type": "team", "id": "9", "name": "A team"}, None),
        # oversized values are cut to what the columns hold; odd types are dropped
        (reference.zendesk_group, {"id": 1, "name": "x" * 300}, Reference("group", "1", "x" * 254)),
        (reference.zendesk_user, {"id": 3, "name": {"first": "A"}, "email": None, "role": 5, "active": "yes"},
         Reference("agent", "3", None, None, "5", None)),
    ],
)
def test_parsers(parser, raw, expected):
    assert parser(raw) == expected


def test_contact_reference_keeps_no_customer_name_or_email():
    ref = reference.intercom_contact(fr.intercom_contact("5fd1", ["c1"]))
    assert (ref.name, ref.email) == (None, None)


# -- Zendesk ------------------------------------------------------------------------------------

def zd(fake, clock):
    fake.clock = clock.time
    client = httpx.Client(transport=httpx.MockTransport(fake))
    return zendesk.ZendeskAdapter(client, base_url="https://acme.zendesk.com", oauth_token="t", sleep=clock.sleep,
                                  clock=clock.time)


def zendesk_fake(**kwargs):
    fake = FakeZendesk(**kwargs)
    fake.references.agents = [fr.zendesk_user(200 + i, f"Agent {i}", f"agent{i}@example.com") for i in range(150)]
    fake.references.agents.append(fr.zendesk_user(9, "End User", "user@customer.example", role="end-user"))
    fake.references.groups = [fr.zendesk_group(101, "Billing"), fr.zendesk_group(102, "Tech")]
    fake.references.brands = [fr.zendesk_brand(7, "Acme Help", "acmehelp")]
    fake.references.organizations = [fr.zendesk_organization(6000 + i, f"Org {i}", [f"org{i}.com"],
                                                             updated_ts=1_690_000_000 + i) for i in range(5)]
    fake.references.export_page_size = 2
    return fake


def test_zendesk_pages_agents_by_cursor_and_exports_organizations_incrementally():
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_fake()
    pages = list(zd(fake, clock).reference_pages({}, start=START))
    got = refs(pages)
    agents = [r for r in got if r.kind == "agent"]
    assert len(agents) == 150 and "9" not in {r.external_id for r in agents}  # end users are not agents
    assert fake.references.served["/api/v2/users"] == 2  # 100 a page, by cursor
    assert {r.name for r in got if r.kind == "group"} == {"Billing", "Tech"}
    assert [r.name for r in got if r.kind == "brand"] == ["Acme Help"]
    # Pages of 2 from each page's end_time: the export repeats that second, upserts make it harmless.
    assert list(dict.fromkeys(r.name for r in got if r.kind == "organization")) == [f"Org {i}" for i in range(5)]
    users = [r for r in fake.requests if r.url.path == "/api/v2/users"]
    assert users[0].url.params.get_list("role[]") == ["agent", "admin"]
    saved = checkpoints(pages)
    assert saved["ref_organizations"].value == {"start_time": 1_690_000_004}
    assert saved["ref_agents"].value == {"fetched_at": 1_700_000_000}

    # Next run, within the hour: lists are not due; the export resumes from its end_time.
    fake.references.organizations.append(fr.zendesk_organization(6100, "Renamed Org", [], updated_ts=1_700_000_100))
    fake.requests.clear()
    clock.now += 600
    again = list(zd(fake, clock).reference_pages(saved, start=START))
    assert {r.url.path for r in fake.requests} == {"/api/v2/incremental/organizations"}
    assert [r.name for r in refs(again)] == ["Org 4", "Renamed Org"]  # the export repeats its end_time second

    # An hour later the lists are fetched again.
    fake.requests.clear()
    clock.now += 3600
    list(zd(fake, clock).reference_pages({**saved, **checkpoints(again)}, start=START))
    assert "/api/v2/groups" in {r.url.path for r in fake.requests}


def test_zendesk_reference_pacing_reads_the_rate_limit_headers():
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_fake(rate_limit=(2, 60.0))
    list(zd(fake, clock).reference_pages({}, start=START))
    assert fake.count_429 == 0 and clock.sleeps


def test_zendesk_organization_export_that_never_advances_is_refused_not_looped():
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_fake()
    fake.references.organizations = [fr.zendesk_organization(6000 + i, "Same second", [], updated_ts=1_690_000_000)
                                     for i in range(3)]
    pages = list(zd(fake, clock).reference_pages({}, start=START))
    assert checkpoints(pages)["ref_organizations"].value == {"start_time": 1_690_000_000}


# -- Freshdesk ----------------------------------------------------------------------------------

def test_freshdesk_agents_groups_and_companies_follow_link_pages():
    clock = FakeClock(start=1_700_000_000)
    fake = FakeFreshdesk()
    fake.references.agents = [fr.freshdesk_agent(1000 + i, f"Agent {i}", f"a{i}@example.com") for i in range(130)]
    fake.references.groups = [fr.freshdesk_group(300, "Tier 1")]
    fake.references.organizations = [fr.freshdesk_company(67001265522, "Globex", ["globex.com"])]
    client = httpx.Client(transport=httpx.MockTransport(fake))
    source = freshdesk.FreshdeskAdapter(client, base_url="https://acme.freshdesk.com", api_key="k",
                                        sleep=clock.sleep, clock=clock.time)
    pages = list(source.reference_pages({}, start=START))
    got = refs(pages)
    assert len([r for r in got if r.kind == "agent"]) == 130 and fake.references.served["/api/v2/agents"] == 2
    assert [r.domains for r in got if r.kind == "organization"] == [("globex.com",)]
    saved = checkpoints(pages)
    assert set(saved) == {"ref_agents", "ref_groups", "ref_companies"}
    # Companies are refreshed daily, agents and groups hourly.
    fake.requests.clear()
    clock.now += 2 * 3600
    list(source.reference_pages(saved, start=START))
    assert {r.url.path for r in fake.requests} == {"/api/v2/agents", "/api/v2/groups"}


# -- Intercom -----------------------------------------------------------------------------------

def ic(fake, clock):
    fake.clock = clock.time
    client = httpx.Client(transport=httpx.MockTransport(fake))
    return intercom.IntercomAdapter(client, access_token="tok", sleep=clock.sleep, clock=clock.time)


def test_intercom_admins_teams_company_scroll_and_contact_links():
    clock = FakeClock(start=1_700_000_000)
    fake = FakeIntercom()
    fake.references.agents = [fr.intercom_admin("4423433", "Ian Com", "ian@example.com")]
    fake.references.groups = [fr.intercom_team("55", "Escalations")]
    fake.references.organizations = [fr.intercom_company(f"c{i}", f"Company {i}") for i in range(120)]
    fake.references.contacts = [fr.intercom_contact(f"u{i}", [f"c{i % 3}"], updated_ts=START_TS + i)
                                for i in range(200)]
    fake.references.contacts.append(fr.intercom_contact("lonely", [], updated_ts=START_TS + 500))
    pages = list(ic(fake, clock).reference_pages({}, start=START))
    got = refs(pages)
    assert [r.name for r in got if r.kind == "agent"] == ["Ian Com"]
    assert len([r for r in got if r.kind == "organization"]) == 120
    assert fake.references.served["/companies/scroll"] == 4  # 50 a page, then the empty page that ends it
    links = {r.external_id: r.organization_id for r in got if r.kind == "contact"}
    assert len(links) == 200 and links["u4"] == "c1" and "lonely" not in links
    assert checkpoints(pages)["ref_contacts"].value == {"updated_at": START_TS + 500}
    search = next(r for r in fake.requests if r.url.path == "/contacts/search")
    assert search.headers["intercom-version"]


START_TS = int(START.timestamp())


def test_intercom_a_second_scroll_while_one_is_open_is_refused_by_the_fake():
    fake = FakeIntercom()
    fake.references.organizations = [fr.intercom_company(f"c{i}", f"Company {i}") for i in range(60)]
    client = httpx.Client(transport=httpx.MockTransport(fake))
    assert client.get("https://api.intercom.io/companies/scroll").status_code == 200
    assert client.get("https://api.intercom.io/companies/scroll").status_code == 400


def test_intercom_contacts_resume_from_the_checkpoint():
    clock = FakeClock(start=1_700_000_000)
    fake = FakeIntercom()
    fake.references.contacts = [fr.intercom_contact(f"u{i}", ["c1"], updated_ts=START_TS + i) for i in range(10)]
    saved = {"ref_contacts": Checkpoint("intercom", "ref_contacts", {"updated_at": START_TS + 7}),
             **{f"ref_{s}": Checkpoint("intercom", f"ref_{s}", {"fetched_at": clock.now}) for s in
                ("admins", "teams", "companies")}}
    got = refs(list(ic(fake, clock).reference_pages(saved, start=START)))
    assert [r.external_id for r in got] == ["u7", "u8", "u9"]  # the checkpoint's second again, then newer


def test_a_repeated_cursor_is_a_loop():
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_fake()
    fake.references.repeat_cursor = True
    with pytest.raises(SourceFatalError, match="loop detected"):
        list(zd(fake, clock).reference_pages({}, start=START))


def test_a_stream_the_token_may_not_read_does_not_stop_the_others():
    clock = FakeClock(start=1_700_000_000)
    fake = FakeIntercom()
    fake.references.agents = [fr.intercom_admin("4423433", "Ian Com", "ian@example.com")]
    fake.references.groups = [fr.intercom_team("55", "Escalations")]
    fake.references.contacts = [fr.intercom_contact("u1", ["c1"], updated_ts=START_TS + 1)]
    fake.fail_at(1, "403")  # GET /admins: a token without the "read admins" scope
    got, error = [], None
    try:
        for page in ic(fake, clock).reference_pages({}, start=START):
            got += page.references
    except SourceFatalError as exc:
        error = exc
    assert {r.kind for r in got} == {"group", "contact"}
    assert error is not None and "HTTP 403" in str(error)


def test_zendesk_organization_export_never_asks_for_the_last_minute():
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_fake()
    saved = {"ref_organizations": Checkpoint("zendesk", "ref_organizations", {"start_time": 1_700_000_000})}
    list(zd(fake, clock).reference_pages(saved, start=START))
    (export,) = [r for r in fake.requests if r.url.path == "/api/v2/incremental/organizations"]
    assert int(export.url.params["start_time"]) <= clock.now - 61
