"""Delivering rendered messages to Slack: a narrow Protocol and a thin `slack_sdk.WebClient` implementation.

Rituals depend on `Delivery` only. `SlackDelivery` sends posts and edits
through the Slack app's `bot.slack.notifier.Notifier` (Block Kit validation,
splitting, 429 `Retry-After`, pacing, joining a public channel on
`not_in_channel`) and does the calls the notifier has no method for
(`conversations.open` for a DM channel id, `users.info` for a timezone, file
uploads) with the same retry rule. Every Slack failure becomes one
`DeliveryError`. `RecordingDelivery` keeps messages in memory for `--dry-run`,
`--json` and the demo.
"""
from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.blocks import Message, validate

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Slack refused a message (after retries); `code` is Slack's error string."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)


class Delivery(Protocol):
    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def open_dm(self, user: str) -> str: ...

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str: ...

    def user_timezone(self, user: str) -> str | None: ...

    def resolve_user(self, owner: str) -> str | None:
        """The Slack user id for an owner given as a user id or an email; None when Slack has no such user."""
        ...


def is_user_id(owner: str) -> bool:
    return owner[:1] in ("U", "W") and owner.isalnum() and owner.isupper()


@dataclass
class SlackDelivery:
    client: Any  # slack_sdk.WebClient
    sleep: Callable[[float], None] = time.sleep
    max_retries: int = 4
    notifier: Any = None  # bot.slack.notifier.Notifier over the same client (made when not given)
    _tz_cache: dict[str, str | None] = field(default_factory=dict)
    _user_cache: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.notifier is None:
            from bot.slack.notifier import Notifier

            self.notifier = Notifier(self.client, sleep=self.sleep, max_attempts=self.max_retries + 1)

    @classmethod
    def from_settings(cls, settings, engine=None, *, sleep: Callable[[float], None] = time.sleep) -> SlackDelivery:
        """The workspace's bot token (SLACK_BOT_TOKEN, or its OAuth installation when `engine` is given)."""
        from bot.errors import UsageError

        if engine is not None and settings.env.slack_client_id and settings.env.slack_client_secret:
            from bot.slack.installations import client_for_workspace

            return cls(client=client_for_workspace(settings, engine, settings.workspace_id), sleep=sleep)
        token = settings.env.slack_bot_token
        if token is None:
            raise UsageError("set SLACK_BOT_TOKEN to post to Slack (or use --dry-run)")
        from slack_sdk import WebClient

        base_url = settings.env.slack_api_url
        if not base_url.endswith("/"):
            base_url += "/"
        client = WebClient(token=token.get_secret_value(), base_url=base_url, retry_handlers=[])
        return cls(client=client, sleep=sleep)

    def _notify(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from bot.slack.notifier import DeliveryError as NotifierError

        try:
            return getattr(self.notifier, method)(*args, **kwargs)
        except NotifierError as error:
            raise DeliveryError(error.code, str(error)) from None

    def _call(self, method: str, *, channel: str | None = None, **kwargs: Any) -> Any:
        from slack_sdk.errors import SlackApiError

        joined = False
        for attempt in itertools.count():
            try:
                call = getattr(self.client, method)
                return call(**({"channel": channel} if channel else {}), **kwargs)
            except SlackApiError as error:
                response = error.response
                code = (response.data or {}).get("error", "") if isinstance(response.data, dict) else ""
                if response.status_code == 429 and attempt < self.max_retries:
                    wait = float(response.headers.get("Retry-After") or response.headers.get("retry-after") or 1)
                    log.info("Slack rate limit on %s: retrying in %.0fs", method, wait)
                    self.sleep(min(wait, 120.0))
                    continue
                if code == "not_in_channel" and channel and not joined:
                    joined = True
                    try:
                        self.client.conversations_join(channel=channel)
                    except SlackApiError as join_error:
                        join_code = join_error.response.data.get("error", "") if isinstance(join_error.response.data, dict) else ""
                        raise DeliveryError("not_in_channel", f"invite the app to {channel} ({join_code})") from None
                    continue
                if code == "missing_scope":
                    from bot.slack.scopes import missing_scope_hint

                    slack_method = str(getattr(response, "api_url", "") or method).rsplit("/", 1)[-1]
                    raise DeliveryError(code, missing_scope_hint(slack_method, response.data.get("needed"))) from None
                raise DeliveryError(code or f"http_{response.status_code}", method) from None
        raise AssertionError("unreachable")

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        validate(message)
        return self._notify("post", channel, message, thread_ts=thread_ts).ts

    def update(self, channel: str, ts: str, message: Message) -> None:
        validate(message)
        self._notify("update", channel, ts, message)

    def open_dm(self, user: str) -> str:
        return self._call("conversations_open", users=user)["channel"]["id"]

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str:
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        response = self._call("files_upload_v2", channel=channel, content=png, filename=filename, title=title,
                              alt_txt=alt_text[:1000], **extra)
        file = response.get("file") or (response.get("files") or [{}])[0]
        return str(file.get("id", ""))

    def resolve_user(self, owner: str) -> str | None:
        if is_user_id(owner):
            return owner
        if "@" not in owner:
            return None
        key = owner.strip().lower()
        if key not in self._user_cache:
            try:
                self._user_cache[key] = ((self._call("users_lookupByEmail", email=key).get("user") or {}).get("id"))
            except DeliveryError as error:
                # users_not_found: the playbook names someone outside this workspace. No email in the log.
                log.warning("a playbook owner email is not a user of this Slack workspace (%s)", error.code)
                self._user_cache[key] = None
        return self._user_cache[key]

    def user_timezone(self, user: str) -> str | None:
        if user not in self._tz_cache:
            try:
                info = self._call("users_info", user=user)
                self._tz_cache[user] = (info.get("user") or {}).get("tz")
            except DeliveryError:
                self._tz_cache[user] = None
        return self._tz_cache[user]


@dataclass
class Sent:
    kind: str  # post | update | upload
    channel: str
    ts: str
    message: Message | None = None
    thread_ts: str | None = None
    filename: str | None = None
    alt_text: str | None = None
    png: bytes | None = None


@dataclass
class RecordingDelivery:
    """Keeps everything in memory: dry runs, `--json`, the demo and tests."""

    timezones: dict[str, str] = field(default_factory=dict)
    users_by_email: dict[str, str] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _ts(self) -> str:
        return f"1700000000.{next(self._counter):06d}"

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        validate(message)
        ts = self._ts()
        self.sent.append(Sent("post", channel, ts, message, thread_ts))
        return ts

    def update(self, channel: str, ts: str, message: Message) -> None:
        validate(message)
        self.sent.append(Sent("update", channel, ts, message))

    def open_dm(self, user: str) -> str:
        return f"D{user}"

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str:
        file_id = f"F{next(self._counter):06d}"
        self.sent.append(Sent("upload", channel, file_id, None, thread_ts, filename, alt_text, png))
        return file_id

    def user_timezone(self, user: str) -> str | None:
        return self.timezones.get(user)

    def resolve_user(self, owner: str) -> str | None:
        return owner if is_user_id(owner) else self.users_by_email.get(owner.strip().lower())
