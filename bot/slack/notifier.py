"""Delivery to Slack: post, update, DM and App Home, with Slack's limits respected.

One `Notifier` per Web API client (so per workspace token). It

- validates a message against Block Kit limits and splits a long one into a
  parent plus thread replies (`bot.blocks.split`); a `msg_blocks_too_long`
  answer re-splits with a smaller budget;
- retries 429 after `Retry-After` and 5xx/connection errors with a short
  backoff, through an injected `sleep` (tests never sleep) — except where a
  retry could do the work twice: a `chat.postMessage` (or file share) that got
  a 5xx, `internal_error`, a dropped connection or no answer before the timeout
  may have been stored, so it raises `UncertainDeliveryError` instead and the
  caller reconciles (`find_message`, by the ledger key in the message's
  `metadata`) before it ever posts again;
- paces posts to about one message per second per channel;
- answers `not_in_channel` by joining a public channel (`conversations.join`)
  and retrying once, otherwise raises `DeliveryError` with a fix a person can do.
- answers a token Slack refuses for good (`token_revoked`, `account_inactive`,
  `invalid_auth`) with `NotInstalledError`, never retried; given `on_not_installed`
  (the rituals' delivery, bot/slack/revocations.py), it calls it once and makes no
  further call at all: every later one raises `NotInstalledError` at once (`gone`).

The rituals worker uses the same client (`bot.slack.delivery.SlackDelivery` wraps it):
`post(channel, message, thread_ts=None, metadata=None) -> PostedRef`, `update(channel, ts, message)`,
`find_message(channel, key=..., since=...)`, `open_dm`, `upload_png`, `user_info`, `user_by_email`. The
client's own retry handlers are switched off: retrying is decided here, once.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.blocks import MAX_TOTAL_CHARS, Message, split
from bot.delivery import (  # noqa: F401 - the app's handlers catch them as notifier.X
    METADATA_EVENT,
    NOT_INSTALLED_ERRORS,
    DeliveryError,
    NotInstalledError,
    UncertainDeliveryError,
    post_metadata,
)
from bot.slack.scopes import missing_scope_hint

log = logging.getLogger(__name__)

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Methods that do something new each time they run: retried only when Slack surely did not run them.
NOT_IDEMPOTENT = frozenset({"chat.postMessage", "files.completeUploadExternal"})
# Slack's own words for "it is possible some aspect of the operation succeeded before the error".
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable"})
TIMEOUT_SECONDS = 15  # a post unanswered by then is an UncertainDeliveryError, reconciled before any re-post
HISTORY_PAGE = 15  # conversations.history's limit for non-Marketplace apps (and enough for a narrow window)
FATAL_HINTS = {
    "channel_not_found": "channel {channel} not found: check the channel id in signalroom.toml, and invite the bot "
                         "if it is private (/invite @Signalroom)",
    "not_in_channel": "the bot is not in {channel}: invite it there (/invite @Signalroom)",
    "is_archived": "channel {channel} is archived",
    "invalid_auth": "the Slack token was refused (invalid_auth): reinstall the app or check SLACK_BOT_TOKEN",
    "not_authed": "no Slack token was sent: set SLACK_BOT_TOKEN or install the app through /slack/install",
    "token_revoked": "the Slack token was revoked: reinstall the app",
}


def outcome_unknown(status: int | None, error: str | None) -> bool:
    """Pure: could Slack have carried out a call that answered `status`/`error`? (429 and 4xx: surely not.)"""
    if status == 429 or error == "ratelimited":
        return False
    return (status is not None and status >= 500) or error in AMBIGUOUS_ERRORS


def never_sent(exc: BaseException) -> bool:
    """Pure: a transport failure that happened before Slack could read the request (refused, DNS)."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


@dataclass(frozen=True)
class PostedRef:
    """Where a message landed: `ts` of the parent, `parts` the ts of every part (parent first)."""

    channel: str
    ts: str
    thread_ts: str | None = None
    parts: tuple[str, ...] = ()


def web_client(settings: Any, token: str | None = None) -> WebClient:
    """The one way a Web API client is made (the app, the worker, the demo): `SLACK_API_URL` with the
    trailing slash its URLs are joined onto, one timeout, and no retry handlers of its own (the
    Notifier decides retries)."""
    base_url = settings.env.slack_api_url
    return WebClient(token=token, base_url=base_url if base_url.endswith("/") else base_url + "/",
                     timeout=TIMEOUT_SECONDS, retry_handlers=[])


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
        on_not_installed: Callable[[NotInstalledError], None] | None = None,
    ) -> None:
        self.client = client
        self._on_not_installed = on_not_installed
        self.gone: str | None = None  # Slack's refusal of the token, once seen (with `on_not_installed`)
        client.retry_handlers = []  # retries are decided in `_call` (a blind one could post twice)
        self._sleep, self._clock = sleep, clock
        self._min_interval, self._max_attempts, self._join_public = min_interval, max_attempts, join_public
        self._last_post: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None

    def stop_on(self, event: threading.Event) -> None:
        """Wait on `event` between tries (the worker's `serve`): a shutdown ends the wait and sends nothing."""
        self._stop = event

    def _wait(self, seconds: float) -> None:
        self._refuse_if_stopping()
        if self._stop is not None:
            self._stop.wait(seconds)
        else:
            self._sleep(seconds)
        self._refuse_if_stopping()

    def _refuse_if_stopping(self) -> None:
        if self._stop is not None and self._stop.is_set():
            raise DeliveryError("the worker is shutting down: not sent", code="shutting_down")

    # --- public API -----------------------------------------------------------------------------

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None,
             metadata: dict[str, Any] | None = None) -> PostedRef:
        """Post a message; parts beyond the first go into the thread of the first (or of `thread_ts`).

        `metadata` (see `post_metadata`) rides on the first part; later parts carry it with their `part` number.
        """
        try:
            return self._post_parts(channel, split(message), thread_ts, metadata)
        except DeliveryError as exc:
            if exc.code != "msg_blocks_too_long":
                raise
            return self._post_parts(channel, split(message, max_blocks=25, max_chars=MAX_TOTAL_CHARS // 3),
                                    thread_ts, metadata)

    def update(self, channel: str, ts: str, message: Message) -> PostedRef:
        """Replace a message's content; a too-long message keeps its first part and threads the rest."""
        parts = split(message)
        self._call("chat.update", channel=channel, ts=ts, text=parts[0].text, blocks=parts[0].blocks)
        tss = [ts]
        for part in parts[1:]:
            tss.append(self._send(channel, part, thread_ts=ts))
        return PostedRef(channel, ts, None, tuple(tss))

    def dm(self, user: str, message: Message) -> PostedRef:
        """A direct message (conversations.open, then post)."""
        data = self._call("conversations.open", users=user)
        return self.post(data["channel"]["id"], message)

    def open_dm(self, user: str) -> str:
        """The DM channel id with `user` (conversations.open is idempotent: the same channel each time)."""
        return self._call("conversations.open", users=user)["channel"]["id"]

    def user_info(self, user: str) -> dict[str, Any]:
        return self._call("users.info", user=user).get("user") or {}

    def user_by_email(self, email: str) -> dict[str, Any]:
        return self._call("users.lookupByEmail", email=email).get("user") or {}

    def find_message(self, channel: str, *, key: str, since: float, thread_ts: str | None = None,
                     max_pages: int = 4) -> dict[str, Any] | None:
        """The message this app posted with ledger `key` in its metadata at or after `since` (a Unix time).

        Reads `conversations.history` (or `conversations.replies` for a thread reply) from `since` on, with
        `include_all_metadata`, a page of `HISTORY_PAGE` at a time. None means it is surely not there; a
        window too busy to read in `max_pages` raises `UncertainDeliveryError` (we cannot tell).
        """
        def ours(message: dict[str, Any]) -> bool:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            return meta.get("event_type") == METADATA_EVENT and payload.get("key") == key and not payload.get("part")

        return self._search(channel, ours, since=since, thread_ts=thread_ts, max_pages=max_pages)

    def message_at(self, channel: str, ts: str, *, thread_ts: str | None = None) -> dict[str, Any] | None:
        """The message at `ts` as Slack has it now (blocks included); a thread reply needs its `thread_ts`."""
        args: dict[str, Any] = {"channel": channel, "oldest": ts, "latest": ts, "inclusive": True, "limit": 1}
        if thread_ts and thread_ts != ts:
            data = self._call("conversations.replies", ts=thread_ts, **{**args, "limit": 2})
        else:
            data = self._call("conversations.history", **args)
        return next((m for m in data.get("messages") or [] if m.get("ts") == ts), None)

    def find_file(self, channel: str, *, filename: str, thread_ts: str, since: float,
                  max_pages: int = 4) -> dict[str, Any] | None:
        """The file named `filename` this app shared in the thread at or after `since` (a file share carries
        no metadata: its name in the thread is its key). None means it is surely not there."""
        def shared(message: dict[str, Any]) -> bool:
            return any(f.get("name") == filename for f in message.get("files") or [])

        found = self._search(channel, shared, since=since, thread_ts=thread_ts, max_pages=max_pages)
        return None if found is None else next(f for f in found["files"] if f.get("name") == filename)

    def _search(self, channel: str, match: Callable[[dict[str, Any]], bool], *, since: float,
                thread_ts: str | None, max_pages: int) -> dict[str, Any] | None:
        args: dict[str, Any] = {"channel": channel, "oldest": f"{since:.6f}", "inclusive": True,
                                "include_all_metadata": True, "limit": HISTORY_PAGE}
        if thread_ts:
            args["ts"] = thread_ts
        cursors: set[str] = set()
        for _ in range(max_pages):
            if thread_ts:
                data = self._call("conversations.replies", **args)
            else:
                data = self._call("conversations.history", **args)
            for message in data.get("messages") or []:
                if match(message):
                    return message
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or ""
            if not data.get("has_more") or not cursor:
                return None
            if cursor in cursors:
                raise UncertainDeliveryError(f"the history of {channel} repeated a cursor (loop detected)", code="loop_detected",
                                             channel=channel)
            cursors.add(cursor)
            args["cursor"] = cursor
        raise UncertainDeliveryError(f"more than {max_pages} pages of {channel} since the post: not searched "
                                     "further", code="history_too_long", channel=channel)

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str:
        """Share a PNG (files_upload_v2: get an upload URL, send the bytes, complete); the file id."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}

        def upload() -> Any:
            return self.client.files_upload_v2(channel=channel, content=png, filename=filename, title=title,
                                               alt_txt=alt_text[:1000], **extra)
        response = self._attempt("files.upload_v2", channel, upload, once=True)
        file = response.get("file") or (response.get("files") or [{}])[0]
        return str(file.get("id", ""))

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user, view=view)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", trigger_id=trigger_id, view=view)

    # --- internals -----------------------------------------------------------------------------

    def _post_parts(self, channel: str, parts: list[Message], thread_ts: str | None,
                    metadata: dict[str, Any] | None = None) -> PostedRef:
        first = self._send(channel, parts[0], thread_ts=thread_ts, metadata=metadata)
        anchor = thread_ts or first
        tss = [first]
        for number, part in enumerate(parts[1:], start=1):
            tagged = None if metadata is None else {
                **metadata, "event_payload": {**metadata["event_payload"], "part": str(number)}}
            tss.append(self._send(channel, part, thread_ts=anchor, metadata=tagged))
        return PostedRef(channel, first, thread_ts, tuple(tss))

    def _send(self, channel: str, part: Message, *, thread_ts: str | None,
              metadata: dict[str, Any] | None = None) -> str:
        kwargs: dict[str, Any] = {"channel": channel, "text": part.text, "blocks": part.blocks}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if metadata is not None:
            kwargs["metadata"] = metadata
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

    def _not_installed(self, error: NotInstalledError) -> NotInstalledError:
        """The first refusal of the token: remember it and tell `on_not_installed` (once); the error to raise."""
        if self._on_not_installed is not None:
            with self._lock:
                first, self.gone = self.gone is None, self.gone or error.code
            if first:
                self._on_not_installed(error)
        return error

    def _pace(self, channel: str) -> None:
        """About one message per second per channel (Slack's posting limit)."""
        with self._lock:
            now = self._clock()
            last = self._last_post.get(channel)
            wait = 0.0 if last is None else self._min_interval - (now - last)
            self._last_post[channel] = now + max(0.0, wait)
        if wait > 0:
            self._wait(wait)

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self._attempt(method, kwargs.get("channel"), lambda: self.client.api_call(method, json=kwargs))

    def _attempt(self, method: str, channel: str | None, send: Callable[[], Any], *, once: bool | None = None) -> Any:
        """`send` until it succeeds or fails for good; `once`: the call must not run twice (see NOT_IDEMPOTENT)."""
        once = method in NOT_IDEMPOTENT if once is None else once
        if self.gone is not None:
            raise NotInstalledError(f"not sent: Slack refused this workspace's token ({self.gone})", code=self.gone,
                                    channel=channel)
        attempt = 0
        while True:
            try:
                return send()
            except SlackApiError as exc:
                response = exc.response
                status = getattr(response, "status_code", None)
                error = response.get("error") if hasattr(response, "get") else None
                # A helper that makes several calls (files_upload_v2) failed in one of them: name that one.
                method = str(getattr(response, "api_url", "") or "").rsplit("/", 1)[-1] or method
                if once and method in NOT_IDEMPOTENT and outcome_unknown(status, error):
                    raise UncertainDeliveryError(f"Slack answered {error or status} to {method}: it may have been "
                                                 "done", code="unknown_outcome", channel=channel) from None
                delay = retry_delay(status, dict(getattr(response, "headers", {}) or {}), attempt)
                if delay is None or attempt + 1 >= self._max_attempts:
                    code = error or f"http_{status}"
                    hint = FATAL_HINTS.get(code, "Slack answered {code} to " + method).format(channel=channel, code=code)
                    if code == "missing_scope":
                        hint = missing_scope_hint(method, response.get("needed"))
                    if code in NOT_INSTALLED_ERRORS:
                        raise self._not_installed(NotInstalledError(hint, code=code, channel=channel)) from None
                    raise DeliveryError(hint, code=code, channel=channel) from None
            except (SlackRequestError, OSError) as exc:
                if once and not never_sent(exc):
                    raise UncertainDeliveryError(f"no answer from Slack to {method} ({exc.__class__.__name__}): "
                                                 "it may have been done", code="unknown_outcome",
                                                 channel=channel) from None
                delay = retry_delay(None, None, attempt)
                if attempt + 1 >= self._max_attempts:
                    raise DeliveryError(f"Slack unreachable for {method}: {exc.__class__.__name__}",
                                        code="connection", channel=channel) from None
            log.info("slack %s: retrying in %.1fs (attempt %d)", method, delay, attempt + 1)
            self._wait(delay)
            attempt += 1

