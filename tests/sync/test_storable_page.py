"""Every record is made storable by the sync itself (`store_page`), not only by adapters that remember
`@checked`: a ticket that cannot be stored is quarantined with its reason, the rest of the page goes in."""
from datetime import UTC, datetime

from sqlalchemy import select

from bot.storage.models import QuarantinedRecord, TicketRow
from bot.sync.service import run_sync
from integrations.base import Checkpoint, Ticket, TicketPage

AT = datetime(2024, 3, 1, tzinfo=UTC)


def _ticket(external_id: str, **fields) -> Ticket:
    return Ticket(source="hand", external_id=external_id, status="open", created_at=AT, updated_at=AT,
                  raw={"id": external_id}, **fields)


class HandAdapter:
    """An adapter that builds Tickets itself, with no normalization at all."""

    name = "hand"

    def __init__(self, tickets):
        self.tickets = tickets

    def pages(self, checkpoints, *, start):
        yield TicketPage(tickets=tuple(self.tickets), checkpoint=Checkpoint("hand", "all", {"done": True}))


def test_unstorable_tickets_are_quarantined_and_labels_cut(session_factory):
    adapter = HandAdapter([
        _ticket("1"),
        _ticket("2", agent_replies=2**40),
        _ticket("3", group="G" * 300, subject="bell\x07 rings \ud800", csat_comment="nul\x00 here"),
        _ticket("x" * 200),
        _ticket("5", csat_score=float("inf")),
    ])
    (result,) = run_sync(session_factory=session_factory, adapters=[adapter], workspace_id="T1", start=AT).sources
    assert result.ok and (result.fetched, result.inserted, result.quarantined) == (5, 2, 3)
    with session_factory() as session:
        rows = {r.external_id: r for r in session.scalars(select(TicketRow))}
        reasons = sorted((q.external_id, q.reason) for q in session.scalars(select(QuarantinedRecord)))
    assert sorted(rows) == ["1", "3"]
    assert len(rows["3"].group_name) == 128 and rows["3"].subject == "bell rings "
    assert rows["3"].raw["_cut"][0].startswith("group: cut from 300 to 128")
    assert reasons == [("2", "agent_replies: out of range"), ("5", "csat_score: not a finite number"),
                       ("x" * 128, "id: 200 characters, over 128")]
