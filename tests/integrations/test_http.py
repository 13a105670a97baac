import httpx
import pytest

from integrations.base import SourceAuthError, SourceFatalError
from integrations.http import CursorGuard, Requester
from integrations.retry import RetryPolicy
from tests.fakes.clock import FakeClock


def requester(handler, clock=None, **kwargs):
    clock = clock or FakeClock()
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return Requester(client, source="acme-zd", auth_hint="ZENDESK_API_TOKEN", sleep=clock.sleep, clock=clock.time,
                     rng=lambda: 1.0, policy=RetryPolicy(max_attempts=4, base_delay=1, max_delay=8), **kwargs), clock


def scripted(*answers):
    calls = list(answers)

    def handler(request):
        answer = calls.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def test_429_honours_retry_after_then_succeeds():
    req, clock = requester(scripted(httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(200, json={"ok": 1})))
    body, _ = req.request_json("GET", "https://x.test/a")
    assert body == {"ok": 1}
    assert clock.sleeps == [pytest.approx(30.05)]
    assert (req.stats.requests, req.stats.rate_limited, req.stats.retries) == (2, 1, 1)


def test_5xx_timeouts_and_connection_errors_back_off_exponentially():
    req, clock = requester(scripted(httpx.Response(500), httpx.ReadTimeout("t"), httpx.ConnectError("c"),
                                    httpx.Response(200, json=[])))
    assert req.request_json("GET", "https://x.test/a")[0] == []
    assert clock.sleeps == [1, 2, 4]


def test_bounded_retries_end_in_a_fatal_error():
    req, clock = requester(lambda request: httpx.Response(503))
    with pytest.raises(SourceFatalError, match="acme-zd: request failed \\(HTTP 503 after 4 attempts\\)"):
        req.request_json("GET", "https://x.test/a")
    assert req.stats.requests == 4


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_name_the_source_and_what_to_check(status):
    req, clock = requester(lambda request: httpx.Response(status, json={"error": "secret-ish detail"}))
    with pytest.raises(SourceAuthError) as info:
        req.request_json("GET", "https://x.test/a")
    assert str(info.value) == f"acme-zd: authentication failed (HTTP {status}); check ZENDESK_API_TOKEN"
    assert req.stats.requests == 1 and clock.sleeps == []


def test_other_4xx_is_fatal_without_retry():
    req, _ = requester(lambda request: httpx.Response(422, json={"details": "x"}))
    with pytest.raises(SourceFatalError, match="HTTP 422"):
        req.request_json("GET", "https://x.test/a")
    assert req.stats.requests == 1


def test_unparseable_and_wrong_shape_pages_are_retried_then_fail():
    answers = [httpx.Response(200, content=b"{not json"), httpx.Response(200, json={"nope": 1}),
               httpx.Response(200, json={"tickets": []})]
    req, clock = requester(scripted(*answers))

    def validate(body):
        if "tickets" not in body:
            raise ValueError("shape")

    assert req.request_json("GET", "https://x.test/a", validate=validate)[0] == {"tickets": []}
    assert len(clock.sleeps) == 2
    req, _ = requester(lambda request: httpx.Response(200, content=b"<html>"))
    with pytest.raises(SourceFatalError, match="unparseable page"):
        req.request_json("GET", "https://x.test/a")


def test_low_quota_paces_the_next_request():
    answers = [httpx.Response(200, json=1, headers={"ratelimit-remaining": "0", "ratelimit-reset": "20"}),
               httpx.Response(200, json=2)]
    req, clock = requester(scripted(*answers))
    req.request_json("GET", "https://x.test/a")
    assert clock.sleeps == []
    req.request_json("GET", "https://x.test/a")
    assert clock.sleeps == [pytest.approx(20.05)]


def test_cursor_guard_detects_a_loop():
    guard = CursorGuard("acme-zd", "tickets")
    guard.advance({"start_time": 1})
    guard.advance({"cursor": "a"})
    with pytest.raises(SourceFatalError, match="loop detected"):
        guard.advance({"cursor": "a"})
