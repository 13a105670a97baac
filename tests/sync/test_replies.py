"""Agent reply counts for FCR on Freshdesk and Intercom (issue 11.4): fetched after the tickets, only for
tickets solved since the last sync, paced within the rate limit, resumable, one failure never stops them."""
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.cli import main
from bot.storage.models import SyncCheckpoint, TicketRow
from bot.sync.replies import MAX_ATTEMPTS, sync_replies
from bot.sync.service import run_sync
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from tests.fakes.clock import FakeClock
from tests.fakes.freshdesk import BASE, FakeFreshdesk, agent_thread, freshdesk_ticket
from tests.fakes.intercom import FakeIntercom, intercom_conversation, intercom_part
from tests.fakes.loopback import serve

WS = "T1"
START = datetime(2023, 12, 1, tzinfo=UTC)


def fd(fake, clock=None):
    clock = clock or FakeClock()
    return FreshdeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://acme.freshdesk.com",
                            api_key="k", sleep=clock.sleep, clock=clock.time)


def ic(fake, clock=None):
    clock = clock or FakeClock()
    return IntercomAdapter(httpx.Client(transport=httpx.MockTransport(fake)), access_token="x",
                           sleep=clock.sleep, clock=clock.time)


def replies(session_factory, source="freshdesk"):
    with session_factory() as session:
        return dict(session.execute(select(TicketRow.external_id, TicketRow.agent_replies)
                                    .where(TicketRow.source == source)).tuples().all())


def asked(fake, marker):
    return sorted(r.url.path for r in fake.requests if marker in r.url.path)


def test_freshdesk_counts_public_agent_replies_of_solved_tickets_only(session_factory):
    tickets = [freshdesk_ticket(1, status=4), freshdesk_ticket(2, status=5), freshdesk_ticket(3, status=2)]
    fake = FakeFreshdesk(tickets)
    fake.conversations = {1: agent_thread(1, 1, customer=2, notes=2), 2: agent_thread(2, 3), 3: agent_thread(3, 1)}
    summary = run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert summary.ok
    assert replies(session_factory) == {"1": 1, "2": 3, "3": None}  # notes and the customer's messages not counted
    assert asked(fake, "conversations") == ["/api/v2/tickets/1/conversations", "/api/v2/tickets/2/conversations"]

    # The next sync asks nothing again: only tickets solved since then.
    fake.requests.clear()
    fake.tickets[3] = freshdesk_ticket(3, status=4, updated=BASE + timedelta(days=2))
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert asked(fake, "conversations") == ["/api/v2/tickets/3/conversations"]
    assert replies(session_factory) == {"1": 1, "2": 3, "3": 1}


def test_a_ticket_record_without_counts_keeps_them_until_it_is_solved_again(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(1, status=4)])
    fake.conversations = {1: agent_thread(1, 1)}
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    # An edit that leaves the ticket solved (a tag): the stored count stays, nothing is asked.
    fake.tickets[1] = freshdesk_ticket(1, status=4, tags=["late"])
    fake.tickets[1]["stats"] = dict(fake.tickets[1]["stats"], resolved_at=freshdesk_ticket(1, status=4)["stats"]["resolved_at"])
    fake.tickets[1]["updated_at"] = "2024-01-03T00:00:00Z"
    fake.requests.clear()
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert replies(session_factory) == {"1": 1} and asked(fake, "conversations") == []
    # Reopened, answered twice more and solved again: counted again.
    fake.conversations[1] = agent_thread(1, 3)
    fake.tickets[1] = freshdesk_ticket(1, status=4, updated=BASE + timedelta(days=3))
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert replies(session_factory) == {"1": 3}


def test_long_threads_are_paged_strictly(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(1, status=4)])
    fake.conversations = {1: agent_thread(1, 130, customer=0)}
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    pages = [r for r in fake.requests if r.url.path.endswith("/conversations")]
    assert [r.url.params.get("page") for r in pages] == ["1", "2"]
    assert {r.url.params.get("per_page") for r in pages} == {"100"}
    assert replies(session_factory) == {"1": 130}


def test_paced_within_the_rate_limit(session_factory):
    """Intercom reports when its window resets: the counts slow down before the quota runs out."""
    clock = FakeClock()
    fake = FakeIntercom([intercom_conversation(i, state="closed") for i in range(1, 31)], clock=clock.time,
                        rate_limit=(10, 10.0))
    fake.parts = {str(i): [intercom_part(1)] * (1 + i % 2) for i in range(1, 31)}
    summary = run_sync(session_factory=session_factory, adapters=[ic(fake, clock)], workspace_id=WS,
                       start=datetime(2023, 1, 1, tzinfo=UTC))
    assert summary.ok and fake.count_429 == 0  # never refused
    assert replies(session_factory, "intercom") == {str(i): 1 + i % 2 for i in range(1, 31)}
    assert clock.now - 1_700_000_000 >= 10 * 3  # 30 conversations at 10 requests per 10 s


def test_freshdesk_429s_are_waited_out(session_factory):
    """Freshdesk reports what is left of its minute but not when it resets: its 429's Retry-After is honoured."""
    clock = FakeClock()
    fake = FakeFreshdesk([freshdesk_ticket(i, status=4) for i in range(1, 31)], clock=clock.time, rate_limit=(10, 60.0))
    fake.conversations = {i: agent_thread(i, 1 + i % 2) for i in range(1, 31)}
    summary = run_sync(session_factory=session_factory, adapters=[fd(fake, clock)], workspace_id=WS, start=START)
    assert summary.ok and fake.count_429 > 0
    assert replies(session_factory) == {str(i): 1 + i % 2 for i in range(1, 31)}
    assert clock.now - 1_700_000_000 >= 60 * 2 and fake.count_429 <= 4  # ~40 requests at 10 a minute: each 429 waited out once


def test_a_failing_ticket_is_recorded_and_the_others_are_counted(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(i, status=4) for i in range(1, 5)])
    fake.conversations = {i: agent_thread(i, i) for i in range(1, 5)}
    original = fake.handle

    def broken(request):
        if request.url.path == "/api/v2/tickets/3/conversations":
            return httpx.Response(500, json={"code": "boom"})
        return original(request)

    fake.handle = broken
    summary = run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert summary.ok  # the tickets synced; the reply count of one is missing
    assert replies(session_factory) == {"1": 1, "2": 2, "3": None, "4": 4}
    with session_factory() as session:
        saved = session.scalar(select(SyncCheckpoint).where(SyncCheckpoint.stream == "replies"))
    assert saved.value["failed"]["3"][0] == 1
    # Asked again on later runs, up to MAX_ATTEMPTS, then left alone.
    for _ in range(MAX_ATTEMPTS + 1):
        run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    calls = [r for r in fake.requests if r.url.path == "/api/v2/tickets/3/conversations"]
    assert len(calls) == MAX_ATTEMPTS * 6  # six tries a run (RetryPolicy), three runs
    # Fixed at the vendor: a new solve is a new chance.
    fake.handle = original
    fake.tickets[3] = freshdesk_ticket(3, status=4, updated=BASE + timedelta(days=5))
    run_sync(session_factory=session_factory, adapters=[fd(fake)], workspace_id=WS, start=START)
    assert replies(session_factory)["3"] == 3


def test_resumable_over_runs_and_budgets(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(i, status=4) for i in range(1, 8)])
    fake.conversations = {i: agent_thread(i, 2) for i in range(1, 8)}
    adapter = fd(fake)
    run_sync(session_factory=session_factory, adapters=[adapter], workspace_id=WS, start=START)
    with session_factory.begin() as session:  # as if the pass had been cut short after some tickets
        for row in session.scalars(select(TicketRow).where(TicketRow.external_id.in_(["2", "3", "5", "6"]))):
            row.agent_replies = None
    fake.requests.clear()
    result = sync_replies(adapter, session_factory=session_factory, workspace_id=WS, checkpoints={}, start=START,
                          limit=2)
    assert result.counted == 2 and asked(fake, "conversations") == ["/api/v2/tickets/5/conversations",
                                                                   "/api/v2/tickets/6/conversations"]  # newest first
    ticks = iter([0.0, 0.0, 999.0, 999.0])
    result = sync_replies(adapter, session_factory=session_factory, workspace_id=WS, checkpoints={}, start=START,
                          clock=lambda: next(ticks), budget=10)
    assert result.counted == 1 and result.stopped.startswith("time budget")
    assert replies(session_factory)["2"] is None
    sync_replies(adapter, session_factory=session_factory, workspace_id=WS, checkpoints={}, start=START)
    assert replies(session_factory) == {str(i): 2 for i in range(1, 8)}


def test_a_ticket_gone_from_the_vendor_is_not_asked_again(session_factory):
    fake = FakeFreshdesk([freshdesk_ticket(1, status=4), freshdesk_ticket(2, status=4)])
    fake.conversations = {1: agent_thread(1, 1), 2: agent_thread(2, 1)}
    adapter = fd(fake)
    run_sync(session_factory=session_factory, adapters=[adapter], workspace_id=WS, start=START)
    with session_factory.begin() as session:
        session.scalar(select(TicketRow).where(TicketRow.external_id == "2")).agent_replies = None
    del fake.tickets[2]
    result = sync_replies(adapter, session_factory=session_factory, workspace_id=WS, checkpoints={}, start=START)
    assert (result.gone, result.counted) == (1, 0)
    with session_factory() as session:
        saved = session.scalar(select(SyncCheckpoint).where(SyncCheckpoint.stream == "replies"))
    assert list(saved.value["failed"]) == ["2"] and saved.value["failed"]["2"][0] == MAX_ATTEMPTS


def test_intercom_counts_admin_comments_in_conversation_parts(session_factory):
    closed = intercom_conversation(1, state="closed")
    fake = FakeIntercom([closed, intercom_conversation(2, state="closed"), intercom_conversation(3)])
    fake.parts = {
        "1": [intercom_part(1, author="user"), intercom_part(2), intercom_part(3, part_type="note"),
              intercom_part(4, author="bot"), intercom_part(5, part_type="assignment", body=None),
              intercom_part(6, part_type="close", body="<p>Done, closing</p>")],
        "2": [intercom_part(1, author="user"), intercom_part(2)],
    }
    summary = run_sync(session_factory=session_factory, adapters=[ic(fake)], workspace_id=WS,
                       start=datetime(2023, 1, 1, tzinfo=UTC))
    assert summary.ok
    assert replies(session_factory, "intercom") == {"1": 2, "2": 1, "3": None}
    gets = sorted(r.url.path for r in fake.requests if r.method == "GET" and r.url.path.startswith("/conversations/"))
    assert gets == ["/conversations/1", "/conversations/2"]


CONFIG = """
workspace_id = "T1"
timezone = "UTC"
[sources.freshdesk]
backfill_days = 3650
lookback_minutes = 0
[sources.intercom]
backfill_days = 3650
lookback_minutes = 0
"""


def test_fcr_rate_for_freshdesk_and_intercom_through_the_cli(tmp_path, db_url, capsys):
    """Solved on 2024-01-02: Freshdesk 3 of 4 with at most one reply, Intercom 1 of 2 → FCR 4 of 6."""
    solved = datetime(2024, 1, 2, 12, tzinfo=UTC)
    desk = FakeFreshdesk([freshdesk_ticket(i, status=4, updated=solved + timedelta(minutes=i)) for i in range(1, 5)],
                         auth=None)
    desk.conversations = {1: agent_thread(1, 1), 2: agent_thread(2, 0), 3: agent_thread(3, 1), 4: agent_thread(4, 2)}
    ts = int(solved.timestamp())
    chat = FakeIntercom([intercom_conversation(i, state="closed", updated_ts=ts + i * 60) for i in (1, 2)])
    chat.parts = {"1": [intercom_part(1)], "2": [intercom_part(1), intercom_part(2, author="user"), intercom_part(3)]}
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with serve(desk) as desk_url, serve(chat) as chat_url:
        env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url, "SIGNALROOM_LOG_LEVEL": "WARNING",
               "FRESHDESK_URL": desk_url, "FRESHDESK_API_KEY": "k", "INTERCOM_URL": chat_url,
               "INTERCOM_ACCESS_TOKEN": "x"}
        assert main(["sync"], env=env) == 0
        assert main(["rollup"], env=env) == 0
        capsys.readouterr()
        assert main(["metrics", "--json", "--from", "2024-01-01", "--to", "2024-01-31", "--by", "source"],
                    env=env) == 0
    fcr = {m["segment"]["source"]: (m["value"], m["n"]) for m in json.loads(capsys.readouterr().out)["metrics"]
           if m["key"] == "fcr_rate"}
    assert fcr == {"freshdesk": (0.75, 4), "intercom": (0.5, 2)}
