"""The daily HubSpot sync: companies with the chosen properties, their owners, the high-value rule, and the
match to helpdesk organizations, stored in one transaction per run (a failed run keeps the previous sync).

A company whose record is malformed is quarantined (`quarantined_records`, source `hubspot`) and the run goes
on. When the set of high-value organizations changes, the days with their tickets are marked touched so the
next incremental rollup redraws their account-tier segment.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from bot.crm import match as matching
from bot.crm.rule import evaluate
from bot.storage import crm as store
from integrations.crm.hubspot import Company, HubSpotClient, Owner

if TYPE_CHECKING:  # bot.config reads bot.crm.config: only annotations go the other way
    from bot.config import Settings

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True, slots=True)
class SyncReport:
    companies: int
    high_value: int
    quarantined: int
    matched: int
    unmatched_organizations: int
    unmatched_companies: int
    rate_limited: int = 0


def configured(settings: Settings) -> bool:
    """A token serves this workspace: its stored one, or HUBSPOT_TOKEN for the config file's own (settings_for)."""
    return settings.env.hubspot_token is not None


def make_client(settings: Settings, *, http: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.time) -> HubSpotClient:
    from bot.errors import UsageError

    if settings.env.hubspot_token is None:
        raise UsageError(f"HubSpot is not set up for workspace {settings.workspace_id}: set HUBSPOT_TOKEN to a "
                         "private app's access token, or store it with `signalroom integration add hubspot "
                         f"--workspace {settings.workspace_id}` (README: HubSpot)")
    return HubSpotClient(http or httpx.Client(timeout=TIMEOUT), token=settings.env.hubspot_token.get_secret_value(),
                         base_url=settings.env.hubspot_url, sleep=sleep, clock=clock,
                         auth_hint=settings.env.auth_hint("hubspot", HubSpotClient.auth_hint, settings.workspace_id))


def _number(text: str | None) -> float | None:
    if text is None or not str(text).strip():
        return None
    return float(str(text).replace(",", "").strip())  # ValueError: the caller quarantines the value


def company_row(company: Company, owner: Owner | None, settings: Settings) -> tuple[dict[str, Any], str | None]:
    """Pure: a company's stored columns, and a problem with its value property (if any)."""
    cfg = settings.file.crm
    props = dict(company.properties)
    problem = None
    try:
        value = _number(props.get(cfg.value_property))
    except ValueError:
        value, problem = None, f"{cfg.value_property} is not a number"
    tier = props.get(cfg.tier_property) if cfg.tier_property else None
    lifecycle = props.get(cfg.lifecycle_property) if cfg.lifecycle_property else None
    high = judge(cfg.rule(), props, value=value, tier=tier, lifecycle=lifecycle)
    return {"crm_id": company.id, "name": company.name[:254], "domain": (company.domain or None) and company.domain[:254],
            "normalized_name": matching.normalize_name(company.name)[:254], "properties": props, "value": value,
            "tier": tier and tier[:100], "lifecycle": lifecycle and lifecycle[:100], "owner_id": company.owner_id,
            "owner_email": owner.email if owner else None, "owner_name": owner.name[:254] if owner else None,
            "high_value": high}, problem


def judge(rule: Any, properties: dict[str, Any], *, value: float | None, tier: str | None,
          lifecycle: str | None) -> bool:
    """Pure: is a company with these stored properties high-value by `rule` (None: no rule, never)?"""
    return bool(rule is not None and evaluate(rule, {**properties, "value": value, "tier": tier,
                                                     "lifecycle": lifecycle}))


def rejudge(session, settings: Settings, *, workspace_id: str | None = None) -> int:
    """The `[crm] high_value` rule as configured now, over the companies as last synced (their stored
    properties): a changed rule takes effect without waiting for the next sync. Days with tickets of the
    organizations whose tier changed are marked for the rollup. How many companies changed."""
    workspace_id = workspace_id or settings.workspace_id
    rule = settings.file.crm.rule()
    changed = []
    for company in store.companies(session, workspace_id=workspace_id):
        high = judge(rule, dict(company.properties or {}), value=company.value, tier=company.tier,
                     lifecycle=company.lifecycle)
        if high != company.high_value:
            changed.append((company, high))
    if not changed:
        return 0
    before = store.high_value_organizations(session, workspace_id=workspace_id)
    for company, high in changed:
        company.high_value = high
    session.flush()
    after = store.high_value_organizations(session, workspace_id=workspace_id)
    store.touch_organizations(session, workspace_id=workspace_id, organizations=before ^ after)
    log.info("hubspot: the high-value rule changed %d companies' tier", len(changed))
    return len(changed)


def _fetch(client: HubSpotClient, settings: Settings) -> tuple[list[Company], list[tuple[str | None, str, Any]]]:
    companies: list[Company] = []
    bad: list[tuple[str | None, str, Any]] = []
    for page in client.companies(settings.file.crm.fetched()):
        companies += page.companies
        bad += page.quarantined
    return companies, bad


def _owners(client: HubSpotClient, ids: Iterable[str | None]) -> dict[str, Owner]:
    """The companies' owners, from the paged owners list (no request when no company has one); an owner
    who left is not listed, and the company keeps no CS owner."""
    wanted = {i for i in ids if i}
    return {o.id: o for o in client.owners() if o.id in wanted} if wanted else {}


def sync_companies(sessions, settings: Settings, *, client: HubSpotClient, now: datetime,
                   workspace_id: str | None = None) -> SyncReport:
    """Fetch every company and owner, then store companies, quarantined records and matches together."""
    workspace_id = workspace_id or settings.workspace_id
    companies, bad = _fetch(client, settings)
    owners = _owners(client, (c.owner_id for c in companies))
    rows = []
    for company in companies:
        row, problem = company_row(company, owners.get(company.owner_id or ""), settings)
        rows.append(row)
        if problem:
            bad.append((company.id, problem, {"id": company.id, "properties": dict(company.properties)}))
    with sessions.begin() as session:
        before = store.high_value_organizations(session, workspace_id=workspace_id)
        store.save_companies(session, workspace_id=workspace_id, rows=rows, synced_at=now)
        store.quarantine(session, workspace_id=workspace_id, records=bad)
        result = match_organizations(session, workspace_id=workspace_id, now=now)
        after = store.high_value_organizations(session, workspace_id=workspace_id)
        store.touch_organizations(session, workspace_id=workspace_id, organizations=before ^ after)
    log.info("hubspot: %d companies, %d quarantined, %d organizations matched", len(rows), len(bad),
             len(result.matches))
    return SyncReport(len(rows), sum(r["high_value"] for r in rows), len(bad), len(result.matches),
                      len(result.unmatched_organizations), len(result.unmatched_companies), client.rate_limited)


def match_organizations(session, *, workspace_id: str, now: datetime) -> matching.Matching:
    result = unmatched(session, workspace_id=workspace_id)
    store.replace_matches(session, workspace_id=workspace_id, matches=result.matches, now=now)
    return result


def unmatched(session, *, workspace_id: str) -> matching.Matching:
    """The match of the stored companies to today's organizations, with what did not match (no network)."""
    orgs = [matching.Organization(k, n, d) for k, n, d in store.organizations(session, workspace_id=workspace_id)]
    refs = [matching.CompanyRef(c.crm_id, c.name, c.domain) for c in store.companies(session, workspace_id=workspace_id)]
    return matching.match(orgs, refs)


def due(now: datetime, *, last_synced_at: datetime | None, sync_hour: int, timezone: str) -> bool:
    """Pure: is the daily sync due? Once a local day, from `sync_hour` on (at once when it never ran)."""
    if last_synced_at is None:
        return True
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    today_at = local.replace(hour=sync_hour, minute=0, second=0, microsecond=0)
    if local < today_at:
        today_at -= timedelta(days=1)
    return last_synced_at.astimezone(tz) < today_at


def run_if_due(sessions, settings: Settings, *, now: datetime) -> SyncReport | None:
    """The worker's hourly check (the first at its start): the rule re-judged over the stored companies at once,
    and a sync when the day's sync is due."""
    with sessions.begin() as session:
        rejudge(session, settings)
        last = store.last_synced_at(session, workspace_id=settings.workspace_id)
    if not due(now, last_synced_at=last, sync_hour=settings.file.crm.sync_hour, timezone=settings.file.timezone):
        return None
    with httpx.Client(timeout=TIMEOUT) as http:
        return sync_companies(sessions, settings, client=make_client(settings, http=http), now=now)
