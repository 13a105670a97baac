"""Leader election on the `leases` table: one worker holds a named lease until it expires.

`acquire` is a single conditional UPDATE (holder is me, or the lease has
expired), falling back to an INSERT for a lease that does not exist yet; the
primary key settles two workers inserting at once. Works the same on SQLite
and PostgreSQL, and a leader that dies simply stops renewing: another worker
takes over after `ttl`.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import Lease

DEFAULT_TTL = timedelta(seconds=90)


def holder_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_name(workspace_id: str, name: str = "worker") -> str:
    return f"{name}:{workspace_id}"[:64]


def acquire(sessions: sessionmaker, *, name: str, holder: str, now: datetime, ttl: timedelta = DEFAULT_TTL) -> bool:
    """Take or renew the lease; True when `holder` leads until `now + ttl`."""
    if _take(sessions, name=name, holder=holder, now=now, ttl=ttl):
        return True
    try:
        with sessions.begin() as session:
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:
        # Someone inserted it first — perhaps this very holder, from another job thread of the same
        # worker (the lease job and a job renewing before it runs): the update decides.
        return _take(sessions, name=name, holder=holder, now=now, ttl=ttl)


def _take(sessions: sessionmaker, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """One conditional UPDATE: the lease is mine already, or it has expired."""
    with sessions.begin() as session:
        return session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ).rowcount == 1


def release(sessions: sessionmaker, *, name: str, holder: str) -> None:
    with sessions.begin() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder)
                        .execution_options(synchronize_session=False))


def claim(sessions: sessionmaker, *, name: str, now: datetime, ttl: timedelta) -> bool:
    """Take `name` for one period of `ttl`: True for the first caller since the last claim ran out, whichever
    process that is (the queue's "due once per period" mark; a fresh holder each time, so not even the
    caller itself claims it twice)."""
    with sessions.begin() as session:
        return claim_in(session, name=name, now=now, ttl=ttl)


def claim_in(session: Session, *, name: str, now: datetime, ttl: timedelta) -> bool:
    """`claim` inside the caller's transaction: what the claim marks (a queued job) commits or rolls back
    with it. A concurrent claimer waits on the row (or the key) until this transaction ends."""
    name, holder = claim_name(name), uuid.uuid4().hex
    taken = session.execute(update(Lease).where(Lease.name == name, Lease.expires_at <= now)
                            .values(holder=holder, expires_at=now + ttl)
                            .execution_options(synchronize_session=False)).rowcount == 1
    if taken:
        return True
    try:
        with session.begin_nested():  # a duplicate key must not abort the caller's transaction
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def claim_name(name: str) -> str:
    """`name` as a lease name (64 characters at most: a longer one keeps its start and a hash of the whole)."""
    if len(name) <= 64:
        return name
    import hashlib

    return f"{name[:47]}#{hashlib.sha1(name.encode()).hexdigest()[:16]}"
