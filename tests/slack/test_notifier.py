"""Delivery against the fake Slack Web API over real HTTP: retries, pacing, splitting, joins."""
from __future__ import annotations

import socket
from urllib.error import URLError

import pytest
from slack_sdk import WebClient

from bot.blocks import Message
from bot.slack.notifier import (
    DeliveryError,
    Notifier,
    UncertainDeliveryError,
    never_sent,
    outcome_unknown,
    post_metadata,
    retry_delay,
)
from tests.fakes.slack import serve_slack


class Clock:
    """A fake monotonic clock that `sleep` advances: nothing ever sleeps for real."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture
def slack():
    with serve_slack(outside={"C0OUTSIDE", "C0PRIVATE"}, private_channels={"C0PRIVATE"}) as fake:
        yield fake


@pytest.fixture
def clock():
    return Clock()


def notifier(slack, clock, **kwargs) -> Notifier:
    return Notifier(WebClient(token="xoxb-test", base_url=slack.api_url), sleep=clock.sleep, clock=clock, **kwargs)


@pytest.mark.parametrize(("status", "headers", "attempt", "delay"), [
    (429, {"Retry-After": "7"}, 0, 7.0),
    (429, {"retry-after": ["3"]}, 2, 3.0),
    (429, {}, 1, 2.0),
    (429, {"Retry-After": "junk"}, 0, 1.0),
    (429, {"Retry-After": "9999"}, 0, 60.0),
    (503, {}, 2, 4.0),
    (None, None, 0, 1.0),
    (400, {}, 0, None),
    (404, {}, 0, None),
])
def test_retry_delay_table(status, headers, attempt, delay):
    assert retry_delay(status, headers, attempt) == delay


def test_post_returns_ts_and_channel(slack, clock):
    ref = notifier(slack, clock).post("C0REVIEW", Message("hi", [section("hello")]))
    call = slack.of("chat.postMessage")[0]
    assert ref.channel == "C0REVIEW" and ref.ts and ref.parts == (ref.ts,)
    assert call.token == "xoxb-test" and call.args["blocks"] == [section("hello")]


def test_429_is_retried_after_retry_after(slack, clock):
    slack.rate_limit("chat.postMessage", retry_after=3)
    ref = notifier(slack, clock).post("C0REVIEW", Message("hi", [section("x")]))
    assert ref.ts and len(slack.of("chat.postMessage")) == 2
    assert clock.sleeps == [3.0]


def test_5xx_is_retried_with_backoff_then_gives_up(slack, clock):
    slack.add_message("C0REVIEW", "1700000000.000099", "old")
    slack.server_error("chat.update", status=503, times=10)
    with pytest.raises(DeliveryError) as info:
        notifier(slack, clock, max_attempts=3).update("C0REVIEW", "1700000000.000099", Message("hi", [section("x")]))
    assert info.value.code in ("internal_error", "http_503")
    assert len(slack.of("chat.update")) == 3 and clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize(("status", "error", "unknown"), [
    (503, "internal_error", True),
    (500, None, True),
    (200, "fatal_error", True),
    (200, "internal_error", True),
    (429, "ratelimited", False),
    (200, "channel_not_found", False),
    (400, "invalid_blocks", False),
])
def test_outcome_unknown_table(status, error, unknown):
    assert outcome_unknown(status, error) is unknown


def test_never_sent_only_for_refused_or_unresolved_connections():
    assert never_sent(URLError(ConnectionRefusedError()))
    assert never_sent(URLError(socket.gaierror()))
    assert not never_sent(TimeoutError())
    assert not never_sent(ConnectionResetError())
    assert not never_sent(URLError(TimeoutError()))


def test_a_post_answered_503_after_slack_stored_it_is_not_sent_again(slack, clock):
    slack.server_error("chat.postMessage", status=503, after_store=True)
    with pytest.raises(UncertainDeliveryError) as info:
        notifier(slack, clock).post("C0REVIEW", Message("hi", [section("x")]), metadata=post_metadata("k1"))
    assert info.value.code == "unknown_outcome"
    assert len(slack.of("chat.postMessage")) == 1 and clock.sleeps == []
    assert len(slack.in_channel("C0REVIEW")) == 1


def test_a_post_answered_after_the_client_timeout_is_not_sent_again(slack, clock):
    slack.slow("chat.postMessage", 2.0)
    n = Notifier(WebClient(token="xoxb-test", base_url=slack.api_url, timeout=1), sleep=clock.sleep, clock=clock)
    with pytest.raises(UncertainDeliveryError):
        n.post("C0REVIEW", Message("hi", [section("x")]), metadata=post_metadata("k2"))
    assert len(slack.of("chat.postMessage")) == 1 and len(slack.in_channel("C0REVIEW")) == 1
    assert n.find_message("C0REVIEW", key="k2", since=0)["ts"] == slack.in_channel("C0REVIEW")[0]["ts"]


def test_a_refused_connection_is_retried(clock):
    with serve_slack() as fake:
        url = fake.api_url
    n = Notifier(WebClient(token="xoxb-test", base_url=url, timeout=1), sleep=clock.sleep, clock=clock,
                 max_attempts=2)
    with pytest.raises(DeliveryError) as info:  # nothing listens any more: surely never sent, so retried
        n.post("C0REVIEW", Message("hi", [section("x")]))
    assert info.value.code == "connection" and not isinstance(info.value, UncertainDeliveryError)
    assert clock.sleeps == [1.0]


def test_find_message_reads_history_pages_for_the_key(slack, clock):
    n = notifier(slack, clock, min_interval=0)
    n.post("C0REVIEW", Message("mine", [section("x")]), metadata=post_metadata("wanted", digest="d1"))
    for i in range(40):  # later traffic pushes it three pages back (15 a page)
        slack.add_message("C0REVIEW", f"1800000000.{i:06d}", f"chatter {i}")
    found = n.find_message("C0REVIEW", key="wanted", since=0)
    assert found["metadata"]["event_payload"] == {"key": "wanted", "digest": "d1"}
    calls = slack.of("conversations.history")
    assert len(calls) == 3 and all(c.args["include_all_metadata"] is True and c.args["limit"] == 15 for c in calls)
    assert n.find_message("C0REVIEW", key="absent", since=0, max_pages=4) is None
    with pytest.raises(UncertainDeliveryError):  # too long a window to read: we cannot tell
        n.find_message("C0REVIEW", key="absent", since=0, max_pages=2)


def test_find_message_in_a_thread_reads_its_replies(slack, clock):
    n = notifier(slack, clock, min_interval=0)
    parent = n.post("C0REVIEW", Message("parent", [section("p")])).ts
    reply = n.post("C0REVIEW", Message("reply", [section("r")]), thread_ts=parent, metadata=post_metadata("r1")).ts
    assert n.find_message("C0REVIEW", key="r1", since=0, thread_ts=parent)["ts"] == reply
    assert slack.of("conversations.replies")[0].args["ts"] == parent


def test_find_message_without_the_history_scope_is_a_clear_error(clock):
    with serve_slack(scopes={"chat:write"}) as fake:
        with pytest.raises(DeliveryError) as info:
            notifier(fake, clock).find_message("G0PRIVATE", key="k", since=0)
    assert info.value.code == "missing_scope" and "groups:history" in str(info.value)


def test_pacing_one_message_per_second_per_channel(slack, clock):
    n = notifier(slack, clock)
    for _ in range(3):
        n.post("C0REVIEW", Message("hi", [section("x")]))
    n.post("C0OTHER", Message("hi", [section("x")]))
    assert clock.sleeps == [1.0, 1.0]  # the other channel is not held back


def test_long_message_is_split_into_thread_replies(slack, clock):
    blocks = [section(f"line {i} " + "x" * 500) for i in range(80)]
    ref = notifier(slack, clock).post("C0REVIEW", Message("long report", blocks))
    calls = slack.of("chat.postMessage")
    assert len(calls) == len(ref.parts) >= 2
    assert "thread_ts" not in calls[0].args
    assert all(c.args["thread_ts"] == ref.ts for c in calls[1:])
    assert sum(len(c.args["blocks"]) for c in calls) == 80
    assert all(len(c.args["blocks"]) <= 50 for c in calls)


def test_msg_blocks_too_long_resplits_smaller(slack, clock):
    slack.fail("chat.postMessage", "msg_blocks_too_long")
    blocks = [section(f"line {i}") for i in range(40)]
    ref = notifier(slack, clock).post("C0REVIEW", Message("report", blocks))
    calls = slack.of("chat.postMessage")
    assert len(calls[0].args["blocks"]) == 40  # refused
    assert len(ref.parts) >= 2 and sum(len(c.args["blocks"]) for c in calls[1:]) == 40


def test_not_in_channel_joins_public_channel_and_retries(slack, clock):
    ref = notifier(slack, clock).post("C0OUTSIDE", Message("hi", [section("x")]))
    assert ref.ts
    assert [c.method for c in slack.calls] == ["chat.postMessage", "conversations.join", "chat.postMessage"]


def test_not_in_private_channel_is_a_clear_error(slack, clock):
    with pytest.raises(DeliveryError) as info:
        notifier(slack, clock).post("C0PRIVATE", Message("hi", [section("x")]))
    assert info.value.code == "not_in_channel" and "/invite" in str(info.value)


def test_channel_not_found_is_a_clear_error(slack, clock):
    slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError) as info:
        notifier(slack, clock).post("C0GONE", Message("hi", [section("x")]))
    assert info.value.code == "channel_not_found" and "C0GONE" in str(info.value)


def test_update_dm_and_home(slack, clock):
    n = notifier(slack, clock)
    ref = n.post("C0REVIEW", Message("hi", [section("x")]))
    n.update("C0REVIEW", ref.ts, Message("hi again", [section("y")]))
    dm = n.dm("U0OWNER", Message("for you", [section("z")]))
    n.publish_home("U0OWNER", {"type": "home", "blocks": [section("home")]})
    assert slack.of("chat.update")[0].args["ts"] == ref.ts
    assert slack.of("conversations.open")[0].args["users"] == "U0OWNER" and dm.channel.startswith("D")
    assert slack.of("views.publish")[0].args["user_id"] == "U0OWNER"


def test_a_shutdown_ends_a_retry_wait_without_sending_again(slack, clock):
    import threading

    stop = threading.Event()
    n = notifier(slack, clock)
    n.stop_on(stop)
    slack.rate_limit("chat.postMessage", retry_after=30)
    threading.Timer(0.2, stop.set).start()  # SIGTERM arrives while the worker waits out the 429
    with pytest.raises(DeliveryError) as info:
        n.post("C0REVIEW", Message("hi", [section("x")]))
    assert info.value.code == "shutting_down" and not isinstance(info.value, UncertainDeliveryError)
    assert len(slack.of("chat.postMessage")) == 1 and slack.in_channel("C0REVIEW") == []
