from __future__ import annotations

import pytest

from bot.rituals.delivery import SlackDelivery
from tests.fakes.loopback import serve
from tests.rituals.fake_slack import FakeSlack


@pytest.fixture
def fake_slack():
    return FakeSlack()


@pytest.fixture
def slack_url(fake_slack):
    with serve(fake_slack) as base_url:
        yield base_url + "/api/"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def slack_delivery(slack_url, sleeps):
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack_url, retry_handlers=[])
    return SlackDelivery(client=client, sleep=sleeps.append)
