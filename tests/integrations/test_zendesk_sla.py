"""Zendesk SLA targets from the ticket metric events export, through the sync into stored tickets."""
from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bot.storage.models import TicketRow
from bot.sync.service import sync_source
from integrations.zendesk import ZendeskAdapter
from integrations.zendesk_sla import sla_signals
from tests.fakes.clock import FakeClock
from tests.fakes.zendesk import BASE_TS, FakeZendesk, iso, zendesk_sla_events, zendesk_ticket

WS = "T1"
START = datetime(2020, 1, 1, tzinfo=UTC)


def created_ts(ticket_id: int) -> int:
    return BASE_TS + ticket_id * 60 - 3600  # zendesk_ticket's creation


def test_signals_from_documented_events():
    c = created_ts(1)
    met = zendesk_sla_events(1, metric="reply_time", applied_ts=c, target_minutes=60, done_ts=c + 600)
    late = zendesk_sla_events(2, metric="reply_time", applied_ts=c, target_minutes=60, done_ts=c + 7200, first_id=10)
    res = zendesk_sla_events(2, metric="agent_work_time", applied_ts=c, target_minutes=480, done_ts=c + 3600,
                             first_id=20)
    next_reply = [dict(e, instance_id=2, id=e["id"] + 100) for e in
                  zendesk_sla_events(1, metric="reply_time", applied_ts=c + 900, target_minutes=5, done_ts=None)]
    plain = [{"id": 99, "ticket_id": 3, "metric": "reply_time", "instance_id": 1, "type": "fulfill",
              "time": iso(c + 60)}]
    got = {s.external_id: s for s in sla_signals(met + late + res + next_reply + plain + ["junk", {"ticket_id": 4}])}
    assert got["1"].first_response.met is True and got["1"].first_response.applied
    assert got["1"].first_response.due_at == datetime.fromtimestamp(c + 3600, UTC)
    assert got["1"].resolution.met is None  # later reply instances are next-reply times, not the first reply
    assert got["2"].first_response.met is False
    assert got["2"].resolution.met is True and got["2"].resolution.due_at == datetime.fromtimestamp(c + 480 * 60, UTC)
    assert not got["3"].first_response.applied and got["3"].first_response.due_at is None  # no policy
    assert "4" not in got


def _adapter(fake, clock):
    fake.clock = clock.time
    return ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://acme.zendesk.com",
                          oauth_token="t", sleep=clock.sleep, clock=clock.time)


def _rows(session_factory):
    with session_factory() as s:
        return {r.external_id: r for r in s.scalars(select(TicketRow).where(TicketRow.workspace_id == WS))}


def test_sync_stores_targets_and_a_breach_stays_a_breach(session_factory):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 6)])
    events = []
    for i in range(1, 6):  # 1, 3, 5 answered in 10 min; 2, 4 after 2 h (target 1 h)
        c = created_ts(i)
        events += zendesk_sla_events(i, metric="reply_time", applied_ts=c, target_minutes=60,
                                     done_ts=c + (600 if i % 2 else 7200), first_id=i * 10)
    events += zendesk_sla_events(1, metric="resolution_time", applied_ts=created_ts(1), target_minutes=30,
                                 done_ts=None, first_id=500)  # still open past its resolution target
    fake.metric_events = events
    clock = FakeClock()
    result = sync_source(_adapter(fake, clock), session_factory=session_factory, workspace_id=WS, start=START)
    assert result.ok
    rows = _rows(session_factory)
    assert {k: r.sla_first_response_met for k, r in rows.items()} == {
        "1": True, "2": False, "3": True, "4": False, "5": True}
    assert rows["1"].first_response_due_at == datetime.fromtimestamp(created_ts(1) + 3600, UTC)
    assert rows["1"].sla_resolution_met is False and rows["2"].sla_resolution_met is None

    # The next pass sees only newer events: ticket 1 is solved at last; its breach stands.
    fake.metric_events = events + [{"id": 999, "ticket_id": 1, "metric": "resolution_time", "instance_id": 1,
                                    "type": "fulfill", "time": iso(created_ts(1) + 99_999)}]
    sync_source(_adapter(fake, clock), session_factory=session_factory, workspace_id=WS, start=START)
    assert _rows(session_factory)["1"].sla_resolution_met is False


def test_many_events_page_by_end_time(session_factory):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 81)])
    fake.metric_events = [e for i in range(1, 81) for e in zendesk_sla_events(
        i, metric="reply_time", applied_ts=created_ts(i), target_minutes=60, done_ts=created_ts(i) + 60,
        first_id=i * 10)]
    sync_source(_adapter(fake, FakeClock()), session_factory=session_factory, workspace_id=WS, start=START)
    rows = _rows(session_factory)
    assert len(rows) == 80 and all(r.sla_first_response_met is True for r in rows.values())
