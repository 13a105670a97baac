"""Account-risk signals: organizations contacting support again and again within N days.

Configured by `[accounts]` (`repeat_contacts`, `repeat_window_days`,
`high_value`). High-value accounts first, then by number of contacts; each
with its recent tickets and their CSAT. Posted to the customer-success channel.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import Settings
from bot.rituals import ledger, links, store
from bot.rituals.store import TicketFact

MAX_ACCOUNTS = 10
MAX_TICKETS = 5


@dataclass(frozen=True, slots=True)
class RecentTicket:
    id: str
    url: str | None
    created_at: datetime
    csat: str | None
    subject: str | None
    open: bool


@dataclass(frozen=True, slots=True)
class AccountRisk:
    organization: str
    high_value: bool
    contacts: int
    bad_csat: int
    rated: int
    tickets: tuple[RecentTicket, ...]


@dataclass(frozen=True, slots=True)
class AccountReport:
    channel: str
    period: str
    window_days: int
    threshold: int
    accounts: tuple[AccountRisk, ...]

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("account_risk", self.channel, self.period)


def at_risk(tickets: Sequence[TicketFact], *, high_value: Sequence[str], threshold: int, url_for,
            show_subjects: bool = True) -> list[AccountRisk]:
    """Pure: organizations with at least `threshold` tickets, high-value first."""
    by_org: dict[str, list[TicketFact]] = defaultdict(list)
    for t in tickets:
        if t.organization:
            by_org[t.organization].append(t)
    vip = {h.lower() for h in high_value}
    out = []
    for org, mine in by_org.items():
        if len(mine) < threshold:
            continue
        rated = [t for t in mine if t.csat in ("good", "bad")]
        recent = sorted(mine, key=lambda t: t.created_at, reverse=True)[:MAX_TICKETS]
        out.append(AccountRisk(org, org.lower() in vip, len(mine), sum(t.csat == "bad" for t in rated), len(rated),
                               tuple(RecentTicket(t.external_id, url_for(t), t.created_at, t.csat,
                                                  t.subject if show_subjects else None, t.solved_at is None)
                                     for t in recent)))
    out.sort(key=lambda a: (not a.high_value, -a.contacts, -a.bad_csat, a.organization))
    return out[:MAX_ACCOUNTS]


def gather(session: Session, *, settings: Settings, now: datetime, period: str) -> AccountReport | None:
    channel = settings.file.rituals.account_risk.channel or settings.file.slack.cs_channel
    if not channel:
        return None
    cfg = settings.file.accounts
    tickets = store.tickets(session, workspace_id=settings.workspace_id,
                            created_from=now - timedelta(days=cfg.repeat_window_days), created_to=now)
    accounts = at_risk(tickets, high_value=cfg.high_value, threshold=cfg.repeat_contacts,
                       url_for=lambda t: links.ticket_url(settings, t.source, t.external_id),
                       show_subjects=settings.file.privacy.store_subject)
    return AccountReport(channel, period, cfg.repeat_window_days, cfg.repeat_contacts, tuple(accounts))


def render_report(report: AccountReport) -> Message:
    return render("ritual_accounts", a=report)
