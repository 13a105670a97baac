import httpx
import pytest

from integrations.retry import Decision, RetryPolicy, backoff, decide, pace, retry_after_seconds

NOW = 1_700_000_000.0
POLICY = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=8.0, max_wait=600.0, low_water=1)


def response(status, **headers):
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize(
    ("status", "headers", "attempt", "expected"),
    [
        (429, {"Retry-After": "7"}, 1, Decision(True, 7.05, "HTTP 429")),
        (429, {"Retry-After": "Tue, 14 Nov 2023 22:13:30 GMT"}, 1, Decision(True, 10.05, "HTTP 429")),
        (429, {"X-RateLimit-Reset": str(int(NOW) + 30)}, 1, Decision(True, 30.05, "HTTP 429")),  # Intercom: epoch
        (429, {"ratelimit-reset": "12"}, 1, Decision(True, 12.05, "HTTP 429")),  # Zendesk: seconds
        (429, {"Retry-After": "3600"}, 1, Decision(True, 600.05, "HTTP 429")),  # capped by max_wait
        (503, {"Retry-After": "2"}, 2, Decision(True, 2.05, "HTTP 503")),
        (500, {}, 1, Decision(True, 1.0, "HTTP 500")),  # rng()=1 -> the full ceiling
        (502, {}, 3, Decision(True, 4.0, "HTTP 502")),
        (500, {}, 4, Decision(False, 0.0, "HTTP 500 after 4 attempts")),
        (429, {"Retry-After": "1"}, 4, Decision(False, 0.0, "HTTP 429 after 4 attempts")),
        (401, {}, 1, Decision(False, 0.0, "HTTP 401")),
        (403, {}, 1, Decision(False, 0.0, "HTTP 403")),
        (404, {}, 1, Decision(False, 0.0, "HTTP 404")),
        (400, {}, 1, Decision(False, 0.0, "HTTP 400")),
    ],
)
def test_decide_on_responses(status, headers, attempt, expected):
    got = decide(attempt=attempt, now=NOW, response=response(status, **headers), policy=POLICY, rng=lambda: 1.0)
    assert got.retry == expected.retry
    assert got.delay == pytest.approx(expected.delay)
    assert got.reason == expected.reason


@pytest.mark.parametrize(
    ("error", "attempt", "retry", "reason"),
    [
        (httpx.ReadTimeout("t"), 1, True, "ReadTimeout"),
        (httpx.ConnectError("c"), 2, True, "ConnectError"),
        (httpx.RemoteProtocolError("r"), 1, True, "RemoteProtocolError"),
        (ValueError("json"), 1, True, "unparseable body"),
        (httpx.ReadTimeout("t"), 4, False, "ReadTimeout after 4 attempts"),
        (RuntimeError("bug"), 1, False, "RuntimeError"),
    ],
)
def test_decide_on_errors(error, attempt, retry, reason):
    got = decide(attempt=attempt, now=NOW, error=error, policy=POLICY, rng=lambda: 0.0)
    assert (got.retry, got.reason) == (retry, reason)


def test_backoff_is_exponential_jittered_and_bounded():
    assert [backoff(n, POLICY, rng=lambda: 1.0) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert [backoff(n, POLICY, rng=lambda: 0.0) for n in range(1, 5)] == [0.5, 1, 2, 4]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 0.0),
        ({"ratelimit-remaining": "50", "ratelimit-reset": "10"}, 0.0),
        ({"ratelimit-remaining": "0", "ratelimit-reset": "10"}, 10.05),
        ({"ratelimit-remaining": "1", "ratelimit-reset": "10"}, 5.0),  # spread over what is left
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 4)}, 4.05),
        ({"x-rate-limit-remaining": "0"}, 0.0),  # no reset reported: nothing to pace on
        ({"X-Ratelimit-Remaining": "garbage", "ratelimit-reset": "3"}, 0.0),
    ],
)
def test_pace(headers, expected):
    assert pace(httpx.Headers(headers), now=NOW, policy=POLICY) == pytest.approx(expected)


def test_retry_after_in_the_past_is_zero():
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Mon, 13 Nov 2023 00:00:00 GMT"}), now=NOW) == 0.0
