"""The post ledger: one `posted_messages` row per (workspace, ritual, channel, period).

`claim` inserts the row (status `pending`, with a fresh `post_key`) or returns
the existing one; the unique constraint decides between two workers racing for
the same post, so only one of them gets `Claim.mode == "post"`. The poster
sends `post_key` in the message's Slack `metadata`, so the ledger can learn
what was posted even when it could not write it down:

- `posted` carries the message `ts`: a re-run gets `mode == "edit"` and updates
  that message instead of posting again;
- `failed` means Slack surely refused it: the next caller takes it over (`post`);
- `unsure` means Slack's answer was lost (a 503 after it stored the message, no
  answer before the timeout); a `pending` row older than `CHECK_PENDING_AFTER`
  may be one whose worker posted and then lost the database. Both come back as
  `mode == "check"`: look for the key in Slack first (the publisher does). Found,
  it is `posted`. Not found, it may be posted again only once Slack has surely
  had time to store a late one (`Claim.repost_ok`: `SETTLE` after an unsure
  attempt, `STALE_PENDING` after a pending claim, whose worker may be alive and
  still posting), through `retake`, a compare-and-set that one caller wins.

Functions own their short transactions (one per state change), so a crash
between Slack's answer and the ledger write leaves a `pending` row whose post
is found again by its key, never a duplicate.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.storage.models import PostedMessage

CHECK_PENDING_AFTER = timedelta(minutes=1)  # longer than a post takes: a pending row this old may be orphaned
SETTLE = timedelta(minutes=2)  # after an unsure attempt, a message not in Slack by then is not coming
STALE_PENDING = timedelta(minutes=15)  # a pending row's worker is surely gone (its post was looked for first)
Mode = Literal["post", "edit", "busy", "check"]
# A row's status (`PostedMessage.status`), as the module docstring tells them.
PENDING, POSTED, UNSURE, FAILED = "pending", "posted", "unsure", "failed"


@dataclass(frozen=True, slots=True)
class Key:
    ritual: str
    channel: str
    period: str

    def part(self, index: int) -> Key:
        """The ledger key of the thread reply number `index` (1-based) under this post."""
        return Key(f"{self.ritual}#{index}"[:64], self.channel, self.period)


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    mode: Mode
    ts: str | None
    thread_ts: str | None
    payload_hash: str | None
    post_key: str | None = None  # what the post carries in its metadata
    status: str | None = None  # the row as the claim saw it (for `retake`'s compare-and-set)
    since: datetime | None = None  # when the row last changed: its post, if any, is not older
    repost_ok: bool = False  # check mode: "not found in Slack" means it may be posted again


def payload_hash(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def new_post_key() -> str:
    return uuid.uuid4().hex


def period_key_for(*parts: object) -> str:
    """A period string for event-driven posts (a set of trigger ids…), at most 64 characters."""
    text = "-".join(str(p) for p in parts)
    return text if len(text) <= 64 else "h" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _posted(row: PostedMessage) -> Claim:
    return Claim(row.id, "edit", row.ts, row.thread_ts, row.payload_hash, row.post_key, row.status, row.updated_at)


def claim(sessions: sessionmaker, *, workspace_id: str, key: Key, now: datetime) -> Claim:
    """Insert-or-get the ledger row and decide whether this caller posts, edits, checks Slack, or stays out."""
    existing = find(sessions, workspace_id=workspace_id, key=key)
    if existing is not None and existing.status == POSTED and existing.ts:
        # The common steady state (a re-run): answered by one read, no write.
        return _posted(existing)
    try:
        with sessions.begin() as session:
            post_key = new_post_key()
            row = PostedMessage(workspace_id=workspace_id, ritual=key.ritual, channel=key.channel, period=key.period,
                                status=PENDING, post_key=post_key, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return Claim(row.id, "post", None, None, None, post_key, PENDING, now)
    except IntegrityError:
        pass
    with sessions.begin() as session:
        row = session.scalar(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == key.ritual,
            PostedMessage.channel == key.channel, PostedMessage.period == key.period))
        assert row is not None, "the unique row vanished"
        if row.status == POSTED and row.ts:
            return _posted(row)
        seen = Claim(row.id, "busy", row.ts, row.thread_ts, row.payload_hash, row.post_key, row.status,
                     row.updated_at)
        age = now - row.updated_at
        if row.status == FAILED:
            return _retake(session, workspace_id, seen, now)
        if row.post_key is None:  # a row from before post keys: nothing to look for, only a stale takeover
            return _retake(session, workspace_id, seen, now) if age > STALE_PENDING else seen
        if row.status == UNSURE:
            return _check(seen, repost_ok=age >= SETTLE)
        if age >= CHECK_PENDING_AFTER:
            return _check(seen, repost_ok=age > STALE_PENDING)
        return seen


def _check(seen: Claim, *, repost_ok: bool) -> Claim:
    return Claim(seen.id, "check", seen.ts, seen.thread_ts, seen.payload_hash, seen.post_key, seen.status,
                 seen.since, repost_ok)


def _retake(session, workspace_id: str, seen: Claim, now: datetime) -> Claim:
    # Compare-and-set on the status and updated_at the caller saw: of two workers taking over, one wins.
    post_key = seen.post_key or new_post_key()
    won = session.execute(
        update(PostedMessage)
        .where(PostedMessage.id == seen.id, PostedMessage.workspace_id == workspace_id,
               PostedMessage.status == seen.status, PostedMessage.updated_at == seen.since)
        .values(status=PENDING, post_key=post_key, error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return Claim(seen.id, "busy", seen.ts, seen.thread_ts, seen.payload_hash, seen.post_key, seen.status,
                     seen.since)
    return Claim(seen.id, "post", None, None, None, post_key, PENDING, now)


def retake(sessions: sessionmaker, *, workspace_id: str, checked: Claim, now: datetime) -> Claim:
    """After a check found nothing (and `repost_ok`): `post` for the one caller that wins the row, else `busy`."""
    with sessions.begin() as session:
        return _retake(session, workspace_id, checked, now)


def mark_posted(sessions: sessionmaker, *, workspace_id: str, claim_id: int, ts: str, thread_ts: str | None,
                digest: str | None, now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(PostedMessage).where(PostedMessage.id == claim_id, PostedMessage.workspace_id == workspace_id)
            .values(status=POSTED, ts=ts, thread_ts=thread_ts, payload_hash=digest, error=None, updated_at=now)
            .execution_options(synchronize_session=False))


def mark_unsure(sessions: sessionmaker, *, workspace_id: str, claim_id: int, error: str, now: datetime) -> None:
    """Slack's answer was lost: the post may be there. It is looked for (by `post_key`) before any re-post."""
    with sessions.begin() as session:
        session.execute(
            update(PostedMessage).where(PostedMessage.id == claim_id, PostedMessage.workspace_id == workspace_id,
                                        PostedMessage.status == PENDING)
            .values(status=UNSURE, error=error[:2000], updated_at=now)
            .execution_options(synchronize_session=False))


def mark_failed(sessions: sessionmaker, *, workspace_id: str, claim_id: int, error: str, now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(PostedMessage).where(PostedMessage.id == claim_id, PostedMessage.workspace_id == workspace_id)
            .values(status=FAILED, error=error[:2000], updated_at=now)
            .execution_options(synchronize_session=False))


def find(sessions: sessionmaker, *, workspace_id: str, key: Key) -> PostedMessage | None:
    with sessions() as session:
        return session.scalar(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == key.ritual,
            PostedMessage.channel == key.channel, PostedMessage.period == key.period))


def latest_posted(sessions: sessionmaker, *, workspace_id: str, ritual: str) -> PostedMessage | None:
    """The newest posted message of `ritual` (e.g. the current weekly review's parent, to reply in its thread)."""
    with sessions() as session:
        return session.scalar(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == ritual,
            PostedMessage.status == POSTED, PostedMessage.ts.is_not(None))
            .order_by(PostedMessage.created_at.desc(), PostedMessage.id.desc()).limit(1))
