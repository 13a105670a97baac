from __future__ import annotations

import pytest

from bot.slack.delivery import SlackDelivery
from tests.fakes.slack import serve_slack


@pytest.fixture
def fake_slack():
    with serve_slack() as fake:
        yield fake


@pytest.fixture
def slack_url(fake_slack):
    return fake_slack.api_url


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def slack_delivery(slack_url, sleeps):
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack_url, retry_handlers=[])
    return SlackDelivery(client=client, sleep=sleeps.append)
