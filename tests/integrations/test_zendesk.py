from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations import zendesk
from integrations.base import Adapter, Checkpoint, MalformedRecordError, SourceAuthError, SourceFatalError
from integrations.normalize import basic_auth_header
from tests.conftest import shared_fixture
from tests.fakes.clock import FakeClock
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, Synthetic, zendesk_ticket


@pytest.fixture(scope="module")
def page():
    return shared_fixture("zendesk", "incremental_tickets_cursor_page.json")


@pytest.fixture(scope="module")
def metrics():
    return shared_fixture("zendesk", "ticket_metrics_list_oas_example.json")["ticket_metrics"]


@pytest.fixture(scope="module")
def ratings():
    return shared_fixture("zendesk", "satisfaction_ratings_list_oas_example.json")["satisfaction_ratings"]


AUTH = basic_auth_header("agent@example.com/token", "tok")
START = datetime(2023, 1, 1, tzinfo=UTC)


# -- parser on the recorded page ---------------------------------------------------

def test_recorded_page_normalizes_every_ticket(page):
    tickets = [zendesk.to_ticket(raw) for raw in page["tickets"]]
    assert Counter(t.status for t in tickets) == {"new": 77, "pending": 8, "open": 1, "deleted": 1}
    first = tickets[0]
    assert (first.source, first.external_id, first.channel, first.subject) == ("zendesk", "28", "api", "test")
    assert first.created_at == datetime(2023, 9, 18, 15, 57, 42, tzinfo=UTC)
    assert first.requester == "6130907993114" and first.organization == "6130869157658"
    assert first.csat is None and first.first_response is None and first.raw is page["tickets"][0]
    deleted = next(t for t in tickets if t.deleted)
    assert deleted.external_id == "4034" and deleted.priority == "high"


def test_metric_set_gives_durations_counts_and_escalation(page, metrics):
    raw = dict(page["tickets"][0], status="solved", metric_set=dict(metrics[0], reopens=2, assignee_stations=3,
                                                                      group_stations=2,
                                                                      full_resolution_time_in_minutes={"calendar": 90, "business": 45}))
    ticket = zendesk.to_ticket(raw)
    assert ticket.first_response == timedelta(seconds=960)  # reply_time_in_seconds wins over minutes
    assert ticket.first_response_business == timedelta(minutes=16)
    assert ticket.first_response_at == ticket.created_at + timedelta(seconds=960)
    assert (ticket.resolution, ticket.resolution_business) == (timedelta(minutes=90), timedelta(minutes=45))
    assert ticket.solved_at == datetime(2020, 7, 20, 6, 21, 26, tzinfo=UTC)
    assert (ticket.agent_replies, ticket.reopens, ticket.reassignments, ticket.escalated) == (1, 2, 2, True)


@pytest.mark.parametrize(("score", "csat", "value"), [("good", "satisfied", 1.0), ("bad", "unsatisfied", 0.0),
                                                      ("offered", None, None), ("unoffered", None, None)])
def test_csat_from_satisfaction_rating(page, ratings, score, csat, value):
    ticket = zendesk.to_ticket(dict(page["tickets"][0], satisfaction_rating=dict(ratings[0], score=score)))
    assert (ticket.csat, ticket.csat_score) == (csat, value)
    assert ticket.csat_scale == ("good_bad" if csat else None)


@pytest.mark.parametrize("broken", [{"id": None}, {"status": "weird"}, {"created_at": "yesterday"},
                                    {"created_at": None}, {"metric_set": {"reopens": "many"}}])
def test_malformed_records_raise(page, broken):
    with pytest.raises(MalformedRecordError):
        zendesk.to_ticket(dict(page["tickets"][0], **broken))


def test_redact_drops_free_text(page, ratings):
    raw = zendesk.redact(dict(page["tickets"][0], satisfaction_rating=ratings[0]))
    assert "subject" not in raw and "description" not in raw and "comment" not in raw["satisfaction_rating"]


# -- adapter against the stateful fake ----------------------------------------------------

def adapter(fake, clock=None, **kwargs):
    clock = clock or FakeClock()
    fake.clock = clock.time
    client = httpx.Client(transport=httpx.MockTransport(fake))
    kwargs.setdefault("page_size", 10)
    return zendesk.ZendeskAdapter(client, base_url="https://acme.zendesk.com", email="agent@example.com",
                                  api_token="tok", sleep=clock.sleep, clock=clock.time, rng=lambda: 0.5, **kwargs)


def drain(adapter_, checkpoints=None):
    return list(adapter_.pages(checkpoints or {}, start=START))


def test_adapter_satisfies_the_protocol():
    assert isinstance(adapter(FakeZendesk()), Adapter)


def test_paginates_until_end_of_stream_with_metric_sets_and_tombstones():
    tickets = [zendesk_ticket(i) for i in range(1, 26)] + [zendesk_ticket(26, status="deleted")]
    fake = FakeZendesk(tickets, auth=AUTH)
    pages = drain(adapter(fake))
    assert [len(p.tickets) for p in pages] == [10, 10, 6]
    got = [t for p in pages for t in p.tickets]
    assert [t.external_id for t in got] == [str(i) for i in range(1, 27)]
    assert got[-1].deleted and got[0].first_response == timedelta(minutes=31)
    assert all(p.checkpoint.value["cursor"] for p in pages)
    request = fake.requests[0]
    assert request.url.params["include"] == "metric_sets" and request.url.params["per_page"] == "10"
    assert request.url.params["start_time"] == str(int(START.timestamp()))


def test_a_prerendered_fake_serves_the_same_pages():
    plain, prerendered = FakeZendesk(Synthetic(25)), FakeZendesk(Synthetic(25))
    prerendered.prerender(10)
    assert len(prerendered._rendered) == 3
    expected, got = drain(adapter(plain)), drain(adapter(prerendered))
    assert [t for p in got for t in p.tickets] == [t for p in expected for t in p.tickets]
    assert [dict(t.raw) for p in got for t in p.tickets] == [dict(t.raw) for p in expected for t in p.tickets]
    assert got[0].tickets[0].raw["metric_set"]["ticket_id"] == 1
    with pytest.raises(TypeError, match="Synthetic"):
        FakeZendesk([zendesk_ticket(1)]).prerender(10)


def test_empty_page_before_end_of_stream_does_not_stop():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 16)])
    fake.empty_page_at = {1}
    pages = drain(adapter(fake))
    assert [len(p.tickets) for p in pages] == [0, 10, 5]


def test_resumes_from_the_saved_cursor_and_picks_up_changes():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 16)])
    first = drain(adapter(fake))
    saved = {"tickets": first[-1].checkpoint}
    fake.store.put(zendesk_ticket(3, updated_ts=2_000_000_000, status="solved"))
    again = drain(adapter(fake), saved)
    assert [t.external_id for p in again for t in p.tickets] == ["3"]
    assert "cursor" in fake.requests[-1].url.params


def test_duplicates_at_page_boundaries_are_harmless():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 26)])
    fake.overlap = 2
    ids = [t.external_id for p in drain(adapter(fake)) for t in p.tickets]
    assert set(ids) == {str(i) for i in range(1, 26)} and len(ids) > 25


def test_repeated_cursor_is_a_loop():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 26)])
    fake.repeat_cursor_at = {2}
    with pytest.raises(SourceFatalError, match="loop detected"):
        drain(adapter(fake))


def test_429_and_5xx_and_timeouts_are_retried_with_injected_sleep():
    clock = FakeClock()
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 26)])
    fake.fail_at(2, "429", retry_after=45)
    fake.fail_at(4, "500")
    fake.fail_at(5, "timeout")
    fake.fail_at(6, "malformed")
    pages = drain(adapter(fake, clock))
    assert sum(len(p.tickets) for p in pages) == 25
    assert clock.sleeps[0] == pytest.approx(45.05)
    assert sum(p.rate_limited for p in pages) == 1 and sum(p.requests for p in pages) == 7


def test_proactive_pacing_avoids_429s():
    clock = FakeClock()
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 101)], rate_limit=(3, 60.0))
    pages = drain(adapter(fake, clock))
    assert sum(len(p.tickets) for p in pages) == 100
    assert fake.count_429 == 0 and clock.sleeps  # it waited for the window instead


def test_pacing_reads_rate_limit_headers_without_the_x_prefix():
    clock = FakeClock()
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 101)], rate_limit=(3, 60.0))
    fake.rate_style = "zendesk_2023"
    pages = drain(adapter(fake, clock))
    assert sum(len(p.tickets) for p in pages) == 100
    assert fake.count_429 == 0 and clock.sleeps


def _on_the_wire(fake, clock, *, latency=0.025):
    """A transport where each request takes `latency` of the fake clock, served halfway through."""
    fake.clock = clock.time

    def handler(request):
        clock.now += latency / 2
        response = fake(request)
        clock.now += latency / 2
        return response

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(("limit", "window", "requests", "fastest", "slowest"), [
    # 10 per second, 0.3 s into a window: 300 requests need 30 windows, the last opening at 29.7 s. Waiting
    # out the last response's rounded reset (1 s) instead took 32.8 s here (9.1 req/s; 8 in the loopback bench).
    (10, 1.0, 300, 29.7, 300 / 9.5),
    # 30 per minute, 0.3 s into a window: the 4th window opens at 179.7 s; finish right after it
    (30, 60.0, 100, 179.7, 180.3),
])
def test_pacing_follows_the_window_without_429s(limit, window, requests, fastest, slowest):
    clock = FakeClock(start=1_700_000_040.3)  # 0.3 s into a minute (and a second)
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, requests + 1)], rate_limit=(limit, window))
    source = zendesk.ZendeskAdapter(_on_the_wire(fake, clock), base_url="https://acme.zendesk.com", oauth_token="t",
                                    page_size=1, sleep=clock.sleep, clock=clock.time)
    began = clock.now
    pages = drain(source)
    elapsed = clock.now - began
    assert sum(len(p.tickets) for p in pages) == requests == len(fake.requests)
    assert fake.count_429 == 0
    assert fastest <= elapsed <= slowest, elapsed


def test_auth_error_names_the_source():
    fake = FakeZendesk([zendesk_ticket(1)], auth="Bearer other")
    with pytest.raises(SourceAuthError, match="zendesk: authentication failed \\(HTTP 401\\); check ZENDESK_EMAIL"):
        drain(adapter(fake))


def test_malformed_records_are_quarantined_and_the_rest_continue():
    fake = FakeZendesk([zendesk_ticket(1), zendesk_ticket(2, created_at="garbage"), zendesk_ticket(3)])
    (page,) = drain(adapter(fake))
    assert [t.external_id for t in page.tickets] == ["1", "3"]
    assert [(q.external_id, q.reason) for q in page.quarantined] == [("2", "unparseable created_at")]
    assert page.quarantined[0].raw["id"] == 2


def test_store_free_text_false_drops_subjects_from_ticket_and_raw():
    (page,) = drain(adapter(FakeZendesk([zendesk_ticket(1)]), store_free_text=False))
    assert page.tickets[0].subject is None and "description" not in page.tickets[0].raw


def test_oauth_bearer_over_real_loopback_http():
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 6)], auth="Bearer oauth-tok")
    fake.fail_at(1, "429", retry_after=1)
    clock = FakeClock()
    with serve(fake) as base_url, httpx.Client(timeout=5) as client:
        source = zendesk.ZendeskAdapter(client, base_url=base_url, oauth_token="oauth-tok", page_size=2,
                                        sleep=clock.sleep, clock=clock.time)
        pages = list(source.pages({}, start=START))
    assert [t.external_id for p in pages for t in p.tickets] == ["1", "2", "3", "4", "5"]
    assert fake.requests[-1].headers["authorization"] == "Bearer oauth-tok"
    assert source.stats.rate_limited == 1


def test_checkpoint_start_time_fallback_and_base_url():
    fake = FakeZendesk([zendesk_ticket(1)])
    drain(adapter(fake), {"tickets": Checkpoint("zendesk", "tickets", {"start_time": 5})})
    assert fake.requests[0].url.params["start_time"] == "5"
    assert zendesk.base_url_from_env({"ZENDESK_SUBDOMAIN": "acme"}) == "https://acme.zendesk.com"
    assert zendesk.base_url_from_env({"ZENDESK_URL": "http://127.0.0.1:9/", "ZENDESK_SUBDOMAIN": "x"}) == "http://127.0.0.1:9"
