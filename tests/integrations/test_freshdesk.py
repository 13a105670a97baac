from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations import freshdesk
from integrations.base import Checkpoint, MalformedRecordError, SourceAuthError, SourceFatalError
from integrations.normalize import basic_auth_header
from tests.conftest import shared_fixture
from tests.fakes.clock import FakeClock
from tests.fakes.freshdesk import BASE, FakeFreshdesk, freshdesk_rating, freshdesk_ticket
from tests.fakes.loopback import serve


@pytest.fixture(scope="module")
def recorded():
    return shared_fixture("freshdesk", "tickets_list_include_requester_stats_recorded.json")


@pytest.fixture(scope="module")
def library():
    return shared_fixture("freshdesk", "ticket_view_include_stats_requester_library_fixture.json")


AUTH = basic_auth_header("fd-key", "X")
START = datetime(2023, 12, 1, tzinfo=UTC)


def test_recorded_list_record(recorded):
    ticket = freshdesk.to_ticket(recorded[0])
    assert (ticket.external_id, ticket.status, ticket.priority, ticket.channel) == ("21", "closed", "low", "outbound_email")
    assert ticket.solved_at == ticket.closed_at == datetime(2022, 11, 16, 15, 59, 28, tzinfo=UTC)
    assert ticket.resolution == timedelta(0) and ticket.first_response is None
    assert (ticket.requester, ticket.assignee, ticket.organization) == ("67042965499", "67013469919", "67001265522")
    assert ticket.csat_reported is False  # no rating folded in: storage keeps what it has


def test_library_fixture_durations_from_stats_timestamps(library):
    ticket = freshdesk.to_ticket(dict(library, status=4))
    assert ticket.status == "solved" and ticket.tags == ("foo", "bar") and ticket.escalated
    assert ticket.first_response == datetime(2020, 6, 17, 20, 23, 43, tzinfo=UTC) - ticket.created_at
    assert ticket.resolution == datetime(2020, 7, 24, 15, 35, 21, tzinfo=UTC) - ticket.created_at
    assert ticket.first_response_business is None  # Freshdesk does not report business time
    open_ticket = freshdesk.to_ticket(library)  # status 2 but stats say resolved once: not resolved now
    assert open_ticket.status == "open" and open_ticket.solved_at is None and open_ticket.resolution is None


@pytest.mark.parametrize(("code", "status"), [(2, "open"), (3, "pending"), (4, "solved"), (5, "closed"),
                                              (6, "pending"), (7, "hold")])
def test_status_codes(recorded, code, status):
    assert freshdesk.to_ticket(dict(recorded[0], status=code)).status == status


def test_custom_statuses_are_placed_by_stats(recorded):
    stats = dict(recorded[0]["stats"], closed_at=None)
    assert freshdesk.to_ticket(dict(recorded[0], status=12, stats=stats)).status == "solved"
    no_stats = dict(stats, resolved_at=None)
    assert freshdesk.to_ticket(dict(recorded[0], status=12, stats=no_stats)).status == "hold"


@pytest.mark.parametrize(("score", "csat"), [(103, "satisfied"), (102, "satisfied"), (101, "satisfied"),
                                             (100, "unsatisfied"), (-101, "unsatisfied"), (-103, "unsatisfied"),
                                             (7, None), (None, None)])
def test_csat_scales(recorded, score, csat):
    raw = dict(recorded[0], satisfaction_rating=freshdesk_rating(21, score))
    ticket = freshdesk.to_ticket(raw)
    assert ticket.csat == csat and ticket.csat_reported
    assert ticket.csat_score == (float(score) if csat else None)


def test_deleted_and_spam_are_tombstones_and_reopens_counted(recorded):
    assert freshdesk.to_ticket(dict(recorded[0], deleted=True)).deleted
    assert freshdesk.to_ticket(dict(recorded[0], spam=True)).deleted
    stats = dict(recorded[0]["stats"], reopened_at="2022-11-17T00:00:00Z")
    assert freshdesk.to_ticket(dict(recorded[0], stats=stats)).reopens == 1


def test_malformed(recorded):
    with pytest.raises(MalformedRecordError, match="missing status"):
        freshdesk.to_ticket(dict(recorded[0], status=None))


def adapter(fake, clock=None, **kwargs):
    clock = clock or FakeClock()
    client = httpx.Client(transport=httpx.MockTransport(fake))
    kwargs.setdefault("page_size", 10)
    return freshdesk.FreshdeskAdapter(client, base_url="https://acme.freshdesk.com", api_key="fd-key",
                                      sleep=clock.sleep, clock=clock.time, rng=lambda: 0.5, **kwargs)


def drain(adapter_, checkpoints=None, start=START):
    return list(adapter_.pages(checkpoints or {}, start=start))


def test_full_sync_passes_ratings_deleted_and_spam():
    tickets = [freshdesk_ticket(i) for i in range(1, 24)]
    old_rated = freshdesk_ticket(500, updated=datetime(2023, 1, 1, tzinfo=UTC))  # not updated in the window
    fake = FakeFreshdesk(tickets + [old_rated], deleted=[freshdesk_ticket(90)], spam=[freshdesk_ticket(91)],
                         ratings=[freshdesk_rating(2, 103), freshdesk_rating(500, -102)], auth=AUTH)
    pages = drain(adapter(fake))
    got = {t.external_id: t for p in pages for t in p.tickets}
    assert set(got) == {str(i) for i in range(1, 24)} | {"90", "91", "500"}
    assert got["90"].deleted and got["91"].deleted
    assert got["2"].csat == "satisfied" and got["2"].raw["satisfaction_rating"]["ratings"]["default_question"] == 103
    assert got["500"].csat == "unsatisfied"
    assert got["3"].csat_reported is False
    streams = [p.checkpoint.stream for p in pages]
    assert streams == ["tickets"] * 3 + ["deleted", "spam", "satisfaction_ratings"]
    assert pages[2].checkpoint.value == {"updated_since": got["23"].raw["updated_at"]}
    anchors = []
    for request in fake.requests:
        if request.url.path == "/api/v2/tickets":
            params = request.url.params
            assert params["include"] == "stats" and params["page"] == "1"  # keyset: every page asked by instant
            assert (params["order_by"], params["order_type"]) == ("updated_at", "asc")
            if "filter" not in params:
                anchors.append(params["updated_since"])
    # the pass starts at the requested start, then each page from the last updated_at of the one before
    assert anchors == ["2023-12-01T00:00:00Z", got["10"].raw["updated_at"], got["19"].raw["updated_at"]]
    assert sum(p.requests for p in pages) == len(fake.requests)


def test_without_updated_since_the_fake_hides_old_tickets_like_the_real_api():
    fake = FakeFreshdesk([freshdesk_ticket(1)])
    assert fake(httpx.Request("GET", "https://x/api/v2/tickets")).json() == []


def test_page_cap_is_never_reached_and_each_ticket_comes_once():
    # 700 tickets, 2 per page: 350 pages by offset, past the 300-page cap; five share one timestamp.
    same = BASE + timedelta(minutes=599)
    tickets = [freshdesk_ticket(i, updated=same if 598 <= i <= 602 else None) for i in range(1, 701)]
    fake = FakeFreshdesk(tickets)
    pages = drain(adapter(fake, page_size=2), start=BASE - timedelta(days=1))
    ids = [t.external_id for p in pages for t in p.tickets]
    assert fake.max_page_refusals == 0
    assert sorted(ids, key=int) == [str(i) for i in range(1, 701)]  # each exactly once
    assert max(int(r.url.params.get("page", 1)) for r in fake.requests) <= 300


def test_one_instant_past_the_page_cap_restarts_there_then_stops_as_a_loop():
    # 610 tickets updated in the same second, 2 per page: only offsets page through one instant, and the
    # API refuses page 301. The pass restarts from that instant once; asked the same again, it stops with a
    # clear error (nothing it could do would reach the rest) and keeps what it yielded.
    same = BASE + timedelta(minutes=5)
    fake = FakeFreshdesk([freshdesk_ticket(i, updated=same) for i in range(1, 611)])
    got = []
    with pytest.raises(SourceFatalError, match="loop detected on stream 'tickets'"):
        for page in adapter(fake, page_size=2).pages({}, start=START):
            got.extend(t.external_id for t in page.tickets)
    assert fake.max_page_refusals == 0
    assert len(got) == len(set(got)) == 600


def test_duplicates_at_page_boundaries_are_dropped():
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 31)])
    fake.overlap = 1
    ids = [t.external_id for p in drain(adapter(fake)) for t in p.tickets]
    assert ids == [str(i) for i in range(1, 31)]


def test_a_ticket_edited_mid_pass_does_not_make_the_pass_skip_its_neighbour():
    # An agent edits ticket 2 after page 1 is read: it moves to the end, every later offset shifts by one,
    # and page=2 would start at ticket 12. Anchoring each page on the last updated_at seen skips nothing.
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 31)])

    def edit(served: int) -> None:
        if served == 1:
            fake.tickets[2] = freshdesk_ticket(2, updated=BASE + timedelta(hours=5), subject="edited")
    fake.after_page = edit
    got = [t for p in drain(adapter(fake)) for t in p.tickets]
    assert sorted({t.external_id for t in got}, key=int) == [str(i) for i in range(1, 31)]
    assert [t.raw["subject"] for t in got if t.external_id == "2"] == ["Subject 2", "edited"]


def test_a_ticket_deleted_mid_pass_does_not_make_the_pass_skip_its_neighbour():
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 31)])

    def delete(served: int) -> None:
        if served == 1:
            fake.deleted[3] = fake.tickets.pop(3)
    fake.after_page = delete
    got = {t.external_id: t for p in drain(adapter(fake)) for t in p.tickets}
    assert set(got) == {str(i) for i in range(1, 31)}
    assert got["3"].deleted  # from the deleted pass


def test_many_tickets_sharing_one_second_are_paged_by_offset_within_it():
    same = BASE + timedelta(minutes=5)  # a bulk update: 25 tickets, one updated_at, 10 per page
    fake = FakeFreshdesk([freshdesk_ticket(i, updated=same if i <= 25 else None) for i in range(1, 31)])
    ids = [t.external_id for p in drain(adapter(fake)) for t in p.tickets]
    assert sorted(ids, key=int) == [str(i) for i in range(1, 31)] and len(ids) == 30


def test_resume_applies_lookback_to_the_checkpoint():
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 5)])
    saved = {"tickets": Checkpoint("freshdesk", "tickets", {"updated_since": "2024-01-01T00:03:00Z"})}
    pages = drain(adapter(fake, lookback=timedelta(minutes=1)), saved)
    assert [t.external_id for t in pages[0].tickets] == ["2", "3", "4"]


def test_429_retry_after_and_rate_limit_headers():
    clock = FakeClock()
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 5)])
    fake.fail_at(2, "429", retry_after=60)
    fake.fail_at(3, "502")
    pages = drain(adapter(fake, clock))
    assert sum(len(p.tickets) for p in pages) == 4
    assert clock.sleeps[0] == pytest.approx(60.05) and sum(p.rate_limited for p in pages) == 1


def test_rated_ticket_gone_is_skipped():
    fake = FakeFreshdesk([], ratings=[freshdesk_rating(77, 103)])
    pages = drain(adapter(fake))
    assert pages[-1].tickets == () and pages[-1].checkpoint.stream == "satisfaction_ratings"


def test_api_key_basic_auth_over_real_loopback_http():
    fake = FakeFreshdesk([freshdesk_ticket(i) for i in range(1, 6)], ratings=[freshdesk_rating(1, 101)], auth=AUTH)
    with serve(fake) as base_url, httpx.Client(timeout=5) as client:
        source = freshdesk.FreshdeskAdapter(client, base_url=base_url, api_key="fd-key", page_size=2)
        pages = list(source.pages({}, start=START))
    got = [t for p in pages for t in p.tickets]
    assert [t.external_id for t in got] == ["1", "2", "3", "4", "5"] and got[0].csat == "satisfied"
    bad = FakeFreshdesk([], auth=AUTH)
    with serve(bad) as base_url, httpx.Client(timeout=5) as client:
        source = freshdesk.FreshdeskAdapter(client, base_url=base_url, api_key="wrong")
        with pytest.raises(SourceAuthError, match="freshdesk: .*check FRESHDESK_API_KEY"):
            list(source.pages({}, start=START))


def test_base_url_from_env():
    assert freshdesk.base_url_from_env({"FRESHDESK_DOMAIN": "acme"}) == "https://acme.freshdesk.com"
    assert freshdesk.base_url_from_env({"FRESHDESK_DOMAIN": "help.acme.com"}) == "https://help.acme.com"
    assert freshdesk.base_url_from_env({}) is None
