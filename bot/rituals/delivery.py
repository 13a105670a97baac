"""Delivering rendered messages: a narrow Protocol, and a recording implementation.

Rituals depend on `Delivery` only. The Slack implementation, `bot.slack.delivery.SlackDelivery`, is a
thin face over the Slack app's one client (`bot.slack.notifier.Notifier`: Block Kit validation,
splitting, 429 `Retry-After`, pacing, joining a public channel on `not_in_channel`, and no blind retry
of a post whose outcome is unknown, `UncertainDeliveryError`); the errors live below both, in
`bot.delivery`, with the one `DeliveryError`. `find_posted` looks a post up by the ledger key it
carries in its `metadata`. `RecordingDelivery` keeps messages in memory for `--dry-run`, `--json`
and the demo.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.blocks import Message, validate
from bot.delivery import post_metadata


@dataclass(frozen=True, slots=True)
class Found:
    """A post found again by its ledger key: where it is and the content digest it was posted with."""

    ts: str
    digest: str | None


class Delivery(Protocol):
    def post(self, channel: str, message: Message, *, thread_ts: str | None = None,
             key: str | None = None, digest: str | None = None) -> str:
        """Post; `key` (the ledger key) and `digest` ride in the message's metadata."""
        ...

    def find_posted(self, channel: str, key: str, *, since: float, thread_ts: str | None = None) -> Found | None:
        """The post carrying ledger `key`, posted at or after `since` (Unix time); None when surely absent.

        Raises `DeliveryError` when it cannot tell (no history scope, a window too long to read).
        """
        ...

    def find_upload(self, channel: str, filename: str, *, thread_ts: str, since: float) -> str | None:
        """The id of the file `filename` shared in the thread at or after `since`; None when surely absent."""
        ...

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


def metadata(key: str | None, digest: str | None) -> dict[str, Any] | None:
    """A post's `metadata`: its ledger key and content digest (None without a key)."""
    if key is None:
        return None
    return post_metadata(key, **({"digest": digest} if digest else {}))


@dataclass
class Sent:
    kind: str  # post | update | upload
    channel: str
    ts: str
    message: Message | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
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

    def post(self, channel: str, message: Message, *, thread_ts: str | None = None,
             key: str | None = None, digest: str | None = None) -> str:
        validate(message)
        ts = self._ts()
        self.sent.append(Sent("post", channel, ts, message, thread_ts, metadata(key, digest)))
        return ts

    def find_posted(self, channel: str, key: str, *, since: float, thread_ts: str | None = None) -> Found | None:
        for sent in self.sent:
            payload = (sent.metadata or {}).get("event_payload") or {}
            if sent.kind == "post" and sent.channel == channel and payload.get("key") == key:
                return Found(sent.ts, payload.get("digest"))
        return None

    def find_upload(self, channel: str, filename: str, *, thread_ts: str, since: float) -> str | None:
        return next((s.ts for s in self.sent if s.kind == "upload" and s.channel == channel
                     and s.thread_ts == thread_ts and s.filename == filename), None)

    def update(self, channel: str, ts: str, message: Message) -> None:
        validate(message)
        self.sent.append(Sent("update", channel, ts, message))

    def open_dm(self, user: str) -> str:
        return f"D{user}"

    def upload_png(self, channel: str, png: bytes, *, filename: str, title: str, alt_text: str,
                   thread_ts: str | None = None) -> str:
        file_id = f"F{next(self._counter):06d}"
        self.sent.append(Sent("upload", channel, file_id, None, thread_ts, None, filename, alt_text, png))
        return file_id

    def user_timezone(self, user: str) -> str | None:
        return self.timezones.get(user)

    def resolve_user(self, owner: str) -> str | None:
        return owner if is_user_id(owner) else self.users_by_email.get(owner.strip().lower())
