from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from bot.storage.models import QuarantinedRecord, SyncCheckpoint, TicketRow
from bot.sync.service import run_sync
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter
from tests.fakes.clock import FakeClock
from tests.fakes.freshdesk import FakeFreshdesk, freshdesk_rating, freshdesk_ticket
from tests.fakes.intercom import FakeIntercom, intercom_conversation
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

WS = "T1"
START = datetime(2020, 1, 1, tzinfo=UTC)


def zd(fake, clock=None, name="zendesk", **kwargs):
    clock = clock or FakeClock()
    client = httpx.Client(transport=httpx.MockTransport(fake))
    return ZendeskAdapter(client, base_url="https://acme.zendesk.com", email="a@example.com", api_token="t",
                          name=name, page_size=kwargs.pop("page_size", 10), sleep=clock.sleep, clock=clock.time,
                          **kwargs)


def count(session_factory, model=TicketRow, **where):
    with session_factory() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_sync_stores_pages_with_checkpoints_and_is_idempotent(session_factory):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 26)] + [zendesk_ticket(26, status="deleted")])
    summary = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    (result,) = summary.sources
    assert result.ok and (result.fetched, result.inserted, result.deleted, result.pages) == (26, 26, 1, 3)
    # 3 ticket pages, then reference data: agents, groups, brands and the organizations export, then
    # one page of SLA metric events
    assert result.requests == 3 + 4 + 1 and summary.ok
    assert count(session_factory) == 26 and count(session_factory, deleted=True) == 1
    with session_factory() as session:
        checkpoint = session.scalar(select(SyncCheckpoint).where(SyncCheckpoint.stream == "tickets"))
    assert (checkpoint.source, checkpoint.stream) == ("zendesk", "tickets") and checkpoint.value["cursor"]

    fake.store.put(zendesk_ticket(4, updated_ts=2_000_000_000, status="solved"))
    again = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    assert (again.sources[0].fetched, again.sources[0].updated, again.sources[0].inserted) == (1, 1, 0)
    assert count(session_factory) == 26
    assert "fetched" in summary.line() and "429s" in summary.line()


def test_one_source_unauthorized_the_other_completes(session_factory):
    denied = FakeZendesk([zendesk_ticket(1)], auth="Bearer right")
    ok = FakeIntercom([intercom_conversation(i) for i in range(1, 6)])
    clock = FakeClock()
    intercom = IntercomAdapter(httpx.Client(transport=httpx.MockTransport(ok)), access_token="x",
                               sleep=clock.sleep, clock=clock.time)
    summary = run_sync(session_factory=session_factory, adapters=[zd(denied, name="zd-eu"), intercom],
                       workspace_id=WS, start=datetime(2023, 1, 1, tzinfo=UTC))
    failed, done = summary.sources
    assert not failed.ok and failed.auth_failed
    assert failed.error.startswith("zd-eu: authentication failed (HTTP 401); check ZENDESK_EMAIL")
    assert done.ok and done.inserted == 5 and not summary.ok
    assert count(session_factory, source="intercom") == 5 and count(session_factory, source="zd-eu") == 0
    assert "failed: zd-eu" in summary.line()


def test_quarantine_is_stored_and_counted(session_factory):
    fake = FakeZendesk([zendesk_ticket(1), zendesk_ticket(2, status="bogus"), zendesk_ticket(3)])
    summary = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    assert summary.sources[0].quarantined == 1 and count(session_factory) == 2
    with session_factory() as session:
        record = session.scalar(select(QuarantinedRecord))
    assert (record.external_id, record.reason, record.raw["id"]) == ("2", "unknown status", 2)


def test_failure_mid_stream_keeps_the_last_stored_checkpoint(session_factory):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 31)])
    fake.fail_at(2, "malformed")  # page 2 never parses: 6 attempts
    for n in range(3, 8):
        fake.fail_at(n, "malformed")
    summary = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    result = summary.sources[0]
    assert not result.ok and "unparseable page" in result.error and result.inserted == 10
    assert count(session_factory) == 10
    resumed = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    assert resumed.sources[0].ok and count(session_factory) == 30
    assert "cursor" in fake.requests[7].url.params  # resumed from the stored cursor, not from start_time


def test_cursor_loop_stops_only_that_source(session_factory):
    looping = FakeZendesk([zendesk_ticket(i) for i in range(1, 31)])
    looping.repeat_cursor_at = {2}
    fine = FakeZendesk([zendesk_ticket(i) for i in range(1, 4)])
    summary = run_sync(session_factory=session_factory, adapters=[zd(looping, name="a"), zd(fine, name="b")],
                       workspace_id=WS, start=START)
    assert "loop detected" in summary.sources[0].error and summary.sources[1].ok


def test_freshdesk_csat_survives_a_later_update_without_rating(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(1), freshdesk_ticket(2)], ratings=[freshdesk_rating(1, -103)])
    clock = FakeClock()

    def adapter():
        return FreshdeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://x.freshdesk.com",
                                api_key="k", sleep=clock.sleep, clock=clock.time)

    run_sync(session_factory=session_factory, adapters=[adapter()], workspace_id=WS, start=START)
    fake.tickets[1] = freshdesk_ticket(1, updated=datetime(2024, 3, 1, tzinfo=UTC), status=4)
    fake.ratings.clear()
    summary = run_sync(session_factory=session_factory, adapters=[adapter()], workspace_id=WS, start=START)
    assert summary.sources[0].updated == 1
    with session_factory() as session:
        row = session.scalar(select(TicketRow).where(TicketRow.external_id == "1"))
    assert (row.status, row.csat, row.csat_score) == ("solved", "unsatisfied", -103.0)
    assert row.raw["satisfaction_rating"]["ratings"]["default_question"] == -103


def test_store_subject_false_stores_no_subject(session_factory):
    run_sync(session_factory=session_factory, adapters=[zd(FakeZendesk([zendesk_ticket(1)]), store_free_text=False)],
             workspace_id=WS, start=START, store_subject=False)
    with session_factory() as session:
        row = session.scalar(select(TicketRow))
    assert row.subject is None and "subject" not in row.raw and "description" not in row.raw


def test_ignore_checkpoints_rereads_from_start(session_factory):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 6)])
    run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START)
    summary = run_sync(session_factory=session_factory, adapters=[zd(fake)], workspace_id=WS, start=START,
                       ignore_checkpoints=True)
    assert summary.sources[0].fetched == 5 and summary.sources[0].unchanged == 5
    assert "start_time" in fake.requests[-1].url.params
