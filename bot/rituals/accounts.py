"""Account-risk signals: organizations contacting support again and again within N days.

Configured by `[accounts]` (`repeat_contacts`, `repeat_window_days`,
`high_value`). High-value accounts first, then by number of contacts; each
with its recent tickets and their CSAT. Posted to the customer-success channel.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import Settings
from bot.rituals import ledger, links, store
from bot.rituals.store import TicketFact
from bot.storage.crm import Account, accounts as crm_accounts, high_value_organizations
from bot.storage.reference import display_names, organization_keys
from bot.storage.tickets import unsatisfied_comments

MAX_ACCOUNTS = 8
MAX_TICKETS = 4
MAX_COMMENTS = 2  # most recent unsatisfied CSAT comments shown per account (and per digest theme)
BASELINE_DAYS = 56
# An ordinary account is flagged when it contacts support this much more than its own usual.
ABOVE_USUAL = 1.5


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
    usual: float  # its average number of tickets per window over the previous 8 weeks
    bad_csat: int
    rated: int
    tickets: tuple[RecentTicket, ...]
    # The most recent comments of its unsatisfied ratings (stored redacted), newest first.
    comments: tuple[str, ...] = ()
    # From the CRM (HubSpot, bot/crm) when the organization matched a company: its value and CS owner.
    value: float | None = None
    owner_name: str | None = None
    owner_user: str | None = None  # the owner's Slack user id, when their email is a user of this workspace


def recent_comments(tickets: Sequence[TicketFact], comments: Mapping[int, str], limit: int = MAX_COMMENTS) -> tuple[str, ...]:
    """Pure: the comments (row id → text) of these tickets' unsatisfied ratings, most recently solved first."""
    if not comments:
        return ()
    rated = [t for t in tickets if t.csat == "unsatisfied" and t.id in comments]
    rated.sort(key=lambda t: (t.solved_at or t.created_at, t.id), reverse=True)
    return tuple(comments[t.id] for t in rated[:limit])


@dataclass(frozen=True, slots=True)
class AccountReport:
    channel: str
    period: str
    window_days: int
    threshold: int
    accounts: tuple[AccountRisk, ...]
    currency: str | None = None  # [metrics] currency, shown with CRM values

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("account_risk", self.channel, self.period)


def at_risk(tickets: Sequence[TicketFact], *, high_value: Sequence[str], threshold: int, url_for,
            show_subjects: bool = True, prior: Sequence[TicketFact] = (), windows_in_prior: float = 0.0,
            comments: Mapping[int, str] | None = None) -> list[AccountRisk]:
    """Pure: organizations with at least `threshold` tickets in the window, high-value first.

    High-value accounts are listed at the threshold; other accounts only when
    they also contact support `ABOVE_USUAL` times more than their own usual
    (from `prior`, which spans `windows_in_prior` windows) — a busy customer
    that always writes a lot is not a risk signal. `comments` (row id → CSAT
    comment) gives each account its latest unsatisfied comments.
    """
    by_org: dict[str, list[TicketFact]] = defaultdict(list)
    for t in tickets:
        if t.organization:
            by_org[t.organization].append(t)
    prior_counts: dict[str, int] = defaultdict(int)
    for t in prior:
        if t.organization:
            prior_counts[t.organization] += 1
    vip = {h.lower() for h in high_value}
    out = []
    for org, mine in by_org.items():
        if len(mine) < threshold:
            continue
        usual = prior_counts.get(org, 0) / windows_in_prior if windows_in_prior else 0.0
        is_vip = org.lower() in vip
        if not is_vip and usual and len(mine) < ABOVE_USUAL * usual:
            continue
        rated = [t for t in mine if t.csat in ("satisfied", "unsatisfied")]
        recent = sorted(mine, key=lambda t: t.created_at, reverse=True)[:MAX_TICKETS]
        out.append(AccountRisk(org, is_vip, len(mine), usual, sum(t.csat == "unsatisfied" for t in rated), len(rated),
                               tuple(RecentTicket(t.external_id, url_for(t), t.created_at, t.csat,
                                                  t.subject if show_subjects else None, t.solved_at is None)
                                     for t in recent),
                               recent_comments(mine, comments or {})))
    out.sort(key=lambda a: (not a.high_value, -(a.contacts - a.usual), -a.bad_csat, a.organization))
    return out[:MAX_ACCOUNTS]


def with_account(risk: AccountRisk, account: Account | None, resolve_user=None) -> AccountRisk:
    """The account's CRM value and CS owner (a Slack mention when `resolve_user` finds the owner's email)."""
    if account is None:
        return risk
    user = resolve_user(account.owner_email) if resolve_user and account.owner_email else None
    return dataclasses.replace(risk, high_value=risk.high_value or account.high_value, value=account.value,
                               owner_name=account.owner_name or account.owner_email, owner_user=user)


def gather(session: Session, *, settings: Settings, now: datetime, period: str,
           resolve_user=None) -> AccountReport | None:
    channel = settings.file.rituals.account_risk.channel or settings.file.slack.cs_channel
    if not channel:
        return None
    cfg = settings.file.accounts
    window_start = now - timedelta(days=cfg.repeat_window_days)
    tickets = store.tickets(session, workspace_id=settings.workspace_id,
                            created_from=window_start - timedelta(days=BASELINE_DAYS), created_to=now)
    recent = [t for t in tickets if t.created_at >= window_start]
    prior = [t for t in tickets if t.created_at < window_start]
    # Configured by name or domain; API sources' tickets carry organization ids, shown by name.
    high_value = [*cfg.high_value, *organization_keys(session, workspace_id=settings.workspace_id, names=cfg.high_value),
                  *high_value_organizations(session, workspace_id=settings.workspace_id)]  # the [crm] rule's
    show_text = settings.file.privacy.store_subject
    comments = unsatisfied_comments(session, workspace_id=settings.workspace_id,
                                    row_ids=[t.id for t in recent if t.csat == "unsatisfied"]) if show_text else {}
    accounts = at_risk(recent, high_value=high_value, threshold=cfg.repeat_contacts,
                       url_for=lambda t: links.ticket_url(settings, t.source, t.external_id),
                       show_subjects=show_text, prior=prior,
                       windows_in_prior=BASELINE_DAYS / cfg.repeat_window_days, comments=comments)
    crm = crm_accounts(session, workspace_id=settings.workspace_id, organizations=[a.organization for a in accounts])
    accounts = [with_account(a, crm.get(a.organization), resolve_user) for a in accounts]
    names = display_names(session, workspace_id=settings.workspace_id, dimension="organization",
                          ids=[a.organization for a in accounts])
    accounts = [dataclasses.replace(a, organization=names.get(a.organization, a.organization)) for a in accounts]
    return AccountReport(channel, period, cfg.repeat_window_days, cfg.repeat_contacts, tuple(accounts),
                         settings.file.metrics.currency)


def render_report(report: AccountReport) -> Message:
    return render("ritual_accounts", a=report)
