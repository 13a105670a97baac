"""Plain factory functions for metric tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.metrics.facts import TicketFact

UTC = timezone.utc
T0 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin


def make_fact(**overrides) -> TicketFact:
    base = dict(ticket_id="1", created_at=T0, status="solved", source="zendesk",
                first_response_at=T0 + timedelta(hours=1), solved_at=T0 + timedelta(hours=5),
                agent_replies=1, channel="email", priority="normal", group="Support",
                assignee="alice", organization="Acme", requester="r1")
    base.update(overrides)
    return TicketFact(**base)
