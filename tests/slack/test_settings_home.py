"""App Home set-up (issue 16.3): a workspace connects its helpdesk and picks its review channel from App
Home, through signed requests against the fake Slack, with the connection test going over real HTTP to
a fake Zendesk on loopback. The database then holds the token as ciphertext and the channel as a stored
setting with who set it; a rejected token shows on the modal's field and saves nothing; someone who is
not an admin is refused whatever they submit; the first-run checklist ticks step by step."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.credentials import keyring_from_value, new_key
from bot.slack import settings_ids as ids
from bot.storage.models import PostedMessage
from bot.storage.workspace_models import HelpdeskSource, SettingsChange
from bot.storage.workspace_settings_models import WorkspaceSettings
from integrations.normalize import basic_auth_header
from tests.fakes.blockkit import view_refusal
from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.intercom import FakeIntercom
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk
from tests.slack.conftest import ADMIN, OWNER, SECRET, running_app

TOKEN = "zd-Token-9f8e7d6c5b4a"
EMAIL = "agent@acme.example"
KEY = new_key()
CONFIG = f"""
timezone = "Europe/Berlin"
[slack]
admins = ["{ADMIN}"]
"""


@pytest.fixture
def zendesk():
    fake = FakeZendesk(auth=basic_auth_header(f"{EMAIL}/token", TOKEN))
    with serve(fake) as url:
        yield fake, url


def settings_from(tmp_path, config: str, slack, **env: str):
    """One workspace on a bot token, configured by `config`, talking to the fake `slack`."""
    path = tmp_path / "signalroom.toml"
    path.write_text(config, encoding="utf-8")
    return load_settings({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-single",
                          "SLACK_API_URL": slack.api_url, **env}, config_path=str(path))


@pytest.fixture
def driver(tmp_path, session_factory, slack):
    with running_app(settings_from(tmp_path, CONFIG, slack, SIGNALROOM_SECRET_KEY=KEY), session_factory,
                     slack) as driver:
        yield driver


def home_of(driver, user=ADMIN, count=1) -> dict:
    """The Home view published for `user` (the `count`-th publish), checked like Slack checks it."""
    call = driver.slack.wait_for("views.publish", count)[count - 1]
    assert call.args["user_id"] == user
    assert view_refusal(call.args["view"]) is None
    return call.args["view"]


def open_home(driver, user=ADMIN, count=1) -> dict:
    assert driver.event({"type": "app_home_opened", "user": user, "tab": "home"}).status_code == 200
    return home_of(driver, user, count)


def checklist(view: dict) -> list[str]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "settings_checklist"]
    return block["text"]["text"].split("\n")[1:]


def opened_modal(driver, count=1) -> dict:
    call = driver.slack.wait_for("views.open", count)[count - 1]
    assert view_refusal(call.args["view"]) is None, view_refusal(call.args["view"])
    return call.args["view"]


def field(value: str | None = None, **element) -> dict:
    return {ids.INPUT: {"type": "plain_text_input", "value": value} if value is not None else element}


def connect_form(url: str, token: str = TOKEN, name: str = "zendesk-main") -> dict:
    return {ids.SOURCE_NAME: field(name), ids.SOURCE_URL: field(url), ids.SOURCE_EMAIL: field(EMAIL),
            ids.SOURCE_SECRET: field(token)}


def channels_form(review: str | None) -> dict:
    return {ids.CHANNEL_KEYS[0]: field(type="conversations_select", selected_conversation=review),
            ids.CHANNEL_KEYS[1]: field(type="conversations_select", selected_conversation=None)}


def rows(session_factory, model, **where):
    with session_factory() as session:
        return list(session.scalars(select(model).filter_by(**where)))


def test_a_workspace_connects_zendesk_and_picks_its_review_channel_from_app_home(driver, session_factory,
                                                                                  zendesk, engine):
    fake, url = zendesk
    home = open_home(driver)
    assert checklist(home) == [":white_large_square: Connect a helpdesk", ":white_large_square: Pick the review channel",
                               ":white_large_square: First review on Monday 23 Nov at 09:30 (Europe/Berlin)"]
    assert home["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Set-up"}}  # on top

    driver.click(f"{ids.CONNECT}:zendesk", "zendesk", user=ADMIN)
    modal = opened_modal(driver)
    assert (modal["callback_id"], modal["private_metadata"]) == (ids.CONNECT_VIEW, "zendesk")
    assert [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"] == [
        ids.SOURCE_NAME, ids.SOURCE_URL, ids.SOURCE_EMAIL, ids.SOURCE_SECRET]
    answer = driver.submit(ids.CONNECT_VIEW, connect_form(url), user=ADMIN, private_metadata="zendesk")
    assert answer.status_code == 200 and answer.text == ""  # the modal closes
    assert [r.url.path for r in fake.requests] == ["/api/v2/users/me.json"]  # the connection test went out
    (source,) = rows(session_factory, HelpdeskSource, workspace_id="default")
    assert (source.name, source.type, source.url, source.email, source.created_by) == (
        "zendesk-main", "zendesk", url, EMAIL, ADMIN)
    assert TOKEN.encode() not in source.secret_ciphertext  # ciphertext, which the key opens
    assert keyring_from_value(KEY).decrypt(source.secret_ciphertext).reveal() == TOKEN
    home = home_of(driver, count=2)  # refreshed after the submission
    assert checklist(home)[0] == ":white_check_mark: Helpdesk connected"
    assert TOKEN not in json.dumps(home)  # never shown back

    driver.click(ids.EDIT_CHANNELS, "", user=ADMIN)
    modal = opened_modal(driver, 2)
    pickers = {b["block_id"]: b["element"]["type"] for b in modal["blocks"]}
    assert pickers == dict.fromkeys(ids.CHANNEL_KEYS, "conversations_select")
    answer = driver.submit(ids.CHANNELS_VIEW, channels_form("C0REVIEW"), user=ADMIN)
    assert answer.status_code == 200 and answer.text == ""
    (stored,) = rows(session_factory, WorkspaceSettings, workspace_id="default")
    assert stored.overrides == {"slack": {"review_channel": "C0REVIEW"}} and stored.updated_by == ADMIN
    (change,) = rows(session_factory, SettingsChange, workspace_id="default", key="slack.review_channel")
    assert (change.old, change.new, change.who) == (None, "C0REVIEW", ADMIN)
    assert checklist(home_of(driver, count=3))[:2] == [":white_check_mark: Helpdesk connected",
                                                        ":white_check_mark: Review channel: <#C0REVIEW>"]


def test_a_rejected_token_shows_on_its_field_and_nothing_is_saved(driver, session_factory, zendesk):
    fake, url = zendesk
    answer = driver.submit(ids.CONNECT_VIEW, connect_form(url, token="wrong-token-123"), user=ADMIN,
                           private_metadata="zendesk")
    body = answer.json()
    assert body["response_action"] == "errors" and list(body["errors"]) == [ids.SOURCE_SECRET]
    assert "rejected (HTTP 401)" in body["errors"][ids.SOURCE_SECRET]
    assert "--email" not in body["errors"][ids.SOURCE_SECRET] and "wrong-token" not in answer.text
    assert len(fake.requests) >= 1
    assert rows(session_factory, HelpdeskSource) == []

    answer = driver.submit(ids.CONNECT_VIEW, connect_form("https://"), user=ADMIN, private_metadata="zendesk")
    assert list(answer.json()["errors"]) == [ids.SOURCE_URL]  # a malformed address: on the address field
    answer = driver.submit(ids.CONNECT_VIEW, connect_form("acme"), user=ADMIN, private_metadata="freshdesk")
    assert answer.json()["response_action"] == "errors"
    assert rows(session_factory, HelpdeskSource) == [] and len(driver.slack.of("views.publish")) == 0


def test_someone_who_is_not_an_admin_is_refused(driver, session_factory, zendesk):
    fake, url = zendesk
    home = open_home(driver, user=OWNER)
    assert "Set-up" not in json.dumps(home) and ids.CONNECT not in json.dumps(home)

    # a crafted submission, as if the modal had been opened
    for callback, form, metadata in ((ids.CONNECT_VIEW, connect_form(url), "zendesk"),
                                     (ids.CHANNELS_VIEW, channels_form("C0MINE"), ""),
                                     (ids.RITUAL_VIEW, {ids.RITUAL_TIME: field(type="timepicker",
                                                                               selected_time="03:00")}, "weekly_review")):
        body = driver.submit(callback, form, user=OWNER, private_metadata=metadata).json()
        assert body["response_action"] == "errors"
        assert "Only admins" in next(iter(body["errors"].values()))
    assert fake.requests == []  # not even the connection test
    assert rows(session_factory, HelpdeskSource) == [] and rows(session_factory, WorkspaceSettings) == []
    assert rows(session_factory, SettingsChange) == []

    driver.click(f"{ids.CONNECT}:zendesk", "zendesk", user=OWNER)
    driver.click(ids.RITUAL_PAUSE, "weekly_review", user=OWNER)
    refusals = driver.slack.wait_for("chat.postMessage", 2)
    assert [c.args["channel"] for c in refusals] == [OWNER, OWNER]
    assert all("Only admins" in c.args["text"] for c in refusals)
    assert driver.slack.of("views.open") == [] and rows(session_factory, WorkspaceSettings) == []


def test_the_checklist_ticks_and_moves_below_once_done(driver, session_factory, zendesk):
    fake, url = zendesk
    driver.submit(ids.CONNECT_VIEW, connect_form(url), user=ADMIN, private_metadata="zendesk")
    driver.submit(ids.CHANNELS_VIEW, channels_form("C0REVIEW"), user=ADMIN)
    home_of(driver, count=2)
    with session_factory.begin() as session:  # the worker posted the first review
        session.add(PostedMessage(workspace_id="default", ritual="weekly_review", channel="C0REVIEW",
                                  period="2026-W48", ts="1764000000.000100", status="posted",
                                  created_at=datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)))
    home = open_home(driver, count=3)
    assert not [b for b in home["blocks"] if b.get("block_id") == "settings_checklist"]
    headers = [b["text"]["text"] for b in home["blocks"] if b["type"] == "header"]
    assert headers[-1] == "Set-up" and headers[0] != "Set-up"  # the rest of Home comes first now


def test_removing_a_helpdesk_deletes_it_and_its_credentials(driver, session_factory, zendesk):
    fake, url = zendesk
    driver.submit(ids.CONNECT_VIEW, connect_form(url), user=ADMIN, private_metadata="zendesk")
    home = home_of(driver)
    buttons = [e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    remove = next(e for e in buttons if e["action_id"] == ids.SOURCE_REMOVE)
    assert remove["value"] == "zendesk-main" and remove["confirm"]["style"] == "danger"
    driver.click(ids.SOURCE_TEST, "zendesk-main", user=ADMIN)
    (dm,) = [c for c in driver.slack.wait_for("chat.postMessage") if c.args["channel"] == "DU0ADMIN"]
    assert dm.args["text"] == "zendesk-main: connection works"
    assert [r.url.path for r in fake.requests] == ["/api/v2/users/me.json"] * 2  # tested again, stored token
    driver.click(ids.SOURCE_REMOVE, "zendesk-main", user=ADMIN)
    home = home_of(driver, count=2)
    assert rows(session_factory, HelpdeskSource) == []
    assert "zendesk-main" not in json.dumps(home)


def test_a_flaky_helpdesk_is_retried_once_and_an_unreachable_one_answers_within_slacks_3_seconds(
        driver, session_factory, zendesk):
    import time

    fake, url = zendesk
    fake.fail_next("503")
    assert driver.submit(ids.CONNECT_VIEW, connect_form(url), user=ADMIN, private_metadata="zendesk").text == ""
    assert len(rows(session_factory, HelpdeskSource)) == 1 and len(fake.requests) == 2

    fake.fail_next("timeout", times=2)
    started = time.monotonic()
    body = driver.submit(ids.CONNECT_VIEW, connect_form(url, name="second"), user=ADMIN,
                         private_metadata="zendesk").json()
    assert time.monotonic() - started < 3.0
    assert body["response_action"] == "errors" and list(body["errors"]) == [ids.SOURCE_URL], body
    assert [s.name for s in rows(session_factory, HelpdeskSource)] == ["zendesk-main"]


@pytest.mark.parametrize("vendor, fake, secret, identity", [
    ("freshdesk", FakeFreshdesk(auth=basic_auth_header("fd-key-123456", "X")), "fd-key-123456", "/api/v2/agents/me"),
    ("intercom", FakeIntercom(auth="Bearer ic-token-abc"), "ic-token-abc", "/me"),
])
def test_freshdesk_and_intercom_connect_with_the_fields_they_need(driver, session_factory, vendor, fake, secret,
                                                                   identity):
    driver.click(f"{ids.CONNECT}:{vendor}", vendor, user=ADMIN)
    blocks = [b["block_id"] for b in opened_modal(driver)["blocks"] if b["type"] == "input"]
    assert blocks == ([ids.SOURCE_NAME, ids.SOURCE_URL, ids.SOURCE_SECRET] if vendor == "freshdesk"
                      else [ids.SOURCE_NAME, ids.SOURCE_SECRET, ids.SOURCE_URL])  # Intercom: the region is optional
    with serve(fake) as url:
        form = {ids.SOURCE_NAME: field(vendor), ids.SOURCE_URL: field(url), ids.SOURCE_SECRET: field(secret)}
        assert driver.submit(ids.CONNECT_VIEW, form, user=ADMIN, private_metadata=vendor).text == ""
    assert [r.url.path for r in fake.requests] == [identity]
    (source,) = rows(session_factory, HelpdeskSource)
    assert (source.type, source.url, source.email) == (vendor, url, None)
    assert secret.encode() not in source.secret_ciphertext
