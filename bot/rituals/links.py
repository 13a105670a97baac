"""Links back to the helpdesk for a ticket, from the source's configured base URL (None when unknown)."""
from __future__ import annotations

from bot.config import Settings


def ticket_url(settings: Settings, source: str, external_id: str) -> str | None:
    config = settings.file.sources.get(source)
    kind = (config.type if config is not None else None) or source
    if kind == "zendesk" and settings.env.zendesk_base_url:
        return f"{settings.env.zendesk_base_url}/agent/tickets/{external_id}"
    if kind == "freshdesk" and settings.env.freshdesk_base_url:
        return f"{settings.env.freshdesk_base_url}/a/tickets/{external_id}"
    if kind == "intercom":
        return f"https://app.intercom.com/a/inbox/_/inbox/conversation/{external_id}"
    return None
