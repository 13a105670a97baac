"""One table of Web API method → bot scope (bot/slack/scopes.py) rules the manifest, the OAuth request and the fake.

The code is read for every Slack method it calls, so a new call without a table row (and so without
its scope in the manifest) fails here; the fake Slack answers `missing_scope` from the same table.
"""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.blocks import Message
from bot.delivery import DeliveryError
from bot.slack.delivery import SlackDelivery
from bot.slack.app import BOT_SCOPES
from bot.slack.notifier import Notifier
from bot.slack.scopes import BOLT_METHODS, FEATURE_SCOPES, METHOD_SCOPES, required_scopes
from tests.fakes.slack import manifest_scopes, serve_slack

ROOT = Path(__file__).resolve().parents[2]
SLACK_METHOD = re.compile(r"^(chat|conversations|files|users|usergroups|views|auth|oauth|reactions|pins|team|bots|apps)\.")
MSG = Message(text="hello", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}])


def _web_api_methods(python_name: str, depth: int = 0) -> set[str]:
    """The Slack methods a WebClient method sends (files_upload_v2 → its two external-upload calls)."""
    source = inspect.getsource(getattr(WebClient, python_name))
    found = set(re.findall(r'api_call\(\s*"([a-zA-Z.]+)"', source))
    if depth < 1:
        for other in set(re.findall(r"self\.([a-z]+_[A-Za-z_0-9]+)\(", source)):
            if other != python_name and callable(getattr(WebClient, other, None)) and not other.startswith("_"):
                found |= _web_api_methods(other, depth + 1)
    return found


def methods_the_code_calls() -> set[str]:
    """Every Slack Web API method named in bot/: `_call("chat.update")`, `_call("files_upload_v2")`,
    `client.users_info(...)`, `api_call("…")`."""
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name in ("_call", "api_call") and node.args and isinstance(node.args[0], ast.Constant):
                value = str(node.args[0].value)
                if SLACK_METHOD.match(value):
                    found.add(value)
                elif callable(getattr(WebClient, value, None)):
                    found |= _web_api_methods(value)
            elif SLACK_METHOD.match(name.replace("_", ".", 1)) and callable(getattr(WebClient, name, None)):
                found |= _web_api_methods(name)
    return found


def test_the_scan_sees_the_calls_we_know_of():
    called = methods_the_code_calls()
    assert {"chat.postMessage", "chat.update", "conversations.join", "files.getUploadURLExternal",
            "files.completeUploadExternal", "users.lookupByEmail", "users.info", "usergroups.users.list",
            "views.publish"} <= called


def test_every_method_the_code_calls_has_a_row_and_no_row_is_stale():
    called = methods_the_code_calls()
    assert called - set(METHOD_SCOPES) == set(), "add these methods and their scopes to bot/slack/scopes.py"
    assert set(METHOD_SCOPES) - called - BOLT_METHODS == set(), "no code calls these any more"


def test_manifest_oauth_request_and_table_agree():
    assert sorted(manifest_scopes()) == sorted(BOT_SCOPES) == sorted(required_scopes())
    assert {"files:write", "commands"} <= set(BOT_SCOPES)
    assert set(FEATURE_SCOPES) <= set(BOT_SCOPES)


def test_the_fake_checks_a_manifest_without_files_write(tmp_path):
    """What a workspace installed from a manifest that lacks files:write gets: charts fail like on Slack."""
    manifest = (ROOT / "slack-manifest.yml").read_text()
    trimmed = tmp_path / "slack-manifest.yml"
    trimmed.write_text("\n".join(line for line in manifest.splitlines() if "files:write" not in line))
    assert "files:write" not in manifest_scopes(trimmed)
    with serve_slack(scopes=manifest_scopes(trimmed)) as fake:
        delivery = SlackDelivery(WebClient(token="xoxb-t", base_url=fake.api_url, retry_handlers=[]), sleep=lambda s: None)
        with pytest.raises(DeliveryError) as error:
            delivery.upload_png("C0REVIEW", b"\x89PNG", filename="csat.png", title="CSAT", alt_text="CSAT")
        assert error.value.code == "missing_scope" and "files:write" in str(error.value)
        assert "files.getUploadURLExternal" in str(error.value)
        assert fake.uploads == []


def test_missing_scope_answer_names_needed_and_provided():
    with serve_slack(scopes=["chat:write"]) as fake:
        client = WebClient(token="xoxb-t", base_url=fake.api_url, retry_handlers=[])
        from slack_sdk.errors import SlackApiError

        with pytest.raises(SlackApiError) as error:
            client.users_lookupByEmail(email="ana@example.com")
        assert error.value.response.data == {"ok": False, "error": "missing_scope", "needed": "users:read.email",
                                             "provided": "chat:write"}
        assert client.chat_postMessage(channel="C0REVIEW", text="hi")["ok"]


def test_scopes_are_per_token():
    with serve_slack() as fake:
        fake.grant("xoxb-narrow", ["commands"])
        wide = Notifier(WebClient(token="xoxb-wide", base_url=fake.api_url), sleep=lambda s: None)
        narrow = Notifier(WebClient(token="xoxb-narrow", base_url=fake.api_url), sleep=lambda s: None)
        assert wide.post("C0REVIEW", MSG).ts
        with pytest.raises(DeliveryError) as error:
            narrow.post("C0REVIEW", MSG)
        assert error.value.code == "missing_scope"
        assert "chat:write" in str(error.value) and "chat.postMessage" in str(error.value)
        assert len(fake.in_channel("C0REVIEW")) == 1


def test_users_info_email_needs_users_read_email():
    users = {"U0ANA": {"tz": "Europe/Berlin", "profile": {"email": "ana@example.com"}}}
    with serve_slack(users=users, scopes=["users:read"]) as fake:
        user = WebClient(token="xoxb-t", base_url=fake.api_url).users_info(user="U0ANA")["user"]
        assert user["tz"] == "Europe/Berlin" and "email" not in user["profile"]


def test_a_call_without_a_token_is_not_authed():
    with serve_slack() as fake:
        from slack_sdk.errors import SlackApiError

        with pytest.raises(SlackApiError) as error:
            WebClient(base_url=fake.api_url).chat_postMessage(channel="C0REVIEW", text="hi")
        assert error.value.response["error"] == "not_authed"
