"""What `signalroom status` and `signalroom crm unmatched` say about the CRM: companies, matches, the rest."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.crm.sync import configured, unmatched
from bot.storage import crm as store

if TYPE_CHECKING:  # bot.config reads bot.crm.config: only annotations go the other way
    from bot.config import Settings


def summary(session, settings: Settings) -> dict[str, Any] | None:
    """The CRM's line in `status` (None when HubSpot is not set up and nothing was ever synced)."""
    workspace_id = settings.workspace_id
    last = store.last_synced_at(session, workspace_id=workspace_id)
    if last is None and not configured(settings):
        return None
    result = unmatched(session, workspace_id=workspace_id)
    companies = store.companies(session, workspace_id=workspace_id)
    return {"crm": "hubspot", "configured": configured(settings),
            "last_sync_at": last.isoformat() if last else None, "companies": len(companies),
            "high_value": sum(c.high_value for c in companies), "matched": len(result.matches),
            "unmatched_organizations": len(result.unmatched_organizations),
            "unmatched_companies": len(result.unmatched_companies)}


def summary_line(data: dict[str, Any]) -> str:
    if data["last_sync_at"] is None:
        return "HubSpot: not synced yet: run `signalroom crm sync` (or start the worker)"
    return (f"HubSpot: {data['companies']} companies ({data['high_value']} high-value) synced "
            f"{data['last_sync_at'][:16].replace('T', ' ')}; {data['matched']} organizations matched, "
            f"{data['unmatched_organizations']} unmatched (signalroom crm unmatched)")


def unmatched_json(session, settings: Settings) -> dict[str, Any]:
    result = unmatched(session, workspace_id=settings.workspace_id)
    return {"matched": [{"organization": m.organization, "name": m.organization_name, "crm_id": m.crm_id,
                         "method": m.method} for m in result.matches],
            "unmatched_organizations": [{"organization": o.key, "name": o.name, "domains": list(o.domains)}
                                        for o in result.unmatched_organizations],
            "unmatched_companies": [{"crm_id": c.crm_id, "name": c.name, "domain": c.domain}
                                    for c in result.unmatched_companies]}


def warnings(settings: Settings) -> list[str]:
    """`config check` warnings about `[crm]` and HUBSPOT_TOKEN. No network."""
    rule, token = settings.file.crm.high_value, configured(settings)
    if rule and not token:
        return ["crm.high_value: set, but HUBSPOT_TOKEN is not: no company is synced, so only [accounts] "
                "high_value makes an account high-value (README: HubSpot)"]
    if token and not rule:
        return ["crm.high_value: not set, so HubSpot companies give account risk their value and owner but make "
                "no account high-value (e.g. high_value = \"value >= 50000\")"]
    return []
