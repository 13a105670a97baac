"""Delivery to Slack: post, update, ephemeral, DM and App Home, with Slack's limits respected.

One `Notifier` per Web API client (so per workspace token). It

- validates a message against Block Kit limits and splits a long one into a
  parent plus thread replies (`bot.blocks.split`); a `msg_blocks_too_long`
  answer re-splits with a smaller budget;
- retries 429 after `Retry-After` and 5xx/connection errors with a short
  backoff, through an injected `sleep` (tests never sleep);
- paces posts to about one message per second per channel;
- answers `not_in_channel` by joining a public channel (`conversations.join`)
  and retrying once, otherwise raises `DeliveryError` with a fix a person can do.

The rituals worker uses the same API: `post(channel, message, thread_ts=None) -> PostedRef`
and `update(channel, ts, message)`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.blocks import MAX_TOTAL_CHARS, Message, split
from bot.slack.scopes import missing_scope_hint

log = logging.getLogger(__name__)

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
FATAL_HINTS = {
    "channel_not_found": "channel {channel} not found: check the channel id in signalroom.toml, and invite the bot "
                         "if it is private (/invite @Signalroom)",
    "not_in_channel": "the bot is not in {channel}: invite it there (/invite @Signalroom)",
    "is_archived": "channel {channel} is archived",
    "invalid_auth": "the Slack token was refused (invalid_auth): reinstall the app or check SLACK_BOT_TOKEN",
    "not_authed": "no Slack token was sent: set SLACK_BOT_TOKEN or install the app through /slack/install",
    "token_revoked": "the Slack token was revoked: reinstall the app",
}


class DeliveryError(Exception):
    """A message could not be delivered; `code` is Slack's error string (or an HTTP status)."""

    def __init__(self, message: str, *, code: str, channel: str | None = None) -> None:
        super().__init__(message)
        self.code, self.channel = code, channel


@dataclass(frozen=True)
class PostedRef:
    """Where a message landed: `ts` of the parent, `parts` the ts of every part (parent first)."""

    channel: str
    ts: str
    thread_ts: str | None = None
    parts: tuple[str, ...] = ()


def retry_delay(status: int | None, headers: dict[str, Any] | None, attempt: int, *, base: float = 1.0,
                cap: float = 60.0) -> float | None:
    """How long to wait before attempt `attempt + 1`, or None when the failure is not retriable. Pure."""
    if status == 429:
        raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        try:
            return min(cap, max(0.0, float(raw))) if raw is not None else min(cap, base * 2 ** attempt)
        except (TypeError, ValueError):
            return min(cap, base * 2 ** attempt)
    if status is None or status in RETRIABLE_STATUS:  # None: connection error
        return min(cap, base * 2 ** attempt)
    return None


class Notifier:
    def __init__(
        self,
        client: WebClient,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 1.0,
        max_attempts: int = 4,
        join_public: bool = True,
    ) -> None:
        self.client = client
        self._sleep, self._clock = sleep, clock
        self._min_interval, self._max_attempts, self._join_public = min_interval, max_attempts, join_public
        self._last_post: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- public API -----------------------------------------------------------------------------

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> PostedRef:
        """Post a message; parts beyond the first go into the thread of the first (or of `thread_ts`)."""
        try:
            return self._post_parts(channel, split(message), thread_ts)
        except DeliveryError as exc:
            if exc.code != "msg_blocks_too_long":
                raise
            return self._post_parts(channel, split(message, max_blocks=25, max_chars=MAX_TOTAL_CHARS // 3), thread_ts)

    def update(self, channel: str, ts: str, message: Message) -> PostedRef:
        """Replace a message's content; a too-long message keeps its first part and threads the rest."""
        parts = split(message)
        self._call("chat.update", channel=channel, ts=ts, text=parts[0].text, blocks=parts[0].blocks)
        tss = [ts]
        for part in parts[1:]:
            tss.append(self._send(channel, part, thread_ts=ts))
        return PostedRef(channel, ts, None, tuple(tss))

    def ephemeral(self, channel: str, user: str, message: Message) -> None:
        part = split(message)[0]
        self._call("chat.postEphemeral", channel=channel, user=user, text=part.text, blocks=part.blocks)

    def dm(self, user: str, message: Message) -> PostedRef:
        """A direct message (conversations.open, then post)."""
        data = self._call("conversations.open", users=user)
        return self.post(data["channel"]["id"], message)

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user, view=view)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", trigger_id=trigger_id, view=view)

    # --- internals -----------------------------------------------------------------------------

    def _post_parts(self, channel: str, parts: list[Message], thread_ts: str | None) -> PostedRef:
        first = self._send(channel, parts[0], thread_ts=thread_ts)
        anchor = thread_ts or first
        tss = [first]
        for part in parts[1:]:
            tss.append(self._send(channel, part, thread_ts=anchor))
        return PostedRef(channel, first, thread_ts, tuple(tss))

    def _send(self, channel: str, part: Message, *, thread_ts: str | None) -> str:
        kwargs: dict[str, Any] = {"channel": channel, "text": part.text, "blocks": part.blocks}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        self._pace(channel)
        try:
            data = self._call("chat.postMessage", **kwargs)
        except DeliveryError as exc:
            if exc.code != "not_in_channel" or not self._join_public:
                raise
            try:
                self._call("conversations.join", channel=channel)
            except DeliveryError:
                raise DeliveryError(FATAL_HINTS["not_in_channel"].format(channel=channel), code="not_in_channel",
                                    channel=channel) from None
            data = self._call("chat.postMessage", **kwargs)
        return data["ts"]

    def _pace(self, channel: str) -> None:
        """About one message per second per channel (Slack's posting limit)."""
        with self._lock:
            now = self._clock()
            last = self._last_post.get(channel)
            wait = 0.0 if last is None else self._min_interval - (now - last)
            self._last_post[channel] = now + max(0.0, wait)
        if wait > 0:
            self._sleep(wait)

    def _call(self, method: str, **kwargs: Any) -> Any:
        channel = kwargs.get("channel")
        attempt = 0
        while True:
            try:
                return self.client.api_call(method, json=kwargs)
            except SlackApiError as exc:
                response = exc.response
                status = getattr(response, "status_code", None)
                error = response.get("error") if hasattr(response, "get") else None
                delay = retry_delay(status, dict(getattr(response, "headers", {}) or {}), attempt)
                if delay is None or attempt + 1 >= self._max_attempts:
                    code = error or f"http_{status}"
                    hint = FATAL_HINTS.get(code, "Slack answered {code} to " + method).format(channel=channel, code=code)
                    if code == "missing_scope":
                        hint = missing_scope_hint(method, response.get("needed"))
                    raise DeliveryError(hint, code=code, channel=channel) from None
            except (SlackRequestError, OSError) as exc:
                delay = retry_delay(None, None, attempt)
                if attempt + 1 >= self._max_attempts:
                    raise DeliveryError(f"Slack unreachable for {method}: {exc.__class__.__name__}",
                                        code="connection", channel=channel) from None
            log.info("slack %s: retrying in %.1fs (attempt %d)", method, delay, attempt + 1)
            self._sleep(delay)
            attempt += 1

