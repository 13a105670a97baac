from datetime import UTC, datetime

import pytest

from bot.blocks import Message
from bot.rituals import ledger
from bot.delivery import DeliveryError
from bot.rituals.publish import Chart, Publisher

MSG = Message(text="hello", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}])
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def test_429_is_retried_after_retry_after(fake_slack, slack_delivery, sleeps):
    fake_slack.rate_limit("chat.postMessage", retry_after=7, times=2)
    ts = slack_delivery.post("C0REVIEW", MSG)
    assert ts and sleeps == [7.0, 7.0]
    assert len(fake_slack.in_channel("C0REVIEW")) == 1


def test_not_in_channel_joins_once_then_posts(fake_slack, slack_delivery):
    fake_slack.outside.add("C0ALERTS")
    slack_delivery.post("C0ALERTS", MSG)
    assert len(fake_slack.of("conversations.join")) == 1
    assert len(fake_slack.in_channel("C0ALERTS")) == 1


def test_private_channel_not_in_channel_is_a_delivery_error(fake_slack, slack_delivery):
    fake_slack.outside.add("G0PRIVATE")
    fake_slack.private_channels.add("G0PRIVATE")
    with pytest.raises(DeliveryError) as error:
        slack_delivery.post("G0PRIVATE", MSG)
    assert error.value.code == "not_in_channel"


def test_user_timezone_from_users_info(fake_slack, slack_delivery):
    fake_slack.users["U0NYC"] = {"tz": "America/New_York"}
    assert slack_delivery.user_timezone("U0NYC") == "America/New_York"
    assert slack_delivery.user_timezone("U0NOBODY") is None


def test_publisher_posts_once_then_edits_and_records_failures(session_factory, fake_slack, slack_delivery):
    publisher = Publisher(session_factory, "w", slack_delivery, clock=lambda: NOW)
    key = ledger.Key("weekly_review", "C0REVIEW", "2026-W48")
    reply = Message(text="reply", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "r"}}])
    chart = Chart(b"\x89PNG fake", "csat.png", "CSAT", "CSAT over 12 weeks")
    first = publisher.thread(key, MSG, [reply], [chart])
    assert first.outcome == "posted"
    again = publisher.thread(key, MSG, [reply], [chart])
    assert again.outcome == "unchanged"
    changed = Message(text="hello again", blocks=MSG.blocks)
    assert publisher.thread(key, changed, [reply], [chart]).outcome == "edited"
    assert len(fake_slack.messages) == 2 and len(fake_slack.uploads) == 1 and len(fake_slack.updates) == 1
    assert fake_slack.messages[1]["thread_ts"] == first.ts
    assert fake_slack.uploads[0]["thread_ts"] == first.ts

    fake_slack.outside.add("G0PRIVATE")
    fake_slack.private_channels.add("G0PRIVATE")
    failed = publisher.message(ledger.Key("digest", "G0PRIVATE", "2026-W48"), MSG)
    assert failed.outcome == "failed"
    row = ledger.find(session_factory, workspace_id="w", key=ledger.Key("digest", "G0PRIVATE", "2026-W48"))
    assert row.status == "failed" and "not_in_channel" in row.error
    # once the app is invited, the next run posts it
    fake_slack.private_channels.discard("G0PRIVATE")
    assert publisher.message(ledger.Key("digest", "G0PRIVATE", "2026-W48"), MSG).outcome == "posted"


def test_publisher_joins_retries_refuses_and_dms_on_one_server(session_factory):
    """A 429 twice, a public channel to join, a private one that refuses, a DM: one fake server set up at the start."""
    from slack_sdk import WebClient

    from bot.slack.delivery import SlackDelivery
    from tests.fakes.slack import serve_slack

    sleeps = []
    with serve_slack(outside={"C0DIGEST", "G0SECRET"}, private_channels={"G0SECRET"},
                     users={"U0NYC": {"id": "U0NYC", "tz": "America/New_York"}}) as fake:
        fake.rate_limit("chat.postMessage", retry_after=3, times=2)
        client = WebClient(token="xoxb-test-not-a-real-token", base_url=fake.api_url, retry_handlers=[])
        delivery = SlackDelivery(client=client, sleep=sleeps.append)
        publisher = Publisher(session_factory, "w", delivery, clock=lambda: NOW)
        assert publisher.message(ledger.Key("digest", "C0DIGEST", "2026-W48"), MSG).outcome == "posted"
        assert publisher.message(ledger.Key("digest", "C0DIGEST", "2026-W48"), MSG).outcome == "unchanged"
        assert publisher.message(ledger.Key("digest", "G0SECRET", "2026-W48"), MSG).outcome == "failed"
        assert publisher.message(ledger.Key("reminder", "U0NYC", "2026-11-23"), MSG, dm=True).outcome == "posted"
        assert delivery.user_timezone("U0NYC") == "America/New_York"
        posts = fake.of("chat.postMessage")
    assert 3.0 in sleeps and sleeps.count(3.0) == 2
    assert [c.args["channel"] for c in posts if c.args.get("channel") == "C0DIGEST"]
    assert len(fake.of("conversations.join")) == 2  # C0DIGEST joined; G0SECRET refused


def test_owner_emails_resolve_through_lookup_by_email_once(fake_slack, slack_delivery):
    fake_slack.users["U0LEAD"] = {"tz": "Europe/Berlin", "profile": {"email": "lead@example.com"}}
    assert slack_delivery.resolve_user("Lead@Example.com") == "U0LEAD"
    assert slack_delivery.resolve_user("lead@example.com") == "U0LEAD"
    assert len(fake_slack.of("users.lookupByEmail")) == 1  # cached
    assert slack_delivery.resolve_user("ghost@example.com") is None
    assert slack_delivery.resolve_user("U0OTHER") == "U0OTHER"  # ids need no lookup
    assert slack_delivery.resolve_user("Lead Person") is None


def test_a_message_too_long_for_one_post_is_edited_without_new_replies(session_factory, fake_slack, slack_delivery):
    publisher = Publisher(session_factory, "w", slack_delivery, clock=lambda: NOW)
    key = ledger.Key("alert", "C0ALERTS", "t-1-2")

    def long(word):
        return Message(text=word, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"{word} {i}"}}
                                          for i in range(80)])

    first = publisher.message(key, long("first"))
    posted = len(fake_slack.messages)
    assert first.outcome == "posted" and posted >= 2
    assert publisher.message(key, long("second")).outcome == "edited"
    assert len(fake_slack.messages) == posted  # every part edited in place, none posted again
    assert all(m["text"] == "second" or "second" in str(m["blocks"]) for m in fake_slack.messages)
