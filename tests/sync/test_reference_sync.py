"""Reference data through the sync: stored per source, resolved when read, linked to tickets."""
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from bot.storage.models import TicketRow, TicketTouch
from bot.storage.reference import (
    agent_keys_for_email,
    display_name,
    display_names,
    organization_keys,
    upsert_references,
)
from bot.storage.reference_models import ReferenceEntity
from bot.sync.service import run_sync
from integrations.intercom import IntercomAdapter
from integrations.reference import Reference
from integrations.zendesk import ZendeskAdapter
from tests.fakes import reference as fr
from tests.fakes.clock import FakeClock
from tests.fakes.intercom import FakeIntercom, intercom_conversation
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

WS = "T1"
START = datetime(2020, 1, 1, tzinfo=UTC)


def zd(fake, clock):
    fake.clock = clock.time
    return ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://acme.zendesk.com",
                          oauth_token="t", sleep=clock.sleep, clock=clock.time)


def ic(fake, clock):
    fake.clock = clock.time
    return IntercomAdapter(httpx.Client(transport=httpx.MockTransport(fake)), access_token="t",
                           sleep=clock.sleep, clock=clock.time)


def zendesk_with_names():
    fake = FakeZendesk([zendesk_ticket(i, organization_id=6130869157658) for i in range(1, 9)])
    fake.references.groups = [fr.zendesk_group(100 + i, f"Group {i}") for i in range(4)]
    fake.references.agents = [fr.zendesk_user(200 + i, f"Agent {i}", f"agent{i}@example.com") for i in range(7)]
    fake.references.organizations = [fr.zendesk_organization(6130869157658, "Acme", ["acme.com"])]
    return fake


def test_zendesk_sync_stores_names_and_a_rename_reads_on_old_tickets(session_factory):
    clock = FakeClock(start=1_700_000_000)
    fake = zendesk_with_names()
    summary = run_sync(session_factory=session_factory, adapters=[zd(fake, clock)], workspace_id=WS, start=START)
    assert summary.ok
    with session_factory() as s:
        groups = s.scalars(select(TicketRow.group_name).where(TicketRow.workspace_id == WS)).all()
        assert set(groups) == {"100", "101", "102", "103"}  # tickets keep their ids
        assert display_names(s, workspace_id=WS, dimension="group", ids=groups) == {
            "100": "Group 0", "101": "Group 1", "102": "Group 2", "103": "Group 3"}
        assert display_name(s, workspace_id=WS, dimension="organization", value="6130869157658") == "Acme"
        assert agent_keys_for_email(s, workspace_id=WS, email="AGENT3@example.com") == ["203"]
        assert organization_keys(s, workspace_id=WS, names=["acme.com"]) == {"6130869157658"}
        assert organization_keys(s, workspace_id=WS, names=["ACME"]) == {"6130869157658"}
        assert display_names(s, workspace_id="other", dimension="group", ids=["100"]) == {"100": "100"}

    fake.references.groups[1] = fr.zendesk_group(101, "Billing (renamed)")
    clock.now += 2 * 3600  # the group list is due again
    run_sync(session_factory=session_factory, adapters=[zd(fake, clock)], workspace_id=WS, start=START)
    with session_factory() as s:
        assert display_name(s, workspace_id=WS, dimension="group", value="101") == "Billing (renamed)"


def test_values_without_references_read_as_themselves(session_factory):
    with session_factory.begin() as s:
        upsert_references(s, workspace_id=WS, source="zendesk", references=[Reference("group", "1", None)])
    with session_factory() as s:
        # CSV imports store names; unnamed ids and dimensions without reference data stay as they are
        assert display_names(s, workspace_id=WS, dimension="group", ids=["Billing", "1", None, ""]) == {
            "Billing": "Billing", "1": "1"}
        assert display_names(s, workspace_id=WS, dimension="channel", ids=["email"]) == {"email": "email"}


def test_a_field_the_vendor_left_out_keeps_what_was_stored(session_factory):
    with session_factory.begin() as s:
        upsert_references(s, workspace_id=WS, source="zendesk",
                          references=[Reference("agent", "7", "Ann", "ann@example.com", "agent", True)])
        written = upsert_references(s, workspace_id=WS, source="zendesk",
                                    references=[Reference("agent", "7", "Ann B.", None, None, None)])
        assert written == 1
    with session_factory() as s:
        row = s.scalar(select(ReferenceEntity))
        assert (row.name, row.email, row.role, row.active) == ("Ann B.", "ann@example.com", "agent", True)


def _conversations(count, contact_of):
    """Conversations 1..count, each started by the contact `contact_of(i)`."""
    out = []
    for i in range(1, count + 1):
        c = intercom_conversation(i)
        c["contacts"] = {"type": "contact.list", "contacts": [{"type": "contact", "id": contact_of(i)}]}
        out.append(c)
    return out


def test_intercom_contacts_link_conversations_to_companies(session_factory):
    clock = FakeClock(start=1_700_100_000)
    conversations = _conversations(4, lambda i: f"u{i % 2}")
    fake = FakeIntercom(conversations)
    fake.references.organizations = [fr.intercom_company("c1", "Initech", "initech.io")]
    fake.references.contacts = [fr.intercom_contact("u1", ["c1"], updated_ts=1_700_000_000)]
    run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
    with session_factory() as s:
        orgs = dict(s.execute(select(TicketRow.external_id, TicketRow.organization)).all())
        assert orgs == {"1": "c1", "2": None, "3": "c1", "4": None}
        assert display_name(s, workspace_id=WS, dimension="organization", value="c1") == "Initech"
        first = min(c["created_at"] for c in conversations if c["id"] in ("1", "3"))
        touched = s.scalar(select(func.min(TicketTouch.touched_at)))
        assert touched.timestamp() <= first  # the rollup recomputes from the linked tickets' first day

    # u0 joins a company later: the next sync links its conversations too
    fake.references.contacts.append(fr.intercom_contact("u0", ["c1"], updated_ts=1_700_050_000))
    run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
    with session_factory() as s:
        assert set(s.scalars(select(TicketRow.organization))) == {"c1"}


def test_reference_endpoints_refused_leave_the_ticket_sync_ok(session_factory, caplog):
    clock = FakeClock(start=1_700_000_000)
    fake = FakeIntercom([intercom_conversation(1)])
    fake.fail_at(2, "403")  # the token may read conversations but not admins (a missing scope)
    summary = run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
    assert summary.ok and summary.sources[0].inserted == 1
    assert "reference data not synced" in caplog.text


def test_an_updated_conversation_keeps_its_company_while_stored(session_factory):
    clock = FakeClock(start=1_700_100_000)
    conversation = intercom_conversation(1)
    conversation["contacts"] = {"type": "contact.list", "contacts": [{"type": "contact", "id": "u1"}]}
    fake = FakeIntercom([conversation])
    fake.references.contacts = [fr.intercom_contact("u1", ["c1"], updated_ts=1_700_000_000)]
    run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
    with session_factory() as s:
        before = s.scalar(select(func.max(TicketTouch.id)))
    fake.put(dict(conversation, updated_at=conversation["updated_at"] + 100, state="closed", open=False))
    run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
    with session_factory() as s:
        assert s.scalar(select(TicketRow.organization)) == "c1"
        touched = s.scalars(select(TicketTouch.touched_at).where(TicketTouch.id > before)).all()
    # Closing it moves its solved day only, not every day since it was created.
    assert touched and min(t.timestamp() for t in touched) > conversation["created_at"]


def test_linking_looks_only_at_requesters_whose_link_moved(session_factory):
    """Each sync used to re-check every conversation without an organization; now only those whose requester's
    contact link was written since the last pass, and none when no link moved."""
    from sqlalchemy import event

    clock = FakeClock(start=1_700_100_000)
    fake = FakeIntercom(_conversations(6, lambda i: f"u{i % 3}"))
    fake.references.contacts = [fr.intercom_contact("u1", ["c1"], updated_ts=1_700_000_000)]
    run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)

    engine = session_factory.kw["bind"]
    scans: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM tickets" in statement and "organization IS NULL" in statement:
            scans.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
        assert scans == []  # nothing moved: no ticket looked at
        fake.references.contacts.append(fr.intercom_contact("u2", ["c2"], updated_ts=1_700_050_000))
        run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS, start=START)
        assert scans and all("requester IN" in s for s in scans)  # only u2's conversations
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with session_factory() as s:
        orgs = dict(s.execute(select(TicketRow.external_id, TicketRow.organization)).all())
    assert orgs == {"1": "c1", "2": "c2", "3": None, "4": "c1", "5": "c2", "6": None}
