import httpx
import pytest

from integrations.retry import (
    Decision,
    QuotaWindow,
    RetryPolicy,
    backoff,
    decide,
    pace,
    pace_window,
    quota,
    retry_after_seconds,
    track_quota,
)

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


ZD = {"ratelimit-limit": "10"}


def zd(remaining, reset):
    return httpx.Headers({**ZD, "ratelimit-remaining": str(remaining), "ratelimit-reset": str(reset)})


@pytest.mark.parametrize(
    ("window", "headers", "sent_at", "now", "limited", "expected"),
    [
        # the first response of a window: it ends within S seconds of now
        (QuotaWindow(), zd(9, 1), NOW - 0.02, NOW, False, QuotaWindow(9, NOW + 1)),
        # later responses of the same window: the earliest bound holds
        (QuotaWindow(9, NOW + 1), zd(8, 1), NOW + 0.3, NOW + 0.32, False, QuotaWindow(8, NOW + 1)),
        # ...and a tighter one replaces it (60-s window, whole seconds)
        (QuotaWindow(500, NOW + 40), zd(499, 39), NOW + 0.5, NOW + 0.6, False, QuotaWindow(499, NOW + 39.6)),
        # remaining went up: a new window, bounded afresh
        (QuotaWindow(0, NOW + 1), zd(9, 1), NOW + 0.9, NOW + 0.92, False, QuotaWindow(9, NOW + 1.92)),
        # sent after the old window surely ended: new, even though remaining did not go up (others used it)
        (QuotaWindow(3, NOW + 1), zd(2, 1), NOW + 1.01, NOW + 1.03, False, QuotaWindow(2, NOW + 2.03)),
        # Intercom: an epoch reset is already an instant
        (QuotaWindow(), httpx.Headers({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 4)}),
         NOW - 0.1, NOW, False, QuotaWindow(0, NOW + 4)),
        # no reset reported (Freshdesk): nothing to bound
        (QuotaWindow(5, NOW + 1), httpx.Headers({"X-Ratelimit-Remaining": "4"}), NOW, NOW, False, QuotaWindow(4, None)),
        (QuotaWindow(5, NOW + 1), httpx.Headers({}), NOW, NOW, False, QuotaWindow()),
        # a 429 right after waiting out our own bound: this server rounds down; a second of slack from now on
        (QuotaWindow(0, NOW + 1), zd(0, 1), NOW + 1.05, NOW + 1.07, True, QuotaWindow(0, NOW + 3.07, 1.0)),
        # a 429 while quota was left: someone else spent it; the reset is not at fault
        (QuotaWindow(4, NOW + 1), zd(0, 1), NOW + 0.5, NOW + 0.52, True, QuotaWindow(0, NOW + 1)),
        # slack, once learned, stays
        (QuotaWindow(0, NOW + 1, 1.0), zd(9, 1), NOW + 2.1, NOW + 2.12, False, QuotaWindow(9, NOW + 4.12, 1.0)),
    ],
)
def test_track_quota(window, headers, sent_at, now, limited, expected):
    got = track_quota(window, headers, sent_at=sent_at, now=now, limited=limited)
    assert (got.remaining, got.slack) == (expected.remaining, expected.slack)
    assert got.reset_by == (None if expected.reset_by is None else pytest.approx(expected.reset_by))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (QuotaWindow(), 0.0),
        (QuotaWindow(5, NOW + 1), 0.0),  # plenty left
        (QuotaWindow(0, NOW + 0.7), 0.75),  # wait for the bound, plus the margin
        (QuotaWindow(1, NOW + 0.6), 0.3),  # spread what is left
        (QuotaWindow(0, NOW - 0.2), 0.05),  # the bound has passed already
        (QuotaWindow(0, None), 0.0),  # no reset known: never slower than the server allows
        (QuotaWindow(0, NOW + 3600), 600.05),  # capped by max_wait
    ],
)
def test_pace_window(window, expected):
    assert pace_window(window, now=NOW, policy=POLICY) == pytest.approx(expected)


# One row per rate-limit header name the vendors document or recordings show:
# (headers, requests remaining, seconds until reset) as `quota` reads them at NOW.
@pytest.mark.parametrize(
    ("headers", "remaining", "until_reset"),
    [
        # Zendesk, documented (account-wide, list endpoints)
        ({"ratelimit-limit": "700", "ratelimit-remaining": "699", "ratelimit-reset": "41"}, 699, 41),
        ({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}, 699, None),
        ({"x-rate-limit-remaining": "3", "x-rate-limit-reset": "9"}, 3, 9),
        # Zendesk, as a 2023 recording answered: no x- prefix, no "ratelimit" contraction
        ({"rate-limit": "400", "rate-limit-remaining": "0", "rate-limit-reset": "17"}, 0, 17),
        ({"rate-limit-limit": "400", "rate-limit-remaining": "12", "rate-limit-reset": "5"}, 12, 5),
        # Zendesk per-endpoint window: the tighter of it and the account's wins
        ({"ratelimit-remaining": "699", "ratelimit-reset": "41",
          "zendesk-ratelimit-tickets-index": "total=100; remaining=0; resets=12"}, 0, 12),
        ({"ratelimit-remaining": "2", "ratelimit-reset": "41",
          "zendesk-ratelimit-incremental-exports": "total=10; remaining=9; resets=30"}, 2, 41),
        # ... as Zendesk's documentation writes it (header names are case-insensitive)
        ({"Zendesk-RateLimit-Tickets-Index": "total=100; remaining=99; resets=41"}, 99, 41),
        # IETF draft-07 structured field
        ({"RateLimit": "limit=100, remaining=4, reset=8"}, 4, 8),
        # Intercom: X-RateLimit-Reset is an epoch
        ({"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": str(int(NOW) + 6)}, 0, 6),
        # Freshdesk: remaining and total, no reset (Retry-After on the 429 itself)
        ({"X-Ratelimit-Total": "200", "X-Ratelimit-Remaining": "150",
          "X-Ratelimit-Used-CurrentRequest": "1"}, 150, None),
        ({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "30"}, 1, 30),
        # nothing reported, or nonsense
        ({}, None, None),
        ({"ratelimit-remaining": "n/a", "ratelimit-reset": "5"}, None, None),
        ({"zendesk-ratelimit-tickets-index": "garbage"}, None, None),
    ],
)
def test_quota_reads_every_documented_header(headers, remaining, until_reset):
    got_remaining, got_reset = quota(httpx.Headers(headers), now=NOW)
    assert got_remaining == remaining
    assert got_reset == (None if until_reset is None else pytest.approx(until_reset))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:30 GMT"}, 10.0),  # HTTP-date
        ({"retry-after": "0"}, 0.0),
        ({"X-RateLimit-Reset": str(int(NOW) + 30)}, 30.0),  # Intercom epoch
        ({"ratelimit-reset": "12"}, 12.0),
        ({"rate-limit-reset": "17"}, 17.0),  # Zendesk without the x- prefix
        ({"x-rate-limit-reset": "9"}, 9.0),
        ({"zendesk-ratelimit-incremental-exports": "total=10; remaining=0; resets=44"}, 44.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_every_documented_header(headers, expected):
    got = retry_after_seconds(httpx.Headers(headers), now=NOW)
    assert got == (None if expected is None else pytest.approx(expected))


def test_pacing_waits_on_zendesk_headers_without_the_x_prefix():
    headers = httpx.Headers({"rate-limit": "400", "rate-limit-remaining": "0", "rate-limit-reset": "17"})
    assert pace(headers, now=NOW, policy=POLICY) == pytest.approx(17.05)
