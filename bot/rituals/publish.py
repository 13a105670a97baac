"""Post-or-edit through the ledger: the one path every scheduled message takes to Slack.

`Publisher.thread(key, parent, replies, charts)` claims the parent's ledger
row; a first run posts the parent and then each reply and chart under their own
ledger rows (`key.part(i)`); a re-run edits the same messages (only those whose
content changed) and never uploads a chart twice. Failures are recorded on the
ledger row (`failed`, with Slack's error) and reported, never raised: one bad
channel must not stop the other rituals.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import sessionmaker

from bot.blocks import Message, split
from bot.rituals import ledger
from bot.rituals.delivery import Delivery, DeliveryError

log = logging.getLogger(__name__)
Outcome = Literal["posted", "edited", "unchanged", "busy", "failed"]


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    filename: str
    title: str
    alt_text: str


@dataclass(frozen=True, slots=True)
class Result:
    key: ledger.Key
    outcome: Outcome
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


@dataclass
class Publisher:
    sessions: sessionmaker
    workspace_id: str
    delivery: Delivery
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    results: list[Result] = field(default_factory=list)
    sink: list[Result] | None = None  # also appended here (the runner's log)

    def _target(self, key: ledger.Key, dm: bool) -> str:
        return self.delivery.open_dm(key.channel) if dm else key.channel

    def message(self, key: ledger.Key, message: Message, *, thread_ts: str | None = None, dm: bool = False) -> Result:
        """Post (or edit) one message under `key`. With `dm`, `key.channel` is a user id."""
        now = self.clock()
        claim = ledger.claim(self.sessions, workspace_id=self.workspace_id, key=key, now=now)
        digest = ledger.payload_hash(message.payload())
        if claim.mode == "busy":
            return self._done(Result(key, "busy", ts=claim.ts))
        try:
            channel = self._target(key, dm)
            if claim.mode == "edit":
                assert claim.ts is not None
                if claim.payload_hash == digest:
                    return self._done(Result(key, "unchanged", channel, claim.ts))
                self.delivery.update(channel, claim.ts, message)
                ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=claim.ts,
                                   thread_ts=claim.thread_ts, digest=digest, now=self.clock())
                return self._done(Result(key, "edited", channel, claim.ts))
            ts = self.delivery.post(channel, message, thread_ts=thread_ts)
        except DeliveryError as error:
            if claim.mode == "post":
                ledger.mark_failed(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id,
                                   error=str(error), now=self.clock())
            log.warning("could not deliver %s to %s: %s", key.ritual, key.channel, error.code)
            return self._done(Result(key, "failed", error=str(error)))
        ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=ts,
                           thread_ts=thread_ts, digest=digest, now=self.clock())
        return self._done(Result(key, "posted", channel, ts))

    def chart(self, key: ledger.Key, chart: Chart, *, channel: str, thread_ts: str) -> Result:
        """Upload a chart into a thread once (its ledger row stores the file id)."""
        claim = ledger.claim(self.sessions, workspace_id=self.workspace_id, key=key, now=self.clock())
        if claim.mode != "post":
            return self._done(Result(key, "unchanged" if claim.mode == "edit" else "busy", channel, claim.ts))
        try:
            file_id = self.delivery.upload_png(channel, chart.png, filename=chart.filename, title=chart.title,
                                               alt_text=chart.alt_text, thread_ts=thread_ts)
        except DeliveryError as error:
            ledger.mark_failed(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, error=str(error),
                               now=self.clock())
            return self._done(Result(key, "failed", error=str(error)))
        ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=file_id or "file",
                           thread_ts=thread_ts, digest=None, now=self.clock())
        return self._done(Result(key, "posted", channel, file_id))

    def thread(self, key: ledger.Key, parent: Message, replies: Sequence[Message] = (),
               charts: Sequence[Chart] = ()) -> Result:
        """A parent message with replies (each split to Slack's limits) and charts in its thread."""
        parts = split(parent)
        head = self.message(key, parts[0])
        if head.outcome in ("busy", "failed") or head.ts is None:
            return head
        channel = head.channel or key.channel
        for index, reply in enumerate([*parts[1:], *(p for r in replies for p in split(r))], start=1):
            self.message(key.part(index), reply, thread_ts=head.ts)
        for number, chart in enumerate(charts, start=1):
            self.chart(ledger.Key(f"{key.ritual}#chart{number}"[:64], key.channel, key.period), chart,
                       channel=channel, thread_ts=head.ts)
        return head

    def _done(self, result: Result) -> Result:
        self.results.append(result)
        if self.sink is not None:
            self.sink.append(result)
        return result
