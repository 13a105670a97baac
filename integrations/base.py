"""The adapter contract: what every helpdesk integration yields.

`integrations/` knows vendors and HTTP only. It never imports `bot` and never
touches SQL or Slack. An adapter turns a vendor's API into pages of normalized
`Ticket`s; each page carries the `Checkpoint` that is safe to persist once the
page's tickets are stored (the sync service commits both in one transaction).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

Status = Literal["new", "open", "pending", "hold", "solved", "closed", "deleted"]
STATUSES: tuple[str, ...] = ("new", "open", "pending", "hold", "solved", "closed", "deleted")
UNSOLVED_STATUSES: tuple[str, ...] = ("new", "open", "pending", "hold")  # the backlog: not solved yet
Csat = Literal["satisfied", "unsatisfied"]


class MalformedRecordError(ValueError):
    """A vendor record that cannot be normalized; the sync quarantines it and goes on."""

    def __init__(self, external_id: str | None, reason: str, raw: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"record {external_id or '?'}: {reason}")
        self.external_id = external_id
        self.reason = reason
        # The offending vendor record, kept so the quarantine can store it (never logged).
        self.raw = raw


class SourceAuthError(RuntimeError):
    """401/403: the source is stopped with a message naming it; other sources go on."""

    status: int | None = None  # the HTTP status (401 or 403) when the server answered


class SourceFatalError(RuntimeError):
    """A non-retriable failure of one source (cursor loop, unparseable page after retries, 4xx)."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """One support ticket or conversation, normalized across vendors.

    Instants are timezone-aware UTC; durations are `timedelta`. Calendar
    durations are always filled when the instants are known; business-time
    durations only where the vendor reports them.
    """

    source: str
    external_id: str
    status: Status
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response: timedelta | None = None
    first_response_business: timedelta | None = None
    resolution: timedelta | None = None
    resolution_business: timedelta | None = None
    agent_replies: int | None = None
    reopens: int = 0
    reassignments: int = 0
    escalated: bool = False
    channel: str | None = None
    priority: str | None = None
    group: str | None = None
    assignee: str | None = None
    assignee_email: str | None = None
    requester: str | None = None
    organization: str | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None
    csat: Csat | None = None
    csat_score: float | None = None
    csat_scale: str | None = None
    bot_involved: bool = False
    bot_resolved: bool = False
    # False when this record carries no CSAT information at all (Freshdesk reports
    # ratings through a separate endpoint): storage keeps the CSAT it already has.
    csat_reported: bool = True
    # False when the record carries no reply count (Freshdesk, Intercom: counted apart from each thread,
    # integrations/replies.py): storage keeps the count it has while the ticket's solve instant stands.
    replies_reported: bool = True
    # The customer's CSAT comment as the source reports it (Zendesk `satisfaction_rating.comment`, Freshdesk
    # rating `feedback`, Intercom `conversation_rating.remark`); stored redacted, never when subjects are not.
    csat_comment: str | None = None
    # Started by an agent or an automation (Intercom admin-initiated, Freshdesk outbound email): not a
    # customer contact, so volume and response metrics leave it out unless `metrics.include_outbound`.
    outbound: bool = False
    # SLA targets as the vendor reports them: when the first reply / the resolution was due, and the
    # vendor's own verdict where it gives one (Zendesk breach/fulfill events, Intercom `sla_applied`).
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_first_response_met: bool | None = None
    sla_resolution_met: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def deleted(self) -> bool:
        return self.status == "deleted"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a stream of one source resumes. `value` is JSON-serialisable."""

    source: str
    stream: str
    value: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: tuple[Ticket, ...]
    checkpoint: Checkpoint
    quarantined: tuple[MalformedRecordError, ...] = ()
    requests: int = 1
    # HTTP 429 answers received while fetching this page (retried transparently).
    rate_limited: int = 0


@runtime_checkable
class Adapter(Protocol):
    """A helpdesk source. `name` is the configured source name (e.g. "zendesk")."""

    name: str

    def pages(self, checkpoints: Mapping[str, Checkpoint], *, start: datetime) -> Iterator[TicketPage]:
        """Yield pages from the given checkpoints (per stream), or from `start` when none."""
        ...
