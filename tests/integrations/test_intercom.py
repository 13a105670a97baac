from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations import intercom
from integrations.base import Checkpoint, MalformedRecordError, SourceAuthError, SourceFatalError
from tests.conftest import shared_fixture
from tests.fakes.clock import FakeClock
from tests.fakes.intercom import BASE_TS, FakeIntercom, intercom_conversation
from tests.fakes.loopback import serve


@pytest.fixture(scope="module")
def recorded():
    return shared_fixture("intercom", "conversations_search_page_v2.2_recorded.json")["conversations"]


@pytest.fixture(scope="module")
def spec_page():
    return shared_fixture("intercom", "conversations_search_page_v2.14_openapi_example.json")["conversations"]


@pytest.fixture(scope="module")
def spec_one():
    return shared_fixture("intercom", "conversation_retrieve_v2.14_openapi_example.json")


START = datetime.fromtimestamp(BASE_TS, UTC)


def test_recorded_customer_initiated_conversation(recorded):
    ticket = intercom.to_ticket(recorded[0])
    assert (ticket.external_id, ticket.status, ticket.channel, ticket.priority) == ("1", "open", "conversation", "normal")
    # Calendar time from the timestamps; Intercom's office-hours-adjusted figure kept as business time.
    assert ticket.first_response == timedelta(seconds=1625654131 - 1607553243)
    assert ticket.first_response_business == timedelta(seconds=4317957)
    assert ticket.first_response_at == datetime.fromtimestamp(1625654131, UTC)
    assert ticket.requester == "5fd150d50697b6d0bbc4a2c2" and ticket.csat is None


def test_recorded_admin_initiated_closed_without_statistics(recorded):
    ticket = intercom.to_ticket(recorded[1])
    assert ticket.status == "solved" and ticket.assignee == "4423433"
    assert ticket.first_response is None and ticket.resolution is None
    assert ticket.solved_at == ticket.updated_at  # best proxy when Intercom gives no close time


def test_spec_examples_team_tags_and_ai_flags(spec_page, spec_one):
    ticket = intercom.to_ticket(spec_page[0])
    assert (ticket.group, ticket.assignee, ticket.bot_involved, ticket.bot_resolved) == ("5017691", "991267715", False, False)
    assert intercom.to_ticket(spec_one).tags == ("Test tag",)


def test_closed_with_statistics_rating_reopens_and_ai_resolution(recorded):
    raw = dict(recorded[0], state="closed", open=False,
               statistics=dict(recorded[0]["statistics"], last_close_at=1607553243 + 7200, time_to_last_close=1800,
                               count_reopens=2, count_assignments=3),
               conversation_rating={"rating": 4, "remark": "ok", "created_at": 1607560000},
               ai_agent_participated=True, ai_agent={"resolution_state": "assumed_resolution"})
    ticket = intercom.to_ticket(raw)
    assert ticket.resolution == timedelta(hours=2) and ticket.resolution_business == timedelta(minutes=30)
    assert (ticket.reopens, ticket.reassignments, ticket.escalated) == (2, 2, True)
    assert (ticket.csat, ticket.csat_score, ticket.csat_scale) == ("satisfied", 4.0, "1-5")
    assert ticket.bot_involved and ticket.bot_resolved


@pytest.mark.parametrize(("rating", "csat"), [(1, "unsatisfied"), (3, "unsatisfied"), (4, "satisfied"), (5, "satisfied"),
                                              (0, None), (None, None)])
def test_rating_scale(recorded, rating, csat):
    assert intercom.to_ticket(dict(recorded[0], conversation_rating={"rating": rating})).csat == csat


def test_snoozed_is_hold_and_malformed_state_raises(recorded):
    assert intercom.to_ticket(dict(recorded[0], state="snoozed")).status == "hold"
    with pytest.raises(MalformedRecordError):
        intercom.to_ticket(dict(recorded[0], state="weird", open=False))


def test_redact_keeps_no_message_text(spec_one):
    raw = intercom.redact(dict(spec_one, conversation_rating={"rating": 2, "remark": "bad"}))
    assert "body" not in raw["source"] and "name" not in raw["source"]["author"] and "title" not in raw
    assert "remark" not in raw["conversation_rating"] and "conversation_parts" not in raw


def adapter(fake, clock=None, **kwargs):
    clock = clock or FakeClock()
    fake.clock = clock.time
    client = httpx.Client(transport=httpx.MockTransport(fake))
    kwargs.setdefault("page_size", 10)
    return intercom.IntercomAdapter(client, access_token="ic-tok", base_url="https://api.eu.intercom.io",
                                    sleep=clock.sleep, clock=clock.time, rng=lambda: 0.5, **kwargs)


def test_search_pages_ascending_with_version_header_and_checkpoint():
    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 26)], auth="Bearer ic-tok")
    pages = list(adapter(fake).pages({}, start=START))
    assert [len(p.tickets) for p in pages] == [10, 10, 5]
    assert pages[-1].checkpoint.value == {"updated_at": BASE_TS + 25 * 60}
    request = fake.requests[1]
    assert request.headers["intercom-version"] == intercom.API_VERSION
    assert str(request.url) == "https://api.eu.intercom.io/conversations/search"
    body = httpx.Request("POST", "x", content=request.content).read()
    assert b'"starting_after"' in body and b'"ascending"' in body


def test_resume_uses_checkpoint_minus_lookback():
    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 11)])
    saved = {"conversations": Checkpoint("intercom", "conversations", {"updated_at": BASE_TS + 8 * 60})}
    pages = list(adapter(fake, lookback=timedelta(minutes=1)).pages(saved, start=START))
    assert [t.external_id for t in pages[0].tickets] == ["7", "8", "9", "10"]


def test_boundary_duplicates_dropped_and_retries():
    clock = FakeClock()
    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 26)])
    fake.overlap = 1
    fake.fail_at(2, "429", retry_after=None)
    fake._faults[2].reset_epoch = clock.time() + 20
    fake.fail_at(3, "504")
    pages = list(adapter(fake, clock).pages({}, start=START))
    assert [t.external_id for p in pages for t in p.tickets] == [str(i) for i in range(1, 26)]
    assert clock.sleeps[0] == pytest.approx(20.05)


def test_repeated_cursor_is_a_loop():
    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 26)])
    fake.repeat_cursor = True
    with pytest.raises(SourceFatalError, match="loop detected"):
        list(adapter(fake).pages({}, start=START))


def test_bearer_token_over_real_loopback_http():
    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 4)], auth="Bearer ic-tok")
    with serve(fake) as base_url, httpx.Client(timeout=5) as client:
        source = intercom.IntercomAdapter(client, access_token="ic-tok", base_url=base_url, page_size=2)
        assert [t.external_id for p in source.pages({}, start=START) for t in p.tickets] == ["1", "2", "3"]
        denied = intercom.IntercomAdapter(client, access_token="nope", base_url=base_url)
        with pytest.raises(SourceAuthError, match="intercom: authentication failed .*INTERCOM_ACCESS_TOKEN"):
            list(denied.pages({}, start=START))
