"""The post ledger: one `posted_messages` row per (workspace, ritual, channel, period).

`claim` inserts the row (status `pending`) or returns the existing one; the
unique constraint decides between two workers racing for the same post, so
only one of them gets `Claim.mode == "post"`. A row already `posted` carries the
message `ts`: a re-run gets `mode == "edit"` and updates that message instead of
posting again. A `failed` row, or a `pending` row whose worker died mid-post
(older than `STALE_PENDING`), is taken over with a compare-and-set update.

Functions own their short transactions (one per state change) so that a crash
between Slack's answer and the ledger write can at worst leave a stale
`pending` row, never a duplicate from a concurrent worker.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.storage.models import PostedMessage

STALE_PENDING = timedelta(minutes=15)
Mode = Literal["post", "edit", "busy"]


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


def payload_hash(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def period_key_for(*parts: object) -> str:
    """A period string for event-driven posts (a set of trigger ids…), at most 64 characters."""
    text = "-".join(str(p) for p in parts)
    return text if len(text) <= 64 else "h" + hashlib.sha256(text.encode()).hexdigest()[:40]


def claim(sessions: sessionmaker, *, workspace_id: str, key: Key, now: datetime) -> Claim:
    """Insert-or-get the ledger row and decide whether this caller posts, edits, or stays out."""
    existing = find(sessions, workspace_id=workspace_id, key=key)
    if existing is not None and existing.status == "posted" and existing.ts:
        # The common steady state (a re-run): answered by one read, no write.
        return Claim(existing.id, "edit", existing.ts, existing.thread_ts, existing.payload_hash)
    try:
        with sessions.begin() as session:
            row = PostedMessage(workspace_id=workspace_id, ritual=key.ritual, channel=key.channel, period=key.period,
                                status="pending", created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return Claim(row.id, "post", None, None, None)
    except IntegrityError:
        pass
    with sessions.begin() as session:
        row = session.scalar(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == key.ritual,
            PostedMessage.channel == key.channel, PostedMessage.period == key.period))
        assert row is not None, "the unique row vanished"
        if row.status == "posted" and row.ts:
            return Claim(row.id, "edit", row.ts, row.thread_ts, row.payload_hash)
        takeover = row.status == "failed" or (row.status == "pending" and now - row.updated_at > STALE_PENDING)
        if not takeover:
            return Claim(row.id, "busy", row.ts, row.thread_ts, row.payload_hash)
        # Compare-and-set on the old updated_at: of two workers taking over, one wins.
        won = session.execute(
            update(PostedMessage)
            .where(PostedMessage.id == row.id, PostedMessage.workspace_id == workspace_id,
                   PostedMessage.status == row.status, PostedMessage.updated_at == row.updated_at)
            .values(status="pending", error=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        return Claim(row.id, "post" if won == 1 else "busy", row.ts, row.thread_ts, row.payload_hash)


def mark_posted(sessions: sessionmaker, *, workspace_id: str, claim_id: int, ts: str, thread_ts: str | None,
                digest: str | None, now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(PostedMessage).where(PostedMessage.id == claim_id, PostedMessage.workspace_id == workspace_id)
            .values(status="posted", ts=ts, thread_ts=thread_ts, payload_hash=digest, error=None, updated_at=now)
            .execution_options(synchronize_session=False))


def mark_failed(sessions: sessionmaker, *, workspace_id: str, claim_id: int, error: str, now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(PostedMessage).where(PostedMessage.id == claim_id, PostedMessage.workspace_id == workspace_id)
            .values(status="failed", error=error[:2000], updated_at=now)
            .execution_options(synchronize_session=False))


def find(sessions: sessionmaker, *, workspace_id: str, key: Key) -> PostedMessage | None:
    with sessions() as session:
        return session.scalar(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == key.ritual,
            PostedMessage.channel == key.channel, PostedMessage.period == key.period))


def rows_for(sessions: sessionmaker, *, workspace_id: str, ritual: str) -> list[PostedMessage]:
    with sessions() as session:
        return list(session.scalars(select(PostedMessage).where(
            PostedMessage.workspace_id == workspace_id, PostedMessage.ritual == ritual).order_by(PostedMessage.id)))
