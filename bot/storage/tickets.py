"""Store functions for tickets, checkpoints and quarantine. They never commit: services do.

How a ticket becomes a row (column values, JSON, the fast insert) is `bot/storage/ticket_rows.py`; here
are the upsert, the days a change touches, checkpoints, quarantine and the later signals (SLA, replies).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.base import utcnow
from bot.storage.models import QuarantinedRecord, SyncCheckpoint, TicketRow, TicketTouch
from bot.storage.ticket_rows import insert_new, json_safe_record, raw_record, storable_raw, ticket_columns
from integrations.base import UNSOLVED_STATUSES, Checkpoint, Ticket
from integrations.normalize import CONTROL, TEXT_LIMITS

# What a change can move, by the day it counts on (see `touched_from`).
_WHOLE_LIFE = ("created_at", "channel", "priority", "group_name", "assignee", "organization", "requester", "tags",
               "deleted", "source", "outbound",
               # an SLA outcome counts on its due or done day: the ticket's life bounds both
               "first_response_due_at", "resolution_due_at", "sla_first_response_met", "sla_resolution_met")
_FIRST_RESPONSE = ("first_response_at", "first_response_seconds", "first_response_business_seconds")
_SOLVED = ("solved_at", "closed_at", "status", "resolution_seconds", "resolution_business_seconds", "agent_replies",
           "reopens", "reassignments", "escalated", "csat", "csat_score", "csat_scale", "bot_involved", "bot_resolved")
# Chunk IN-lists well below SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.deleted + other.deleted,
            self.unchanged + other.unchanged,
        )


def touched_from(old: Mapping[str, Any], new: Mapping[str, Any]) -> datetime | None:
    """The earliest instant whose daily metrics this change can move, or None.

    Attributes that segment a ticket (channel, group, tags …) move every day of
    its life, so the created day; first-response facts move the first-response
    day; solve facts (status, CSAT, replies, reopens …) move the solved day and
    the backlog from then on. Old and new instants both count: a ticket solved
    again on another day changes both days.
    """
    def changed(names: tuple[str, ...]) -> bool:
        return any(old.get(n) != new.get(n) for n in names)

    candidates: list[datetime] = []
    if changed(_WHOLE_LIFE):
        candidates += [old.get("created_at"), new.get("created_at")]
    if changed(_FIRST_RESPONSE):
        candidates += [old.get("first_response_at"), new.get("first_response_at")]
    if changed(_SOLVED):
        candidates += [old.get("solved_at"), new.get("solved_at")]
        if old.get("status") != new.get("status"):
            candidates.append(new.get("updated_at"))  # status moves in or out of the backlog now
    known = [c for c in candidates if c is not None]
    return min(known) if known else None


_LIFE_INSTANTS = ("created_at", "first_response_at", "solved_at", "closed_at", "first_response_due_at",
                  "resolution_due_at")


def life_end(values: Mapping[str, Any]) -> datetime | None:
    """The last instant a ticket's values can count on (None: still open, so every day to the present)."""
    if values.get("status") in UNSOLVED_STATUSES:
        return None
    known = [values[n] for n in _LIFE_INSTANTS if values.get(n) is not None]
    return max(known) if known else None


def touched_until(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> datetime | None:
    """The latest instant a change can move (None: unbounded). Both the old and the new life count;
    a status change also moves the day it happened (`updated_at`)."""
    ends = [life_end(new)] + ([] if old is None else [life_end(old)])
    if any(e is None for e in ends):
        return None
    if old is not None and old.get("status") != new.get("status") and new.get("updated_at") is not None:
        ends.append(new["updated_at"])
    return max(ends)  # type: ignore[type-var]


def upsert_tickets(
    session: Session,
    *,
    workspace_id: str,
    tickets: Sequence[Ticket],
    store_subject: bool = True,
) -> UpsertResult:
    """Insert or update tickets keyed on (workspace, source, external id).

    Within one batch the last occurrence of a key wins (pages may overlap). A
    stored row newer than the incoming record is left alone, so replaying an
    overlap window can never roll a ticket back. `changed_at` moves only when
    normalized content really changes.
    """
    latest: dict[tuple[str, str], Ticket] = {}
    for ticket in tickets:
        latest[(ticket.source, ticket.external_id)] = ticket
    if not latest:
        return UpsertResult()
    existing = _existing(session, workspace_id, list(latest))
    now = utcnow()
    span = _TouchSpan()
    counts = {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    new_tickets: list[Ticket] = []
    for key, ticket in latest.items():
        row = existing.get(key)
        if row is None:
            new_tickets.append(ticket)
            span.add(ticket.created_at, touched_until(None, {"status": ticket.status, **{
                n: getattr(ticket, n) for n in _LIFE_INSTANTS}}))
            counts["inserted"] += 1
            counts["deleted"] += ticket.deleted
        else:
            counts[_update(row, ticket, store_subject=store_subject, now=now, span=span)] += 1
    session.flush()
    if new_tickets:
        insert_new(session.connection(), workspace_id=workspace_id, tickets=new_tickets,
                   store_subject=store_subject, now=now)
    if span.earliest is not None:
        session.add(TicketTouch(workspace_id=workspace_id, touched_at=span.earliest, touched_until=span.until,
                                recorded_at=now))
        session.flush()
    return UpsertResult(**counts)


def _existing(session: Session, workspace_id: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], TicketRow]:
    """The stored rows of these (source, external id) keys."""
    existing: dict[tuple[str, str], TicketRow] = {}
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    for source, ids in by_source.items():
        for row in _stored(session, workspace_id, source, ids):
            existing[(row.source, row.external_id)] = row
    return existing


class _TouchSpan:
    """The days a batch's changes can move: from the earliest instant touched to the latest (None: unbounded)."""

    def __init__(self) -> None:
        self.earliest: datetime | None = None
        self.until: datetime | None = None
        self.unbounded = False

    def add(self, instant: datetime | None, until: datetime | None = None) -> None:
        if instant is None:
            return
        if self.earliest is None or instant < self.earliest:
            self.earliest = instant
        if not self.unbounded:
            if until is None:
                self.unbounded, self.until = True, None
            else:
                self.until = until if self.until is None else max(until, self.until)


def _update(row: TicketRow, ticket: Ticket, *, store_subject: bool, now: datetime, span: _TouchSpan) -> str:
    """Apply a newer record to its stored row; what happened: updated, deleted or unchanged."""
    if ticket.updated_at < row.updated_at:
        return "unchanged"
    columns = ticket_columns(ticket, store_subject=store_subject)
    if not ticket.csat_reported and row.csat is not None:
        # The record says nothing about CSAT (Freshdesk ratings arrive separately): keep what we know.
        columns.update(csat=row.csat, csat_score=row.csat_score, csat_scale=row.csat_scale,
                       csat_comment=row.csat_comment)
        previous = (row.raw or {}).get("satisfaction_rating")
        if previous is not None:
            ticket = dataclasses.replace(ticket, raw={**ticket.raw, "satisfaction_rating": previous})
    if not ticket.replies_reported and columns["solved_at"] == row.solved_at:
        # Counted apart from the record (bot/sync/replies.py): kept while the ticket's solve stands.
        columns["agent_replies"] = row.agent_replies
    if ticket.deleted and not row.deleted:
        # A tombstone keeps what we knew and only marks the row deleted.
        span.add(row.created_at, touched_until(None, {n: getattr(row, n) for n in ("status", *_LIFE_INSTANTS)}))
        row.status, row.deleted, row.updated_at, row.changed_at = "deleted", True, ticket.updated_at, now
        return "deleted"
    previous = {name: getattr(row, name) for name in columns}
    if previous == columns:
        return "unchanged"
    span.add(touched_from(previous, columns), touched_until(previous, columns))
    for name, value in columns.items():
        setattr(row, name, value)
    row.raw = storable_raw(raw_record(ticket, store_subject))
    row.changed_at = now
    return "updated"


def load_checkpoints(session: Session, *, workspace_id: str, source: str) -> dict[str, Checkpoint]:
    rows = session.scalars(
        select(SyncCheckpoint).where(
            SyncCheckpoint.workspace_id == workspace_id, SyncCheckpoint.source == source
        )
    )
    return {row.stream: Checkpoint(source=row.source, stream=row.stream, value=dict(row.value)) for row in rows}


def save_checkpoint(session: Session, *, workspace_id: str, checkpoint: Checkpoint) -> None:
    row = session.scalar(
        select(SyncCheckpoint).where(
            SyncCheckpoint.workspace_id == workspace_id,
            SyncCheckpoint.source == checkpoint.source,
            SyncCheckpoint.stream == checkpoint.stream,
        )
    )
    if row is None:
        session.add(
            SyncCheckpoint(
                workspace_id=workspace_id,
                source=checkpoint.source,
                stream=checkpoint.stream,
                value=dict(checkpoint.value),
            )
        )
    else:
        row.value = dict(checkpoint.value)
        row.updated_at = utcnow()
    session.flush()


def quarantine(
    session: Session,
    *,
    workspace_id: str,
    source: str,
    external_id: str | None,
    reason: str,
    raw: Mapping[str, Any] | None,
) -> None:
    """Keep a record that could not be stored; whatever it holds, this row itself always fits."""
    limit = TEXT_LIMITS["external_id"]
    if external_id is not None:
        external_id = CONTROL.sub("?", str(external_id))[:limit] or None
    session.add(
        QuarantinedRecord(
            workspace_id=workspace_id,
            source=source,
            external_id=external_id,
            reason=CONTROL.sub("?", reason)[:2000],
            raw=json_safe_record(raw) if raw is not None else None,
        )
    )
    session.flush()


def apply_sla_signals(session: Session, *, workspace_id: str, source: str, signals: Sequence[Any]) -> int:
    """Merge a page of SLA signals (integrations/zendesk_sla.py) into the stored tickets; the number changed.

    A breach stays a breach; a fulfil means met only for a target a policy set (now or before); a
    later due instant (a policy re-applied on a priority change) replaces the earlier one. Tickets not
    stored yet are skipped: their events come again with the next pass's overlap, or they have none.
    """
    by_id = {s.external_id: s for s in signals}
    touched = _Touched()
    for row in _stored(session, workspace_id, source, list(by_id)):
        sig = by_id[row.external_id]
        before = (row.first_response_due_at, row.sla_first_response_met, row.resolution_due_at,
                  row.sla_resolution_met)
        row.first_response_due_at, row.sla_first_response_met = _merged(
            sig.first_response, row.first_response_due_at, row.sla_first_response_met)
        row.resolution_due_at, row.sla_resolution_met = _merged(
            sig.resolution, row.resolution_due_at, row.sla_resolution_met)
        if before != (row.first_response_due_at, row.sla_first_response_met, row.resolution_due_at,
                      row.sla_resolution_met):
            touched.add(row, row.created_at)
    return touched.record(session, workspace_id)


def unsatisfied_comments(session: Session, *, workspace_id: str, row_ids: Iterable[int]) -> dict[int, str]:
    """Row id → stored CSAT comment, for the tickets among `row_ids` rated unsatisfied with a comment."""
    ids = sorted(set(row_ids))
    out: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        out.update(session.execute(select(TicketRow.id, TicketRow.csat_comment).where(
            TicketRow.workspace_id == workspace_id, TicketRow.id.in_(ids[start:start + _CHUNK]),
            TicketRow.csat == "unsatisfied", TicketRow.csat_comment.is_not(None))).tuples().all())
    return out


def solved_without_replies(session: Session, *, workspace_id: str, source: str, solved_from: datetime,
                           skip: Mapping[str, datetime] | None = None, limit: int) -> list[tuple[str, datetime]]:
    """(external id, solved at) of the source's tickets solved since `solved_from` whose reply count is
    unknown, newest solve first (the days the scorecard judges first), at most `limit`. `skip` leaves out
    the tickets still solved at the instant it gives for them (solved again since: asked again)."""
    skip = skip or {}
    query = (select(TicketRow.external_id, TicketRow.solved_at).where(
        TicketRow.workspace_id == workspace_id, TicketRow.source == source,
        TicketRow.status.in_(("solved", "closed")), TicketRow.deleted.is_(False),
        TicketRow.agent_replies.is_(None), TicketRow.solved_at >= solved_from)
        .order_by(TicketRow.solved_at.desc(), TicketRow.external_id))
    out: list[tuple[str, datetime]] = []
    for key, solved_at in session.execute(query.limit(limit + len(skip))).tuples():
        if skip.get(key) != solved_at:
            out.append((key, solved_at))
    return out[:limit]


def apply_reply_counts(session: Session, *, workspace_id: str, source: str, counts: Mapping[str, int]) -> int:
    """Store agent reply counts fetched apart from the tickets (bot/sync/replies.py); the number changed.

    Each changed ticket moves its solve day (FCR counts there): the earliest is recorded as touched,
    bounded by the latest end of their lives, so the next incremental rollup recomputes just those days.
    """
    touched = _Touched()
    for row in _stored(session, workspace_id, source, list(counts)):
        value = counts[row.external_id]
        if row.agent_replies != value:
            row.agent_replies = value
            touched.add(row, row.solved_at or row.created_at)
    return touched.record(session, workspace_id)


def _stored(session: Session, workspace_id: str, source: str, ids: Sequence[str]) -> Iterator[TicketRow]:
    """The stored rows of these external ids of one source (chunked IN-lists); ids not stored are skipped."""
    for start in range(0, len(ids), _CHUNK):
        yield from session.scalars(select(TicketRow).where(
            TicketRow.workspace_id == workspace_id, TicketRow.source == source,
            TicketRow.external_id.in_(ids[start:start + _CHUNK])))


class _Touched:
    """Rows changed apart from an upsert: each moves its metrics from an instant through the end of its life."""

    def __init__(self) -> None:
        self.now = utcnow()
        self.rows = 0
        self.first: datetime | None = None
        self.until: list[datetime | None] = []

    def add(self, row: TicketRow, moved: datetime) -> None:
        row.changed_at = self.now
        self.rows += 1
        self.first = moved if self.first is None else min(self.first, moved)
        self.until.append(life_end({n: getattr(row, n) for n in ("status", *_LIFE_INSTANTS)}))

    def record(self, session: Session, workspace_id: str) -> int:
        """Add the touch (the earliest instant, through the latest end of the rows' lives); the rows changed."""
        if self.first is not None:
            bound = None if any(u is None for u in self.until) else max(u for u in self.until if u is not None)
            session.add(TicketTouch(workspace_id=workspace_id, touched_at=self.first, touched_until=bound,
                                    recorded_at=self.now))
        session.flush()
        return self.rows


def _merged(target: Any, due_at: datetime | None, met: bool | None) -> tuple[datetime | None, bool | None]:
    has_target = target.applied or due_at is not None or met is not None or target.due_at is not None
    due_at = target.due_at or due_at
    if target.met is False or met is False:
        return due_at, False
    if target.met is True and has_target:
        return due_at, True
    return due_at, met
