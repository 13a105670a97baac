"""What each source can tell about each metric of the catalogue: measured, computed from timestamps, or not
available (and why). The README's metric × vendor table is rendered from this (`markdown_table`), and
tests/integrations/test_capabilities.py checks both that the README matches and that each claim holds:
a full record of each vendor, normalized, fills the Ticket fields a cell names, and leaves them empty
where the cell says not available.

- measured: the vendor reports the figure itself (a duration, a count, a verdict, a rating);
- computed from timestamps: derived here from instants the vendor reports (creation, first reply, solve,
  due instants), in calendar time, or in the team's schedule for the business-hours variants;
- not available: the API does not report what the metric needs; the cell says why.
"""
from __future__ import annotations

from dataclasses import dataclass

MEASURED = "measured"
TIMESTAMPS = "computed from timestamps"
NOT_AVAILABLE = "not available"
VENDORS = ("zendesk", "freshdesk", "intercom", "csv")
VENDOR_NAMES = {"zendesk": "Zendesk", "freshdesk": "Freshdesk", "intercom": "Intercom", "csv": "CSV"}
# Where a cell's fields come from when not from the ticket record itself: an adapter method that fills them.
VIA_REPLIES = "agent_replies"  # integrations/replies.py, per solved ticket
VIA_SLA_EVENTS = "sla_pages"  # integrations/zendesk_sla.py, the ticket metric events export


@dataclass(frozen=True, slots=True)
class Cell:
    kind: str
    # Ticket fields the metric reads for this source (filled when measured or computed, empty when not available).
    fields: tuple[str, ...] = ()
    why: str = ""  # for not available: what the API lacks
    via: str = ""  # an adapter method that fills `fields` apart from the record (VIA_*)
    note: str = ""  # for measured or computed: how the figure differs from the metric's definition, if it does

    def text(self) -> str:
        detail = self.why if self.kind == NOT_AVAILABLE else self.note
        return f"{self.kind} ({detail})" if detail else self.kind


def _same(cell: Cell) -> dict[str, Cell]:
    return {vendor: cell for vendor in VENDORS}


_CREATED = _same(Cell(MEASURED, ("created_at",)))
_BACKLOG = _same(Cell(TIMESTAMPS, ("created_at", "solved_at")))
_FRT = {"zendesk": Cell(MEASURED, ("first_response",)), "freshdesk": Cell(TIMESTAMPS, ("first_response",)),
        "intercom": Cell(TIMESTAMPS, ("first_response",)), "csv": Cell(TIMESTAMPS, ("first_response",))}
_TTR = {"zendesk": Cell(MEASURED, ("resolution",)), "freshdesk": Cell(TIMESTAMPS, ("resolution",)),
        "intercom": Cell(TIMESTAMPS, ("resolution",)), "csv": Cell(TIMESTAMPS, ("resolution",))}

CAPABILITIES: dict[str, dict[str, Cell]] = {
    "ticket_volume": _CREATED,
    "first_response_time": _FRT,
    "first_response_time_p90": _FRT,
    "resolution_time": _TTR,
    "resolution_time_p90": _TTR,
    "csat": _same(Cell(MEASURED, ("csat",))),
    "fcr_rate": {
        "zendesk": Cell(MEASURED, ("agent_replies", "reopens")),
        "freshdesk": Cell(MEASURED, ("agent_replies", "reopens"), via=VIA_REPLIES),
        "intercom": Cell(MEASURED, ("agent_replies", "reopens"), via=VIA_REPLIES),
        "csv": Cell(MEASURED, ("agent_replies", "reopens")),
    },
    "reopen_rate": _same(Cell(MEASURED, ("reopens",))),
    "escalation_rate": {
        "zendesk": Cell(MEASURED, ("escalated",)), "freshdesk": Cell(MEASURED, ("escalated",)),
        "intercom": Cell(MEASURED, ("escalated",)), "csv": Cell(MEASURED, ("escalated",)),
    },
    "backlog": _BACKLOG,
    "backlog_age": _BACKLOG,
    "tickets_per_agent": _same(Cell(TIMESTAMPS, ("created_at", "assignee"))),
    "repeat_contact_rate": _same(Cell(TIMESTAMPS, ("created_at", "requester"))),
    "deflection_rate": {
        "zendesk": Cell(NOT_AVAILABLE, ("bot_resolved",),
                        why="the export marks answer_bot channels, which say a bot took part, not that it resolved the ticket"),
        "freshdesk": Cell(NOT_AVAILABLE, ("bot_resolved",),
                          why="source 12 says a bot took the ticket in, not that it resolved it"),
        "intercom": Cell(MEASURED, ("bot_resolved",)),
        "csv": Cell(MEASURED, ("bot_resolved",)),
    },
    "sla_first_response_met": {
        "zendesk": Cell(MEASURED, ("sla_first_response_met",), via=VIA_SLA_EVENTS),
        "freshdesk": Cell(TIMESTAMPS, ("first_response_due_at", "first_response_at")),
        "intercom": Cell(NOT_AVAILABLE, ("sla_first_response_met", "first_response_due_at"),
                         why="`sla_applied` carries one status for the conversation's SLA as a whole"),
        "csv": Cell(TIMESTAMPS, ("first_response_due_at", "first_response_at")),
    },
    "sla_resolution_met": {
        "zendesk": Cell(MEASURED, ("sla_resolution_met",), via=VIA_SLA_EVENTS),
        "freshdesk": Cell(TIMESTAMPS, ("resolution_due_at", "solved_at")),
        "intercom": Cell(MEASURED, ("sla_resolution_met",),
                         note="`sla_applied` judges the SLA as a whole: a missed reply target counts as missed too"),
        "csv": Cell(TIMESTAMPS, ("resolution_due_at", "solved_at")),
    },
    "cost_per_resolution": _same(Cell(TIMESTAMPS, ("solved_at",))),
    "first_response_time_business": {
        "zendesk": Cell(MEASURED, ("first_response_business",)),
        "freshdesk": Cell(TIMESTAMPS, ("first_response_at",)),
        "intercom": Cell(MEASURED, ("first_response_business",)),
        "csv": Cell(TIMESTAMPS, ("first_response_at",)),
    },
    "resolution_time_business": {
        "zendesk": Cell(MEASURED, ("resolution_business",)),
        "freshdesk": Cell(TIMESTAMPS, ("solved_at",)),
        "intercom": Cell(MEASURED, ("resolution_business",)),
        "csv": Cell(TIMESTAMPS, ("solved_at",)),
    },
}


def markdown_table() -> str:
    """The README's metric × vendor table."""
    head = "| metric | " + " | ".join(VENDOR_NAMES[v] for v in VENDORS) + " |"
    rule = "|---|" + "---|" * len(VENDORS)
    rows = [f"| `{key}` | " + " | ".join(cells[v].text() for v in VENDORS) + " |" for key, cells in CAPABILITIES.items()]
    return "\n".join([head, rule, *rows])
