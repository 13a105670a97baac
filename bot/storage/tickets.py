"""Store functions for tickets, checkpoints and quarantine. They never commit: services do."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from integrations.base import Checkpoint, Ticket
from integrations.normalize import CONTROL, CUT_KEY, TEXT_LIMITS
from bot.storage.base import utcnow
from bot.storage.models import QuarantinedRecord, SyncCheckpoint, TicketRow, TicketTouch

# Columns derived from a Ticket; compared to decide whether a row really changed.
_FIELDS = (
    "status", "created_at", "updated_at", "first_response_at", "solved_at", "closed_at",
    "first_response_seconds", "first_response_business_seconds", "resolution_seconds",
    "resolution_business_seconds", "agent_replies", "reopens", "reassignments", "escalated",
    "channel", "priority", "group_name", "assignee", "assignee_email", "requester",
    "organization", "tags", "subject", "csat", "csat_score", "csat_scale", "bot_involved",
    "bot_resolved", "deleted", "outbound",
    "first_response_due_at", "resolution_due_at", "sla_first_response_met", "sla_resolution_met", "csat_comment",
)
# Vendor keys that carry free text (subjects, bodies); dropped from `raw` when subjects are not stored.
FREE_TEXT_KEYS = frozenset({"subject", "raw_subject", "description", "description_text", "body", "title", "text", "html_body"})
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
# What a new row is written with, in this order (see `_new_row`); `id` comes from the database.
_INSERT_COLUMNS = ("workspace_id", "source", "external_id", *_FIELDS, "raw", "changed_at")
_JSON_COLUMNS = frozenset({"tags", "raw"})


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


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def ticket_columns(ticket: Ticket, *, store_subject: bool) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "first_response_seconds": _seconds(ticket.first_response),
        "first_response_business_seconds": _seconds(ticket.first_response_business),
        "resolution_seconds": _seconds(ticket.resolution),
        "resolution_business_seconds": _seconds(ticket.resolution_business),
        "agent_replies": ticket.agent_replies,
        "reopens": ticket.reopens,
        "reassignments": ticket.reassignments,
        "escalated": ticket.escalated,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "group_name": ticket.group,
        "assignee": ticket.assignee,
        "assignee_email": ticket.assignee_email,
        "requester": ticket.requester,
        "organization": ticket.organization,
        "tags": list(ticket.tags),
        "subject": ticket.subject if store_subject else None,
        "csat": ticket.csat,
        "csat_score": ticket.csat_score,
        "csat_scale": ticket.csat_scale,
        "bot_involved": ticket.bot_involved,
        "bot_resolved": ticket.bot_resolved,
        "deleted": ticket.deleted,
        "outbound": ticket.outbound,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "sla_first_response_met": ticket.sla_first_response_met,
        "sla_resolution_met": ticket.sla_resolution_met,
        "csat_comment": stored_comment(ticket.csat_comment, store_subject),
    }


COMMENT_LIMIT = 2000  # characters of a CSAT comment kept


def stored_comment(text: str | None, store_subject: bool) -> str | None:
    """A CSAT comment as stored: redacted (emails, phones, urls, ids, numbers), clipped; nothing without subjects."""
    if not text or not store_subject:
        return None
    from bot.themes.redact import redact  # the themes package loads scikit-learn: only when a comment comes

    return redact(text)[:COMMENT_LIMIT] or None


def scrub_free_text(value: Any) -> Any:
    """A copy of a vendor record without free-text fields, at any depth."""
    if isinstance(value, Mapping):
        return {k: scrub_free_text(v) for k, v in value.items() if k not in FREE_TEXT_KEYS}
    if isinstance(value, list):
        return [scrub_free_text(v) for v in value]
    return value


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
_OPEN = frozenset({"new", "open", "pending", "hold"})


def life_end(values: Mapping[str, Any]) -> datetime | None:
    """The last instant a ticket's values can count on (None: still open, so every day to the present)."""
    if values.get("status") in _OPEN:
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

    existing: dict[tuple[str, str], TicketRow] = {}
    keys = list(latest)
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    for source, ids in by_source.items():
        for start in range(0, len(ids), _CHUNK):
            rows = session.scalars(
                select(TicketRow).where(
                    TicketRow.workspace_id == workspace_id,
                    TicketRow.source == source,
                    TicketRow.external_id.in_(ids[start:start + _CHUNK]),
                )
            )
            for row in rows:
                existing[(row.source, row.external_id)] = row

    now = utcnow()
    earliest: list[datetime] = []
    latest_end: list[datetime | None] = []  # [] nothing yet; [None] unbounded

    def touch(instant: datetime | None, until: datetime | None = None) -> None:
        if instant is not None and (not earliest or instant < earliest[0]):
            earliest[:] = [instant]
        if instant is not None and latest_end != [None]:
            latest_end[:] = [None if until is None else max([until, *(e for e in latest_end if e is not None)])]

    inserted = updated = deleted = unchanged = 0
    new_tickets: list[Ticket] = []
    for key, ticket in latest.items():
        row = existing.get(key)
        if row is None:
            new_tickets.append(ticket)
            touch(ticket.created_at, touched_until(None, {"status": ticket.status, **{
                n: getattr(ticket, n) for n in _LIFE_INSTANTS}}))
            inserted += 1
            deleted += ticket.deleted
            continue
        if ticket.updated_at < row.updated_at:
            unchanged += 1
            continue
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
            touch(row.created_at, touched_until(None, {n: getattr(row, n) for n in ("status", *_LIFE_INSTANTS)}))
            row.status, row.deleted, row.updated_at, row.changed_at = "deleted", True, ticket.updated_at, now
            deleted += 1
            continue
        previous = {name: getattr(row, name) for name in columns}
        if previous == columns:
            unchanged += 1
            continue
        touch(touched_from(previous, columns), touched_until(previous, columns))
        for name, value in columns.items():
            setattr(row, name, value)
        row.raw = storable_raw(_raw(ticket, store_subject))
        row.changed_at = now
        updated += 1
    session.flush()
    if new_tickets:
        insert_new(session.connection(), workspace_id=workspace_id, tickets=new_tickets,
                   store_subject=store_subject, now=now)
    if earliest:
        session.add(TicketTouch(workspace_id=workspace_id, touched_at=earliest[0], touched_until=latest_end[0],
                                recorded_at=now))
        session.flush()
    return UpsertResult(inserted, updated, deleted, unchanged)


def insert_new(
    connection: Connection, *, workspace_id: str, tickets: Sequence[Ticket], store_subject: bool, now: datetime
) -> None:
    """INSERT tickets known to be new, in one executemany through the driver.

    The rows are built here as plain tuples in the database's own formats
    (what SQLAlchemy's column types would send: naive-UTC text instants and JSON
    text on SQLite, aware instants and JSONB on PostgreSQL), which skips its
    per-row, per-column type processing, the sync's largest cost. Other
    dialects, or a table that gained a column with a Python-side default, take
    the Core insert.
    """
    statement = _driver_insert(connection.dialect.name, connection.dialect.paramstyle)
    if statement is None:
        rows = [_core_row(ticket, workspace_id=workspace_id, store_subject=store_subject, now=now) for ticket in tickets]
        connection.execute(insert(TicketRow.__table__), rows)
        return
    instant = _sqlite_instant if connection.dialect.name == "sqlite" else _aware_instant
    changed_at = instant(now)
    connection.exec_driver_sql(
        statement,
        [_new_row(ticket, workspace_id, store_subject, changed_at, instant) for ticket in tickets],
    )


@cache
def _driver_insert(dialect: str, paramstyle: str) -> str | None:
    table = TicketRow.__table__
    for column in table.columns:
        if column.name not in _INSERT_COLUMNS and not column.primary_key and column.default is not None:
            return None  # a default only SQLAlchemy knows how to apply
    if dialect == "sqlite" and paramstyle == "qmark":
        marks = ["?"] * len(_INSERT_COLUMNS)
    elif dialect == "postgresql" and paramstyle in ("format", "pyformat"):
        marks = ["%s::jsonb" if name in _JSON_COLUMNS else "%s" for name in _INSERT_COLUMNS]
    else:
        return None
    return f"INSERT INTO {table.name} ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join(marks)})"


def _sqlite_instant(value: datetime | None) -> str | None:
    """UTCDateTime's SQLite form: naive UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (text order = time order)."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime refused: store UTC-aware instants")
    if offset:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _aware_instant(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError("naive datetime refused: store UTC-aware instants")
    return value


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _raw(ticket: Ticket, store_subject: bool) -> dict[str, Any]:
    return dict(ticket.raw) if store_subject else scrub_free_text(ticket.raw)


_INT64 = (-(2**63), 2**63 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _raw_json(raw: Mapping[str, Any]) -> str:
    """`raw` as JSON text both databases take: the common case costs one substring search."""
    try:
        text = _json(raw)
    except TypeError:  # orjson refuses integers beyond 64 bits
        return _json(_json_safe_record(raw))
    if "\\u0000" in text:  # PostgreSQL JSON cannot hold NUL (a literal backslash-u0000 only costs a retry)
        return _json(_json_safe_record(raw))
    return text


def storable_raw(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """`raw` unchanged when both databases can hold it, else a copy that they can, with a note under `_cut`."""
    if raw is None:
        return None
    try:
        text = _json(raw)
    except TypeError:
        return _json_safe_record(raw)
    return _json_safe_record(raw) if "\\u0000" in text else dict(raw)


def _json_safe_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    counts = {"nul": 0, "big": 0, "other": 0}
    cleaned = _json_safe(raw, counts)
    notes = list(cleaned.pop(CUT_KEY, None) or ())
    if counts["nul"]:
        notes.append(f"raw: {counts['nul']} NUL character(s) removed")
    if counts["big"]:
        notes.append(f"raw: {counts['big']} number(s) beyond 64 bits kept as text")
    if counts["other"]:
        notes.append(f"raw: {counts['other']} value(s) not storable as JSON text replaced")
    if notes:
        cleaned[CUT_KEY] = notes
    return cleaned


def _json_safe(value: Any, counts: dict[str, int]) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            counts["nul"] += value.count("\x00")
            value = value.replace("\x00", "")
        if _SURROGATE.search(value):  # not encodable as UTF-8 for either database
            counts["other"] += 1
            value = _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return value
        counts["big"] += 1
        return str(value)
    if isinstance(value, float):
        return value  # orjson writes inf and NaN as null
    if isinstance(value, Mapping):
        return {_json_safe(str(k), counts): _json_safe(v, counts) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, counts) for v in value]
    try:
        _json(value)
    except TypeError:
        counts["other"] += 1
        return _json_safe(str(value), counts)
    return value


def _core_row(ticket: Ticket, *, workspace_id: str, store_subject: bool, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "source": ticket.source,
        "external_id": ticket.external_id,
        "raw": storable_raw(_raw(ticket, store_subject)),
        "changed_at": now,
        **ticket_columns(ticket, store_subject=store_subject),
    }


def _new_row(
    ticket: Ticket, workspace_id: str, store_subject: bool, changed_at: Any, instant: Callable[[datetime | None], Any]
) -> tuple[Any, ...]:
    """One row in `_INSERT_COLUMNS` order; the same values as `ticket_columns` plus the keys, raw and changed_at.

    Written out rather than derived from `ticket_columns`: the intermediate dict per ticket measured
    ~20 % off the sync benchmark. A test writes tickets both ways and compares every column.
    """
    t = ticket
    raw = t.raw if store_subject and type(t.raw) is dict else _raw(t, store_subject)
    return (
        workspace_id, t.source, t.external_id, t.status,
        instant(t.created_at), instant(t.updated_at), instant(t.first_response_at), instant(t.solved_at),
        instant(t.closed_at),
        _seconds(t.first_response), _seconds(t.first_response_business), _seconds(t.resolution),
        _seconds(t.resolution_business),
        t.agent_replies, t.reopens, t.reassignments, t.escalated, t.channel, t.priority, t.group, t.assignee,
        t.assignee_email, t.requester, t.organization, _json(list(t.tags)), t.subject if store_subject else None,
        t.csat, t.csat_score, t.csat_scale, t.bot_involved, t.bot_resolved, t.deleted, t.outbound,
        instant(t.first_response_due_at), instant(t.resolution_due_at), t.sla_first_response_met,
        t.sla_resolution_met, stored_comment(t.csat_comment, store_subject), _raw_json(raw), changed_at,
    )


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
            raw=_json_safe_record(raw) if raw is not None else None,
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
