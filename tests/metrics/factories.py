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


def make_tickets(*, days: int, per_day: int, end_at: datetime, slow_last_days: int = 0, seed: int = 7,
                 groups: tuple[str, ...] = ("Billing", "Tech")):
    """Synthetic `integrations.base.Ticket`s: `per_day` a day for `days` days before `end_at`.

    The last `slow_last_days` days answer five times slower (to fire first-response rules)."""
    import random

    from integrations.base import Ticket

    rnd = random.Random(seed)
    out = []
    for d in range(days):
        day_start = end_at - timedelta(days=days - d)
        slow = d >= days - slow_last_days
        for k in range(per_day):
            created = day_start + timedelta(minutes=rnd.randint(0, 20 * 60))
            frt = timedelta(minutes=rnd.randint(20, 100) * (5 if slow else 1))
            solved = created + frt + timedelta(hours=rnd.randint(1, 30))
            is_open = solved >= end_at - timedelta(hours=1)
            out.append(Ticket(
                source="zendesk", external_id=f"{d}-{k}", status="open" if is_open else "solved",
                created_at=created, updated_at=min(solved, end_at - timedelta(minutes=1)),
                first_response_at=created + frt, solved_at=None if is_open else solved,
                agent_replies=rnd.choice([1, 1, 2, 3]), reopens=1 if rnd.random() < 0.05 else 0,
                group=groups[k % len(groups)], channel=rnd.choice(["email", "chat"]), priority="normal",
                assignee=f"agent{k % 4}", requester=f"user{rnd.randint(0, 300)}", organization=f"org{k % 7}",
                tags=("billing",) if k % 2 == 0 else ("login",),
                csat=rnd.choice(["satisfied"] * 8 + ["unsatisfied"]) if rnd.random() < 0.5 else None,
            ))
    return out
