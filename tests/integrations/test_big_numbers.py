"""A number beyond a double's range (`1e400`) in one record fails that record, not its page: the page
parses, the record is quarantined with a clear reason, the rest is stored."""
import json
from datetime import UTC, datetime

import httpx

from bot.storage.models import QuarantinedRecord, TicketRow
from bot.sync.service import run_sync
from integrations.http import decode_json
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter
from tests.fakes.clock import FakeClock
from tests.fakes.intercom import intercom_conversation
from tests.fakes.zendesk import zendesk_metric_set, zendesk_ticket
from sqlalchemy import select

BIG = "__BIG__"


def _bytes(body) -> bytes:
    return json.dumps(body).replace(f'"{BIG}"', "1e400").encode()


def test_decode_json_reads_out_of_range_numbers():
    assert decode_json(b'{"a": 1e400, "b": -1e400, "c": 2}') == {"a": float("inf"), "b": float("-inf"), "c": 2}
    assert decode_json(b'{"a": ' + b"9" * 5000 + b"}") == {"a": float("inf")}


def test_one_intercom_record_with_1e400_is_quarantined_the_rest_stored(session_factory):
    conversations = [intercom_conversation(i) for i in (1, 2, 3)]
    conversations[1]["statistics"]["time_to_admin_reply"] = BIG
    page = {"type": "conversation.list", "pages": {"type": "pages", "page": 1, "per_page": 150, "total_pages": 1},
            "total_count": 3, "conversations": conversations}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/conversations/search":
            return httpx.Response(200, content=_bytes(page), headers={"content-type": "application/json"})
        return httpx.Response(404, json={"type": "error.list"})

    clock = FakeClock()
    adapter = IntercomAdapter(httpx.Client(transport=httpx.MockTransport(handler)), access_token="x",
                              sleep=clock.sleep, clock=clock.time)
    (page_out, ) = list(adapter.pages({}, start=datetime(2023, 1, 1, tzinfo=UTC)))
    assert [t.external_id for t in page_out.tickets] == ["1", "3"]
    (bad,) = page_out.quarantined
    assert (bad.external_id, bad.reason) == ("2", "time_to_admin_reply out of range")
    assert adapter.stats.retries == 0  # parsed at once, never taken for a broken page


def test_zendesk_page_with_1e400_stores_the_others(session_factory):
    tickets = [zendesk_ticket(i, status="solved") for i in (1, 2, 3)]
    metric_sets = [zendesk_metric_set(t) for t in tickets]
    metric_sets[0]["replies"] = BIG
    tickets[2]["generated_timestamp"] = BIG  # a field nothing reads: the ticket is stored, its raw keeps null
    body = {"tickets": tickets, "metric_sets": metric_sets, "after_cursor": "c1", "before_cursor": None,
            "end_of_stream": True, "count": 3}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v2/incremental/tickets"):
            return httpx.Response(200, content=_bytes(body), headers={"content-type": "application/json"})
        return httpx.Response(404, json={"error": "not here"})

    clock = FakeClock()
    adapter = ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(handler)), base_url="https://acme.zendesk.com",
                             oauth_token="t", sleep=clock.sleep, clock=clock.time)
    summary = run_sync(session_factory=session_factory, adapters=[adapter], workspace_id="T1",
                       start=datetime(2020, 1, 1, tzinfo=UTC))
    (result,) = summary.sources
    assert (result.inserted, result.quarantined) == (2, 1)
    with session_factory() as session:
        assert sorted(session.scalars(select(TicketRow.external_id))) == ["2", "3"]
        quarantined = session.scalar(select(QuarantinedRecord))
        stored = session.scalar(select(TicketRow).where(TicketRow.external_id == "3"))
    assert (quarantined.external_id, quarantined.reason) == ("1", "replies out of range")
    assert stored.raw["generated_timestamp"] is None
