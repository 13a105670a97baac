"""The fake Slack refuses a message whose blocks Slack would refuse (`invalid_blocks`), on chat.postMessage and
chat.update alike, so a code path that draws blocks past Block Kit's limits fails in tests as in production."""
from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import serve_slack


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


REFUSED = [
    pytest.param([section("x" * 3001)], "blocks[0].text", id="section text over 3,000"),
    pytest.param([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "blocks[0].text",
                 id="header over 150"),
    pytest.param([{"type": "actions", "elements": [{"type": "button", "action_id": "a",
                                                    "text": {"type": "plain_text", "text": "b" * 76}}]}],
                 "blocks[0].elements[0].text", id="button text over 75"),
    pytest.param([{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}], "block_id",
                 id="block ids repeated"),
    pytest.param([{"type": "sparkles"}], "unknown block type", id="unknown block type"),
]


@pytest.mark.parametrize(("blocks", "named"), REFUSED)
def test_a_post_or_edit_with_a_block_past_its_limits_is_refused(blocks, named):
    with serve_slack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C1", text="t", blocks=blocks)
        assert refused.value.response["error"] == "invalid_blocks"
        assert named in refused.value.response["response_metadata"]["messages"][0]
        assert slack.in_channel("C1") == []

        ts = client.chat_postMessage(channel="C1", text="t", blocks=[section("fine")])["ts"]
        with pytest.raises(SlackApiError) as refused:
            client.chat_update(channel="C1", ts=ts, text="t", blocks=blocks)
        assert refused.value.response["error"] == "invalid_blocks"
        assert slack.updates == []


def test_blocks_at_their_limits_are_taken():
    with serve_slack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        blocks = [section("x" * 3000), {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}]
        assert client.chat_postMessage(channel="C1", text="t", blocks=blocks)["ok"]
