"""Rituals' messages delivered to Slack: `SlackDelivery`, the `bot.rituals.delivery.Delivery` over the
app's one client (`bot.slack.notifier.Notifier`), and `delivery_for`, what a runner posts with.

The rituals depend on the `Delivery` Protocol only; this Slack side of it is made here, by whoever
runs them (the commands, the worker, the queue's tenants, the Slack app's handlers).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.blocks import Message, validate
from bot.delivery import DeliveryError
from bot.rituals.delivery import Delivery, Found, RecordingDelivery, is_user_id, metadata
from bot.slack.notifier import Notifier

log = logging.getLogger("bot.rituals.delivery")  # the rituals' delivery log, as before the move


def delivery_for(runtime, *, post: bool) -> Delivery:
    """Slack with the workspace's bot token when `post`, else a `RecordingDelivery` (dry runs, `--json`)."""
    return SlackDelivery.from_settings(runtime.settings, runtime.engine()) if post else RecordingDelivery()


@dataclass
class SlackDelivery:
    client: Any  # slack_sdk.WebClient
    sleep: Callable[[float], None] = time.sleep
    notifier: Any = None  # bot.slack.notifier.Notifier over the same client (made when not given)
    on_not_installed: Callable[[Any], None] | None = None  # Slack refused the token for good (bot/slack/revocations.py)
    _tz_cache: dict[str, str | None] = field(default_factory=dict)
    _user_cache: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.notifier is None:
            self.notifier = Notifier(self.client, sleep=self.sleep, on_not_installed=self.on_not_installed)

    @property
    def gone(self) -> str | None:
        """Slack's refusal of the workspace's token (token_revoked…) once seen: nothing more is delivered."""
        return getattr(self.notifier, "gone", None)

    @classmethod
    def from_settings(cls, settings, engine=None, *, sleep: Callable[[float], None] = time.sleep) -> SlackDelivery:
        """The workspace's bot token (SLACK_BOT_TOKEN, or its OAuth installation when `engine` is given)."""
        from bot.errors import UsageError
        from bot.slack.notifier import web_client

        if engine is not None and settings.env.slack_client_id and settings.env.slack_client_secret:
            from bot.slack.installations import client_for_workspace

            client = client_for_workspace(settings, engine, settings.workspace_id)
        elif settings.env.slack_bot_token is None:
            raise UsageError("set SLACK_BOT_TOKEN to post to Slack (or use --dry-run)")
        else:
            client = web_client(settings, settings.env.slack_bot_token.get_secret_value())
        if engine is None:
            return cls(client=client, sleep=sleep)
        from bot.slack import revocations  # a token Slack refuses for good: this run's posts stop, later runs skip

        delivery = cls(client=client, sleep=sleep, on_not_installed=revocations.on_refused(settings, engine, client.token))
        if settings.env.slack_bot_token is not None and client.token == settings.env.slack_bot_token.get_secret_value() \
                and revocations.is_refused(engine, workspace_id=settings.workspace_id, token=client.token):
            delivery.notifier.gone = "token_refused"
            log.warning("Slack workspace %s: Slack refused this bot token before: nothing is posted until "
                        "SLACK_BOT_TOKEN is replaced (or an hour after the refusal)", settings.workspace_id)
        return delivery

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None,
             key: str | None = None, digest: str | None = None) -> str:
        validate(message)
        return self.notifier.post(channel, message, thread_ts=thread_ts, metadata=metadata(key, digest)).ts

    def find_posted(self, channel: str, key: str, *, since: float, thread_ts: str | None = None) -> Found | None:
        found = self.notifier.find_message(channel, key=key, since=since, thread_ts=thread_ts)
        if found is None:
            return None
        return Found(found["ts"], (found["metadata"].get("event_payload") or {}).get("digest"))

    def find_upload(self, channel: str, filename: str, *, thread_ts: str, since: float) -> str | None:
        found = self.notifier.find_file(channel, filename=filename, thread_ts=thread_ts, since=since)
        return None if found is None else str(found.get("id", ""))

    def update(self, channel: str, ts: str, message: Message) -> None:
        validate(message)
        self.notifier.update(channel, ts, message)

    def open_dm(self, user: str) -> str:
        return self.notifier.open_dm(user)

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str:
        return self.notifier.upload_png(channel, png, filename=filename, title=title, alt_text=alt_text,
                                        thread_ts=thread_ts)

    def resolve_user(self, owner: str) -> str | None:
        if is_user_id(owner):
            return owner
        if "@" not in owner:
            return None
        key = owner.strip().lower()
        if key not in self._user_cache:
            try:
                self._user_cache[key] = self.notifier.user_by_email(key).get("id")
            except DeliveryError as error:
                # users_not_found: the playbook names someone outside this workspace. No email in the log.
                log.warning("a playbook owner email is not a user of this Slack workspace (%s)", error.code)
                self._user_cache[key] = None
        return self._user_cache[key]

    def user_timezone(self, user: str) -> str | None:
        if user not in self._tz_cache:
            try:
                self._tz_cache[user] = self.notifier.user_info(user).get("tz")
            except DeliveryError:
                self._tz_cache[user] = None
        return self._tz_cache[user]
