"""Plain factories for ritual tests: daily metric rows, triggers, actions, tickets; rituals switched off."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.storage.models import Action, DailyMetric, TicketRow, TriggerRow

WS = "default"


def rituals_off(*tables: str) -> str:
    """Config text that switches each `[rituals.<table>]` off."""
    return "".join(f"[rituals.{table}]\nenabled = false\n" for table in tables)


def metric_days(metric: str, start: date, values, *, expected: float, spread: float, direction: int = 1,
                dimension: str = "", segment: str = "", denominator: float | None = None, zones=None,
                workspace_id: str = WS, watch: float = 2.0, act_now: float = 3.5):
    """DailyMetric rows from a list of values; zones computed from the score unless given."""
    rows = []
    for i, value in enumerate(values):
        score = direction * (value - expected) / spread
        zone = zones[i] if zones else ("act_now" if score >= act_now else "watch" if score >= watch else "healthy")
        bands = ({"watch_above": expected + watch * spread, "act_now_above": expected + act_now * spread}
                 if direction > 0 else
                 {"watch_below": expected - watch * spread, "act_now_below": expected - act_now * spread})
        rows.append(DailyMetric(
            workspace_id=workspace_id, day=start + timedelta(days=i), metric=metric, dimension=dimension,
            segment=segment, value=value, n=int(denominator or 100),
            numerator=None if denominator is None else value * denominator, denominator=denominator,
            zone=zone, expected=expected, score=score, evidence={"bands": bands},
        ))
    return rows


def trigger(rule: str, metric: str, fired_on: date, *, dimension: str = "", segment: str = "", zone: str = "act_now",
            status: str = "open", recovered_on: date | None = None, playbook: str | None = None, workspace_id: str = WS,
            **extra) -> TriggerRow:
    return TriggerRow(workspace_id=workspace_id, rule=rule, metric=metric, dimension=dimension, segment=segment,
                      zone=zone, status=status, fired_on=fired_on, recovered_on=recovered_on, playbook=playbook,
                      evidence=extra.pop("evidence", {"value": 0.61, "expected": 0.88}), **extra)


def action(metric: str, owner: str, *, due_on: date | None, status: str = "open", description: str = "Fix it",
           trigger_id: int | None = None, created_at: datetime | None = None, closed_at: datetime | None = None,
           dimension: str = "", segment: str = "", workspace_id: str = WS, **extra) -> Action:
    created_at = created_at or datetime(2026, 11, 1, 9, tzinfo=UTC)
    return Action(workspace_id=workspace_id, metric=metric, dimension=dimension, segment=segment,
                  trigger_id=trigger_id, description=description, owner=owner, created_by="U0LEAD", due_on=due_on,
                  status=status, created_at=created_at, updated_at=created_at, closed_at=closed_at, **extra)


def ticket(n: int, created_at: datetime, *, organization: str | None = None, tags=(), csat: str | None = None,
           solved_after: timedelta | None = timedelta(hours=20), escalated: bool = False, subject: str = "Subject",
           workspace_id: str = WS, source: str = "csv", **extra) -> TicketRow:
    solved_at = created_at + solved_after if solved_after is not None else None
    return TicketRow(workspace_id=workspace_id, source=source, external_id=str(n), status="solved" if solved_at else "open",
                     created_at=created_at, updated_at=solved_at or created_at, solved_at=solved_at,
                     resolution_seconds=solved_after.total_seconds() if solved_after else None,
                     organization=organization, requester=f"user{n}@example.com", tags=list(tags), subject=subject,
                     csat=csat, escalated=escalated, changed_at=created_at, **extra)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed_review_scenario(session, today: date, *, workspace_id: str = WS) -> dict:
    """12 weeks of CSAT (overall and billing) and first response time ending yesterday.

    CSAT billing falls into act-now in the last week (trigger + action), first
    response time drifts into watch in the last 3 days; one action done three
    weeks ago with a clear improvement, one overdue.
    """
    start = today - timedelta(days=84)
    csat = [0.88] * 77 + [0.86, 0.85, 0.84, 0.84, 0.83, 0.83, 0.83]
    billing = [0.87] * 77 + [0.80, 0.74, 0.70, 0.66, 0.63, 0.61, 0.61]
    frt = [3600.0 + (i % 7) * 60 for i in range(81)] + [5600.0, 6000.0, 6100.0]
    volume = [300.0 + (i % 7) * 5 for i in range(84)]
    session.add_all(metric_days("csat", start, csat, expected=0.88, spread=0.02, direction=-1, denominator=120,
                                workspace_id=workspace_id))
    session.add_all(metric_days("csat", start, billing, expected=0.87, spread=0.04, direction=-1, denominator=30,
                                dimension="product_area", segment="billing", workspace_id=workspace_id))
    session.add_all(metric_days("csat", start, [0.9] * 84, expected=0.9, spread=0.04, direction=-1, denominator=30,
                                dimension="product_area", segment="login", workspace_id=workspace_id))
    session.add_all(metric_days("first_response_time", start, frt, expected=3800.0, spread=600.0,
                                workspace_id=workspace_id))
    session.add_all(metric_days("ticket_volume", start, volume, expected=315.0, spread=20.0,
                                workspace_id=workspace_id))
    # an earlier reopen-rate episode: fired, acted on, done three weeks ago, clearly better since
    reopen = [0.12] * 30 + [0.20] * 14 + [0.15] * 12 + [0.08] * 28
    session.add_all(metric_days("reopen_rate", start, reopen, expected=0.12, spread=0.03, denominator=200,
                                workspace_id=workspace_id))
    old = trigger("reopen-spike", "reopen_rate", start + timedelta(days=31), zone="act_now", status="recovered",
                  recovered_on=start + timedelta(days=60), workspace_id=workspace_id)
    billing_trigger = trigger("csat-drop", "csat", today - timedelta(days=5), dimension="product_area",
                              segment="billing", playbook="csat-recovery", workspace_id=workspace_id,
                              alert_channel="C0ALERTS")
    session.add_all([old, billing_trigger])
    session.flush()
    done = action("reopen_rate", "U0OPS", due_on=start + timedelta(days=50), status="done",
                  description="Rewrite the password-reset macro", trigger_id=old.id,
                  created_at=at(start + timedelta(days=32)), closed_at=at(start + timedelta(days=55)),
                  workspace_id=workspace_id)
    overdue = action("csat", "U0LEAD", due_on=today - timedelta(days=2), description="Call back unhappy billing customers",
                     trigger_id=billing_trigger.id, dimension="product_area", segment="billing",
                     created_at=at(today - timedelta(days=5)), workspace_id=workspace_id)
    later = action("first_response_time", "U0NYC", due_on=today + timedelta(days=1),
                   description="Move two agents to chat at peak", created_at=at(today - timedelta(days=3)),
                   workspace_id=workspace_id)
    session.add_all([done, overdue, later])
    session.flush()
    return {"billing_trigger": billing_trigger.id, "old_trigger": old.id, "done": done.id, "overdue": overdue.id,
            "later": later.id}
