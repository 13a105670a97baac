"""Source health alerts: one message per incident in the alerts channel, edited when the source recovers.

An incident is a source that failed `[health].failures` syncs in a row, or whose
last successful sync is older than its lag limit. Its ledger key is the source and
its last success (`never` before the first), the same for every worker that sees
it, so the ledger lets exactly one of them post; the message's channel, ts and
key are then kept on the source's health row. While the source stays unhealthy
nothing more is sent. Once it is healthy again the same message is edited to say
so, and the row forgets the alert: the next incident (after a newer success) has
a new key and gets a new message. A source removed (`signalroom source remove`, App
Home) or disabled while its alert is open never recovers: its message is edited to say
so (`retire`) and the row forgets the alert too.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.blocks import Message, render
from bot.config import Settings
from bot.rituals import ledger
from bot.rituals.publish import STANDS, Publisher, Result
from bot.rituals.units import duration
from bot.storage import health as store
from bot.sync.health import SourceStatus, detail, iso, source_statuses

log = logging.getLogger(__name__)
RITUAL = "source_health"
VENDORS = {"zendesk": "Zendesk", "freshdesk": "Freshdesk", "intercom": "Intercom", "csv": "CSV"}
# What to check, per source type: the credentials, and where the API is.
CREDENTIALS = {
    "zendesk": "ZENDESK_API_TOKEN (with ZENDESK_EMAIL) or ZENDESK_OAUTH_TOKEN",
    "freshdesk": "FRESHDESK_API_KEY",
    "intercom": "INTERCOM_ACCESS_TOKEN",
}
ENDPOINTS = {
    "zendesk": "ZENDESK_SUBDOMAIN or ZENDESK_URL",
    "freshdesk": "FRESHDESK_DOMAIN or FRESHDESK_URL",
    "intercom": "INTERCOM_URL",
}


def channel_for(settings: Settings) -> str | None:
    return settings.file.health.channel or settings.file.slack.alerts_channel


def incident_key(status: SourceStatus, channel: str) -> ledger.Key:
    return ledger.Key(RITUAL, channel, ledger.period_key_for(status.name, iso(status.last_success_at) or "never"))


def _context(status: SourceStatus, settings: Settings, reason: str) -> dict:
    kind = status.type
    return {
        "s": status, "reason": reason, "vendor": VENDORS.get(kind, kind),
        "credentials": CREDENTIALS.get(kind, f"the credentials of sources.{status.name}"),
        "endpoint": ENDPOINTS.get(kind, f"sources.{status.name}.path"),
        "detail": detail(status.last_error), "threshold": settings.file.health.failures,
        "lag": duration(status.lag.total_seconds()) if status.lag is not None else None,
        "max_lag": duration(status.max_lag.total_seconds()),
    }


def render_alert(status: SourceStatus, settings: Settings, reason: str) -> Message:
    return render("ritual_source_health", recovered=False, **_context(status, settings, reason))


def render_recovered(status: SourceStatus, settings: Settings, reason: str) -> Message:
    return render("ritual_source_health", recovered=True, **_context(status, settings, reason))


def send(publisher: Publisher, sessions: sessionmaker, *, settings: Settings, now: datetime) -> list[Result]:
    """Alert on each source that turned unhealthy (once), edit the alert of each that recovered."""
    channel = channel_for(settings)
    with sessions() as session:
        statuses = source_statuses(session, settings=settings, now=now)
    results = []
    workspace_id = settings.workspace_id
    for status in statuses:
        alarm = status.alarm(settings.file.health.failures)
        if alarm and status.alert_period is None:
            if channel is None:
                log.warning("source %s is unhealthy (%s) and no channel is set for alerts ([health].channel or "
                            "[slack].alerts_channel)", status.name, alarm)
                continue
            reason = f"{alarm}:{status.error_kind}" if alarm == "failing" else alarm
            key = incident_key(status, channel)
            result = publisher.message(key, render_alert(status, settings, reason))
            if result.outcome in STANDS:
                with sessions.begin() as session:
                    store.open_alert(session, workspace_id=workspace_id, source=status.name, period=key.period,
                                     reason=reason, channel=result.channel or channel, ts=result.ts, now=now)
            results.append(result)
        elif alarm is None and status.alert_period is not None:
            key = ledger.Key(RITUAL, status.alert_channel or channel or "", status.alert_period)
            result = publisher.message(key, render_recovered(status, settings, status.alert_reason or ""))
            if result.outcome in STANDS:
                with sessions.begin() as session:
                    store.close_alert(session, workspace_id=workspace_id, source=status.name,
                                      period=status.alert_period, now=now)
            results.append(result)
    return results + retire(publisher, sessions, settings=settings, now=now,
                            enabled={status.name for status in statuses})


def retire(publisher: Publisher, sessions: sessionmaker, *, settings: Settings, now: datetime,
           enabled: set[str]) -> list[Result]:
    """Edit the open alert of each source that is no longer synced (removed, or disabled) and close it."""
    workspace_id = settings.workspace_id
    with sessions() as session:
        orphans = [row for row in store.open_alerts(session, workspace_id=workspace_id) if row.source not in enabled]
    results = []
    for row in orphans:
        retired = "disabled" if row.source in settings.file.sources else "removed"
        key = ledger.Key(RITUAL, row.alert_channel or channel_for(settings) or "", row.alert_period)
        message = render("ritual_source_health_retired", name=row.source, vendor=VENDORS.get(row.type, row.type),
                         retired=retired, last_success_at=row.last_success_at)
        result = publisher.message(key, message)
        if result.outcome in STANDS:
            with sessions.begin() as session:
                store.close_alert(session, workspace_id=workspace_id, source=row.source, period=row.alert_period,
                                  now=now)
            log.info("source %s was %s: its open health alert is closed", row.source, retired)
        results.append(result)
    return results
