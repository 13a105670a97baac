"""The Slack app's notifier and the rituals' delivery are one client: the same calls, waits and errors
on a 429, on `not_in_channel` (join a public channel, then post once) and on a channel it cannot join."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from slack_sdk import WebClient

from bot.blocks import Message
from bot.slack.delivery import SlackDelivery
from bot.slack.notifier import DeliveryError, Notifier
from tests.fakes.slack import serve_slack

MSG = Message("hi", [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}])


def _notifier(client: WebClient, sleep: Callable[[float], None]) -> Callable[[str], object]:
    notifier = Notifier(client, sleep=sleep, clock=lambda: 0.0, min_interval=0.0)
    return lambda channel: notifier.post(channel, MSG)


def _delivery(client: WebClient, sleep: Callable[[float], None]) -> Callable[[str], object]:
    delivery = SlackDelivery(client=client, sleep=sleep)
    return lambda channel: delivery.post(channel, MSG)


def _run(make, scenario: Callable) -> tuple[list, list, object]:
    """Run `scenario(fake, post)` against a fresh fake Slack; (calls as (method, channel), sleeps, outcome)."""
    sleeps: list[float] = []
    with serve_slack(outside={"C0OUTSIDE", "G0PRIVATE"}, private_channels={"G0PRIVATE"}) as fake:
        post = make(WebClient(token="xoxb-test", base_url=fake.api_url), sleeps.append)
        try:
            outcome: object = ("posted", bool(scenario(fake, post)))
        except DeliveryError as error:
            outcome = (type(error), error.code, str(error))
        calls = [(c.method, c.args.get("channel")) for c in fake.calls]
    return calls, sleeps, outcome


def _rate_limited(fake, post):
    fake.rate_limit("chat.postMessage", retry_after=3, times=2)
    return post("C0REVIEW")


def _rate_limited_for_good(fake, post):
    fake.rate_limit("chat.postMessage", retry_after=2, times=20)
    return post("C0REVIEW")


def _outside_a_public_channel(fake, post):
    fake.rate_limit("conversations.join", retry_after=5)
    return post("C0OUTSIDE")


def _outside_a_private_channel(fake, post):
    return post("G0PRIVATE")


@pytest.mark.parametrize("scenario", [_rate_limited, _rate_limited_for_good, _outside_a_public_channel,
                                      _outside_a_private_channel])
def test_the_notifier_and_ritual_delivery_behave_alike(scenario):
    assert _run(_notifier, scenario) == _run(_delivery, scenario)


def test_what_they_both_do():
    calls, sleeps, outcome = _run(_delivery, _outside_a_public_channel)
    assert calls == [("chat.postMessage", "C0OUTSIDE"), ("conversations.join", "C0OUTSIDE"),
                     ("conversations.join", "C0OUTSIDE"), ("chat.postMessage", "C0OUTSIDE")]
    assert sleeps == [5.0] and outcome == ("posted", True)
    calls, sleeps, outcome = _run(_delivery, _rate_limited_for_good)
    assert sleeps == [2.0, 2.0, 2.0] and len(calls) == 4  # one retry policy: four attempts
    assert outcome[:2] == (DeliveryError, "ratelimited")
    _, _, outcome = _run(_notifier, _outside_a_private_channel)
    assert outcome[:2] == (DeliveryError, "not_in_channel") and "/invite @Signalroom" in outcome[2]


def test_every_client_is_made_alike_even_without_the_trailing_slash(tmp_path, session_factory):
    """The app, the worker (token or OAuth install) and the demo make their Web API client in one place."""
    from bot.slack.app import build_app
    from bot.slack.installations import client_for_workspace
    from tests.slack.conftest import make_settings

    with serve_slack() as fake:
        env = {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": fake.api_url.rstrip("/")}
        settings = make_settings(tmp_path, env)
        engine = session_factory.kw["bind"]
        clients = [SlackDelivery.from_settings(settings, engine).client, SlackDelivery.from_settings(settings).client,
                   client_for_workspace(settings, engine, settings.workspace_id),
                   build_app(settings, session_factory).client]
        for client in clients:
            assert client.auth_test()["ok"] and client.retry_handlers == []
        assert len({(c.base_url, c.timeout, c.token) for c in clients}) == 1
