"""The HubSpot client against the fake on loopback: paging, properties, owners, rate limits, refusals."""
from __future__ import annotations

import httpx
import pytest

from integrations.crm.hubspot import (HubSpotAuthError, HubSpotClient, HubSpotError, limited_wait, pace_seconds,
                                      to_page)
from tests.crm.fakes import TOKEN, FakeHubSpot, owner
from tests.fakes.clock import FakeClock
from tests.fakes.loopback import serve


def _fake(count: int = 0, clock: FakeClock | None = None, **kwargs) -> FakeHubSpot:
    fake = FakeHubSpot(owners=[owner("101", "cs.ann@example.com", "Ann", "Lee")],
                       clock=(clock or FakeClock()).time, **kwargs)
    for i in range(count):
        fake.company(str(1000 + i), name=f"Company {i}", domain=f"c{i}.example.com", annualrevenue=str(i * 1000),
                     hubspot_owner_id="101", industry="SOFTWARE", notes_last_contacted="x")
    return fake


def _client(http: httpx.Client, url: str, clock: FakeClock, token: str = TOKEN) -> HubSpotClient:
    return HubSpotClient(http, token=token, base_url=url, sleep=clock.sleep, clock=clock.time)


def test_pages_through_every_company_with_the_chosen_properties():
    clock = FakeClock()
    fake = _fake(250, clock)
    with serve(fake) as url, httpx.Client() as http:
        pages = list(_client(http, url, clock).companies(["annualrevenue", "industry"]))
    assert [len(p.companies) for p in pages] == [100, 100, 50]
    assert len({c.id for p in pages for c in p.companies}) == 250
    first = pages[0].companies[0]
    assert (first.name, first.domain, first.owner_id) == ("Company 0", "c0.example.com", "101")
    assert "notes_last_contacted" not in first.properties and first.properties["industry"] == "SOFTWARE"
    sent = fake.requests
    assert all(r.url.params["limit"] == "100" for r in sent)
    assert set(sent[0].url.params["properties"].split(",")) >= {"name", "domain", "hubspot_owner_id", "annualrevenue"}
    assert "after" not in sent[0].url.params and sent[1].url.params["after"]


def test_paces_on_the_rate_limit_window_instead_of_hitting_429():
    clock = FakeClock()
    fake = _fake(500, clock, window_max=2, window_ms=10_000)
    with serve(fake) as url, httpx.Client() as http:
        pages = list(_client(http, url, clock).companies([]))
    assert len(pages) == 5 and fake.count_429 == 0
    assert clock.sleeps and all(s == pytest.approx(10.0) for s in clock.sleeps)


def test_a_429_is_waited_out_once_and_retried():
    clock = FakeClock()
    fake = _fake(3, clock)
    fake.limit_next()
    with serve(fake) as url, httpx.Client() as http:
        client = _client(http, url, clock)
        (page,) = list(client.companies([]))
    assert len(page.companies) == 3 and fake.count_429 == 1 and client.rate_limited == 1
    assert clock.sleeps == [pytest.approx(10.05)]  # the window HubSpot reports, no Retry-After sent


def test_5xx_is_retried():
    clock = FakeClock()
    fake = _fake(1, clock)
    fake.fail_next(502)
    with serve(fake) as url, httpx.Client() as http:
        (page,) = list(_client(http, url, clock).companies([]))
    assert len(page.companies) == 1 and len(fake.requests) == 2


def test_the_daily_limit_stops_the_sync():
    clock = FakeClock()
    fake = _fake(1, clock)
    fake.daily_spent()
    with serve(fake) as url, httpx.Client() as http, pytest.raises(HubSpotError, match="daily API limit"):
        list(_client(http, url, clock).companies([]))
    assert len(fake.requests) == 1


def test_a_bad_token_is_refused_without_echoing_it():
    clock = FakeClock()
    with serve(_fake(1, clock)) as url, httpx.Client() as http:
        with pytest.raises(HubSpotAuthError, match="HUBSPOT_TOKEN") as refused:
            list(_client(http, url, clock, token="pat-wrong").companies([]))
    assert "pat-wrong" not in str(refused.value)


def test_a_missing_scope_is_named():
    clock = FakeClock()
    fake = _fake(1, clock, scopes=("crm.objects.companies.read",))
    with serve(fake) as url, httpx.Client() as http:
        client = _client(http, url, clock)
        with pytest.raises(HubSpotAuthError, match="crm.objects.owners.read"):
            list(client.owners())
        with pytest.raises(HubSpotAuthError, match="crm.objects.owners.read"):
            client.check()


def test_owners_come_from_the_paged_list_and_one_that_left_is_absent():
    clock = FakeClock()
    fake = _fake(0, clock)
    for n in range(600):  # two pages of 500
        fake.owners[str(2000 + n)] = owner(str(2000 + n), f"cs{n}@example.com", "Cs", str(n))
    fake.owners["999"] = {**owner("999", "gone@example.com", "Gone", "Away"), "archived": True}
    fake.owners["998"] = {"email": "no-id@example.com"}  # malformed: skipped
    with serve(fake) as url, httpx.Client() as http:
        owners = {o.id: o for o in _client(http, url, clock).owners()}
    assert (owners["101"].email, owners["101"].name) == ("cs.ann@example.com", "Ann Lee")
    assert len(owners) == 601 and "999" not in owners
    assert [(r.url.params["limit"], "after" in r.url.params) for r in fake.requests] == [("500", False), ("500", True)]


def test_the_fake_refuses_an_owners_page_over_500():
    clock = FakeClock()
    with serve(_fake(0, clock)) as url, httpx.Client() as http:
        answer = http.get(f"{url}/crm/v3/owners", params={"limit": "501"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400 and answer.json()["category"] == "VALIDATION_ERROR"


def test_malformed_records_are_set_aside_not_fatal():
    page = to_page({"results": [{"id": "1", "properties": {"name": "Acme"}}, {"properties": {"name": "no id"}},
                                {"id": "3", "properties": None}, "junk"]})
    assert [c.id for c in page.companies] == ["1"]
    assert [reason for _, reason, _ in page.quarantined] == ["record has no id", "record has no properties object",
                                                             "record is not an object"]
    with pytest.raises(ValueError):
        to_page({"unexpected": True})


@pytest.mark.parametrize("headers, body, expected", [
    ({"Retry-After": "3"}, {"policyName": "TEN_SECONDLY_ROLLING"}, 3.0),
    ({"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, {"policyName": "TEN_SECONDLY_ROLLING"}, 10.0),
    ({}, {"policyName": "SECONDLY"}, 1.0),
    ({"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, {"policyName": "DAILY"}, None),
    ({}, None, 10.0),
])
def test_limited_wait(headers, body, expected):
    assert limited_wait(httpx.Headers(headers), body, now=0.0) == expected


@pytest.mark.parametrize("headers, expected", [
    ({"X-HubSpot-RateLimit-Remaining": "5", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 0.0),
    ({"X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 10.0),
    ({"X-HubSpot-RateLimit-Remaining": "0"}, 1.0),
    ({}, 0.0),
])
def test_pace_seconds(headers, expected):
    assert pace_seconds(httpx.Headers(headers)) == expected
