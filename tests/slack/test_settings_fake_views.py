"""The fake Slack answers views.open and views.publish as Slack does (`invalid_arguments`
naming the field) for what the App Home set-up could get wrong: the method's surface and target, a
section without text or fields or with too many or too long fields, more than ten checkboxes."""
from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import serve_slack


def section(**fields) -> dict:
    return {"type": "section", **fields}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def home(*blocks: dict) -> dict:
    return {"type": "home", "blocks": list(blocks)}


def modal(*blocks: dict) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Set up"},
            "submit": {"type": "plain_text", "text": "Save"}, "blocks": list(blocks)}


def checkboxes(n: int) -> dict:
    options = [{"text": {"type": "plain_text", "text": f"Option {i}"}, "value": str(i)} for i in range(n)]
    return {"type": "input", "block_id": "pick", "label": {"type": "plain_text", "text": "Pick"},
            "element": {"type": "checkboxes", "action_id": "value", "options": options}}


REFUSED = [
    pytest.param("views_publish", {"user_id": "U1", "view": modal(section(text=mrkdwn("a")))}, "view.type",
                 id="publish takes a home view"),
    pytest.param("views_open", {"trigger_id": "t1", "view": home(section(text=mrkdwn("a")))}, "view.type",
                 id="open takes a modal"),
    pytest.param("views_publish", {"view": home(section(text=mrkdwn("a")))}, "user_id", id="publish for nobody"),
    pytest.param("views_open", {"view": modal(section(text=mrkdwn("a")))}, "trigger_id", id="open without trigger"),
    pytest.param("views_publish", {"user_id": "U1", "view": home(section())}, "text or fields",
                 id="section without text or fields"),
    pytest.param("views_publish", {"user_id": "U1", "view": home(section(fields=[mrkdwn("f")] * 11))},
                 "fields must hold at most 10", id="eleven fields"),
    pytest.param("views_publish", {"user_id": "U1", "view": home(section(fields=[mrkdwn("f" * 2001)]))},
                 "fields[0]", id="field over 2,000"),
    pytest.param("views_open", {"trigger_id": "t1", "view": modal(checkboxes(11))}, "options must hold at most 10",
                 id="eleven checkboxes"),
]


@pytest.mark.parametrize(("method", "args", "named"), REFUSED)
def test_a_view_slack_would_refuse_is_refused(method, args, named):
    with serve_slack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        with pytest.raises(SlackApiError) as refused:  # slack-sdk's api_call: its wrappers check some first
            client.api_call(method.replace("_", "."), json=args)
        assert refused.value.response["error"] == "invalid_arguments"
        assert named in refused.value.response["response_metadata"]["messages"][0]


def test_views_at_their_limits_are_taken():
    with serve_slack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        fields = section(text=mrkdwn("t" * 3000), fields=[mrkdwn("f" * 2000)] * 10)
        assert client.views_publish(user_id="U1", view=home(fields, section(fields=[mrkdwn("only fields")])))["ok"]
        assert client.views_open(trigger_id="t1", view=modal(checkboxes(10)))["ok"]
