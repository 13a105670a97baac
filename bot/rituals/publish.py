"""Post-or-edit through the ledger: the one path every scheduled message takes to Slack.

`Publisher.thread(key, parent, replies, charts)` claims the parent's ledger
row; a first run posts the parent and then each reply and chart under their own
ledger rows (`key.part(i)`); a re-run edits the same messages (only those whose
content changed) and never uploads a chart twice. Failures are recorded on the
ledger row (`failed`, with Slack's error) and reported, never raised: one bad
channel must not stop the other rituals.

Exactly once, whatever fails between Slack and the database: every post carries
its ledger row's `post_key` in its metadata. A post whose answer was lost
(`UncertainDeliveryError`) is looked for at once and, if not there yet, left
`unsure`; a row the ledger hands back as `check` (unsure, or pending since
before a crash or a database outage) is looked for in Slack before anything
else, and posted again only when the ledger says a late copy can no longer
appear. When Slack cannot be read (no history scope), nothing is posted again.
A chart carries no metadata: its file name in the thread is what is looked for.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.orm import sessionmaker

from bot.blocks import Message, split
from bot.rituals import ledger
from bot.delivery import DeliveryError, UncertainDeliveryError
from bot.rituals.delivery import Delivery

log = logging.getLogger(__name__)
Outcome = Literal["posted", "edited", "unchanged", "busy", "failed"]
# The outcomes after which the message stands in Slack, and those after which it does not (another worker
# holds its ledger row, or Slack refused it).
STANDS: tuple[Outcome, ...] = ("posted", "edited", "unchanged")
NOT_POSTED: tuple[Outcome, ...] = ("busy", "failed")
CLOCK_SKEW = timedelta(minutes=10)  # Slack's clock against ours, when reading history from a claim's time


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
    stopping: Callable[[], bool] = lambda: False  # the worker is shutting down: claim nothing new

    def _target(self, key: ledger.Key, dm: bool) -> str:
        return self.delivery.open_dm(key.channel) if dm else key.channel

    def _halted(self) -> str | None:
        """Why nothing new is claimed: the worker is shutting down, or Slack refused the workspace's token for
        good (the delivery's `gone`: its remaining posts are not tried, bot/slack/revocations.py)."""
        if self.stopping():
            return "shutting down"
        gone = getattr(self.delivery, "gone", None)
        return None if gone is None else f"not installed ({gone})"

    def message(self, key: ledger.Key, message: Message, *, thread_ts: str | None = None, dm: bool = False) -> Result:
        """Post (or edit) one message under `key`. With `dm`, `key.channel` is a user id."""
        if halted := self._halted():
            return self._done(Result(key, "busy", error=halted))
        if not dm and thread_ts is None and len(split(message)) > 1:
            # Too long for one message: a parent and replies, each under its own ledger row, so an edit
            # edits them all (the client alone would post the replies again on every edit).
            return self.thread(key, message)
        now = self.clock()
        claim = ledger.claim(self.sessions, workspace_id=self.workspace_id, key=key, now=now)
        digest = ledger.payload_hash(message.payload())
        if claim.mode == "busy":
            return self._done(Result(key, "busy", ts=claim.ts))
        channel = key.channel
        try:
            channel = self._target(key, dm)
            if claim.mode == "check":
                claim = self._check(key, claim, channel, thread_ts)
                if claim.mode == "busy":
                    return self._done(Result(key, "busy", ts=claim.ts))
            if claim.mode == "edit":
                assert claim.ts is not None
                if claim.payload_hash == digest:
                    return self._done(Result(key, "unchanged", channel, claim.ts))
                self.delivery.update(channel, claim.ts, message)
                ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=claim.ts,
                                   thread_ts=claim.thread_ts, digest=digest, now=self.clock())
                return self._done(Result(key, "edited", channel, claim.ts))
            ts = self.delivery.post(channel, message, thread_ts=thread_ts, key=claim.post_key, digest=digest)
        except UncertainDeliveryError as error:
            return self._done(self._lost_answer(key, claim, channel, thread_ts, digest, error))
        except DeliveryError as error:
            if claim.mode == "post":
                ledger.mark_failed(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id,
                                   error=f"{error.code}: {error}", now=self.clock())
            if getattr(self.delivery, "gone", None) is None:  # else the one line was logged by the delivery
                log.warning("could not deliver %s to %s: %s", key.ritual, key.channel, error.code)
            return self._done(Result(key, "failed", error=str(error)))
        ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=ts,
                           thread_ts=thread_ts, digest=digest, now=self.clock())
        return self._done(Result(key, "posted", channel, ts))

    def _since(self, claim: ledger.Claim) -> float:
        return ((claim.since or self.clock()) - CLOCK_SKEW).timestamp()

    def _check(self, key: ledger.Key, claim: ledger.Claim, channel: str, thread_ts: str | None) -> ledger.Claim:
        """A claim whose post may be in Slack already: found, it is `edit`; surely absent, `post` (or `busy`)."""
        assert claim.post_key is not None
        try:
            found = self.delivery.find_posted(channel, claim.post_key, since=self._since(claim), thread_ts=thread_ts)
        except DeliveryError as error:
            log.warning("%s to %s may have been posted and Slack cannot be read to check (%s): not posting it "
                        "again", key.ritual, key.channel, error)
            return dataclasses.replace(claim, mode="busy")
        if found is not None:
            ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=found.ts,
                               thread_ts=thread_ts, digest=found.digest, now=self.clock())
            log.info("%s to %s was posted after all (found by its ledger key): recorded", key.ritual, key.channel)
            return dataclasses.replace(claim, mode="edit", ts=found.ts, thread_ts=thread_ts,
                                       payload_hash=found.digest)
        if not claim.repost_ok:
            return dataclasses.replace(claim, mode="busy")
        return ledger.retake(self.sessions, workspace_id=self.workspace_id, checked=claim, now=self.clock())

    def _lost_answer(self, key: ledger.Key, claim: ledger.Claim, channel: str, thread_ts: str | None, digest: str,
                     error: DeliveryError) -> Result:
        """Slack may have stored the post: look once now (a 503 after storing, a late answer), else mark unsure."""
        if claim.mode == "post" and claim.post_key is not None:
            try:
                found = self.delivery.find_posted(channel, claim.post_key, since=self._since(claim),
                                                  thread_ts=thread_ts)
            except DeliveryError:
                found = None
            if found is not None:
                ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=found.ts,
                                   thread_ts=thread_ts, digest=digest, now=self.clock())
                return Result(key, "posted", channel, found.ts)
            ledger.mark_unsure(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id,
                               error=f"{error.code}: {error}", now=self.clock())
        log.warning("%s to %s: Slack's answer was lost (%s); it is looked for before any new post",
                    key.ritual, key.channel, error.code)
        return Result(key, "failed", error=str(error))

    def chart(self, key: ledger.Key, chart: Chart, *, channel: str, thread_ts: str) -> Result:
        """Upload a chart into a thread once (its ledger row stores the file id)."""
        if halted := self._halted():
            return self._done(Result(key, "busy", error=halted))
        claim = ledger.claim(self.sessions, workspace_id=self.workspace_id, key=key, now=self.clock())
        if claim.mode == "check":
            # A file share carries no metadata: its file name in this thread is what is looked for.
            try:
                found = self.delivery.find_upload(channel, chart.filename, thread_ts=thread_ts,
                                                  since=self._since(claim))
            except DeliveryError as error:
                log.warning("chart %s may have been shared and Slack cannot be read to check (%s): not uploading "
                            "it again", chart.filename, error)
                return self._done(Result(key, "busy", channel))
            if found is not None:
                ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id,
                                   ts=found or "file", thread_ts=thread_ts, digest=None, now=self.clock())
                return self._done(Result(key, "unchanged", channel, found))
            if not claim.repost_ok:
                return self._done(Result(key, "busy", channel))
            claim = ledger.retake(self.sessions, workspace_id=self.workspace_id, checked=claim, now=self.clock())
        if claim.mode != "post":
            return self._done(Result(key, "unchanged" if claim.mode == "edit" else "busy", channel, claim.ts))
        try:
            file_id = self.delivery.upload_png(channel, chart.png, filename=chart.filename, title=chart.title,
                                               alt_text=chart.alt_text, thread_ts=thread_ts)
        except UncertainDeliveryError as error:
            try:  # shared before the answer was lost? (the same look as a later run's check)
                file_id = self.delivery.find_upload(channel, chart.filename, thread_ts=thread_ts,
                                                    since=self._since(claim))
            except DeliveryError:
                file_id = None
            if file_id is None:
                ledger.mark_unsure(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id,
                                   error=f"{error.code}: {error}", now=self.clock())
                log.warning("chart %s: Slack's answer to the upload was lost; looked for before any new upload",
                            chart.filename)
                return self._done(Result(key, "failed", error=str(error)))
        except DeliveryError as error:
            ledger.mark_failed(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, error=str(error),
                               now=self.clock())
            return self._done(Result(key, "failed", error=str(error)))
        ledger.mark_posted(self.sessions, workspace_id=self.workspace_id, claim_id=claim.id, ts=file_id or "file",
                           thread_ts=thread_ts, digest=None, now=self.clock())
        return self._done(Result(key, "posted", channel, file_id))

    def thread(self, key: ledger.Key, parent: Message, replies: Sequence[Message] = (),
               charts: Sequence[Chart] = (), reply_charts: Sequence[Sequence[Chart]] = ()) -> Result:
        """A parent message with replies (each split to Slack's limits) and charts in its thread.

        `reply_charts[i]` are shared right after reply i (a chart next to the item it shows);
        `charts` after the last reply. Charts are numbered in the order they are shared.
        """
        parts = split(parent)
        head = self.message(key, parts[0])
        if head.outcome in NOT_POSTED or head.ts is None:
            return head
        channel = head.channel or key.channel
        index, number = 0, 0
        groups = [(parts[1:], ()), *((split(r), reply_charts[i] if i < len(reply_charts) else ())
                                     for i, r in enumerate(replies)), ((), charts)]
        for messages, shared in groups:
            for reply in messages:
                index += 1
                self.message(key.part(index), reply, thread_ts=head.ts)
            for chart in shared:
                number += 1
                self.chart(ledger.Key(f"{key.ritual}#chart{number}"[:64], key.channel, key.period), chart,
                           channel=channel, thread_ts=head.ts)
        return head

    def _done(self, result: Result) -> Result:
        self.results.append(result)
        if self.sink is not None:
            self.sink.append(result)
        return result
