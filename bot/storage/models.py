"""The foundation schema. Every table carries `workspace_id` and every query filters on it.

`workspace_id` is the Slack team id in multi-workspace installs, or the
configured `workspace_id` (default "default") for a single workspace.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.base import Base, JSONType, UTCDateTime, utcnow
from integrations.base import UNSOLVED_STATUSES

# The tickets still in the backlog, as SQL: the partial index below and the rollup's queries (bot/storage/metrics.py).
UNSOLVED_SQL = "(" + ", ".join(f"'{s}'" for s in UNSOLVED_STATUSES) + ")"
# A trigger's status: open from when its rule fires until the metric recovers.
TRIGGER_OPEN, TRIGGER_RECOVERED = "open", "recovered"

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class TicketRow(Base):
    """A normalized ticket, unique per workspace + source + external id."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "external_id"),
        Index("ix_tickets_workspace_created", "workspace_id", "created_at"),
        Index("ix_tickets_workspace_changed", "workspace_id", "changed_at"),
        Index("ix_tickets_workspace_org", "workspace_id", "organization"),
        # Tickets by requester: the reference pass that fills their organization (bot/storage/reference.py).
        Index("ix_tickets_workspace_requester", "workspace_id", "requester"),
        # The incremental rollup's ticket query: solved since a day, or still open.
        Index("ix_tickets_workspace_solved", "workspace_id", "solved_at"),
        Index("ix_tickets_workspace_open", "workspace_id",
              sqlite_where=text(f"status IN {UNSOLVED_SQL}"), postgresql_where=text(f"status IN {UNSOLVED_SQL}")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_seconds: Mapped[float | None] = mapped_column(Float)
    first_response_business_seconds: Mapped[float | None] = mapped_column(Float)
    resolution_seconds: Mapped[float | None] = mapped_column(Float)
    resolution_business_seconds: Mapped[float | None] = mapped_column(Float)
    agent_replies: Mapped[int | None] = mapped_column(Integer)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    reassignments: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(32))
    group_name: Mapped[str | None] = mapped_column(String(128))
    assignee: Mapped[str | None] = mapped_column(String(128))
    assignee_email: Mapped[str | None] = mapped_column(String(254))
    requester: Mapped[str | None] = mapped_column(String(254))
    organization: Mapped[str | None] = mapped_column(String(254))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    subject: Mapped[str | None] = mapped_column(Text)
    csat: Mapped[str | None] = mapped_column(String(16))
    csat_score: Mapped[float | None] = mapped_column(Float)
    csat_scale: Mapped[str | None] = mapped_column(String(32))
    bot_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Agent-initiated (see Ticket.outbound): left out of volume and response metrics by default.
    outbound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # SLA targets as the source reports them (see Ticket): due instants, and the source's own verdict.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_first_response_met: Mapped[bool | None] = mapped_column(Boolean)
    sla_resolution_met: Mapped[bool | None] = mapped_column(Boolean)
    # The customer's CSAT comment, redacted (bot/themes/redact.py); NULL when `privacy.store_subject = false`.
    csat_comment: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # When this row's normalized content last changed: drives incremental rollups.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketTouch(Base):
    """The earliest instant whose metrics a batch of ticket changes can move.

    Written by `upsert_tickets`, which alone knows old and new values: a ticket
    created weeks ago and solved yesterday touches only yesterday onwards, so
    the incremental rollup recomputes one day, not weeks.
    """

    __tablename__ = "ticket_touches"
    __table_args__ = (Index("ix_ticket_touches_recorded", "workspace_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The latest instant the batch can move (NULL: through the present, e.g. a ticket still open);
    # a backfill of old history then recomputes its own days, not every day since.
    touched_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SyncCheckpoint(Base):
    """Where one stream of one source resumes; committed with the page it follows."""

    __tablename__ = "sync_checkpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "stream"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class QuarantinedRecord(Base):
    """A vendor or CSV record that could not be normalized, kept for inspection and replay."""

    __tablename__ = "quarantined_records"
    __table_args__ = (Index("ix_quarantine_workspace_source", "workspace_id", "source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DailyMetric(Base):
    """One metric's value for one day and segment, with its zone and evidence."""

    __tablename__ = "daily_metrics"
    __table_args__ = (
        UniqueConstraint("workspace_id", "day", "metric", "dimension", "segment"),
        Index("ix_daily_metrics_lookup", "workspace_id", "metric", "dimension", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(32), default="")  # "" = overall
    segment: Mapped[str] = mapped_column(String(254), default="")
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer, default=0)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    zone: Mapped[str | None] = mapped_column(String(24))
    expected: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Annotation(Base):
    """A known change day (release, incident, holiday): excluded from baselines, shown on alerts."""

    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("workspace_id", "day", "kind", "label"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Mute(Base):
    """A mute window: alerts and rule firings of a metric (or one rule), overall or for one segment, are
    silenced from `starts_at` until `until_at`; its days are left out of that metric's baselines.
    Unmuting early sets `ended_at` (and `until_at` to that instant); rows are never deleted."""

    __tablename__ = "mutes"
    __table_args__ = (Index("ix_mutes_workspace_until", "workspace_id", "until_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(64))  # a rule's mute carries its metric too
    rule: Mapped[str | None] = mapped_column(String(100))  # None: every rule and alert of the metric
    dimension: Mapped[str] = mapped_column(String(32), default="")
    segment: Mapped[str] = mapped_column(String(254), default="")  # "" with a dimension: never; "" alone: all
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(254))


class TriggerRow(Base):
    """A rule that fired for one segment; open until the metric recovers for M days."""

    __tablename__ = "triggers"
    __table_args__ = (Index("ix_triggers_open", "workspace_id", "rule", "dimension", "segment", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(32), default="")
    segment: Mapped[str] = mapped_column(String(254), default="")
    zone: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=TRIGGER_OPEN)  # TRIGGER_OPEN | TRIGGER_RECOVERED
    fired_on: Mapped[date] = mapped_column(Date)
    recovered_on: Mapped[date | None] = mapped_column(Date)
    playbook: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    alert_channel: Mapped[str | None] = mapped_column(String(32))
    alert_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Action(Base):
    """The action log: what was tried, by whom, and whether it worked."""

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_workspace_status", "workspace_id", "status"),
        Index("ix_actions_workspace_owner", "workspace_id", "owner"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[str] = mapped_column(String(32), default="")
    segment: Mapped[str] = mapped_column(String(254), default="")
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(254))
    created_by: Mapped[str] = mapped_column(String(254))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_class: Mapped[str | None] = mapped_column(String(16))  # improved | no_change | worse
    value_at_open: Mapped[float | None] = mapped_column(Float)
    value_at_followup: Mapped[float | None] = mapped_column(Float)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[ActionEvent]] = relationship(
        back_populates="action", order_by="ActionEvent.id", cascade="all, delete-orphan"
    )


class ActionEvent(Base):
    """Append-only history of every change to an action, and of every mute set or lifted."""

    __tablename__ = "action_events"
    __table_args__ = (Index("ix_action_events_action", "action_id"), Index("ix_action_events_mute", "mute_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    # An action's event, or a mute's (muted / unmuted): exactly one of the two is set.
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    mute_id: Mapped[int | None] = mapped_column(ForeignKey("mutes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(254))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action | None] = relationship(back_populates="events")


class PostedMessage(Base):
    """The ledger of scheduled posts: one row per ritual, channel and period."""

    __tablename__ = "posted_messages"
    __table_args__ = (UniqueConstraint("workspace_id", "ritual", "channel", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    ritual: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    # pending: claimed, a post may be on its way · unsure: Slack's answer was lost, it may be there ·
    # posted · failed: Slack surely refused it (bot/rituals/ledger.py)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Sent in the message's metadata, so a post whose answer was lost can be found in Slack again.
    post_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Lease(Base):
    """A named lease so only one worker leads at a time."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
