"""Source health: record every sync's outcome per source, and read each source's state back.

Every place a sync runs (`signalroom sync`, the worker's sync jobs) calls
`record_result` (or `record_problem` when the source could not even start), so
the `source_health` row keeps the streak of failed syncs, the last success and
the last error. `source_statuses` turns those rows into what `signalroom status`,
App Home and the health alerts (bot/rituals/source_health.py) show.

A failure gets a kind, which the alert turns into what to check:

| kind           | from                                                        |
|----------------|-------------------------------------------------------------|
| `auth`         | HTTP 401/403 (the token was rejected or lacks a permission) |
| `config`       | missing credentials, a CSV path that does not exist         |
| `rate_limited` | HTTP 429 still answered after every retry                   |
| `server`       | HTTP 5xx after every retry (the vendor's outage)            |
| `timeout`      | requests timed out after every retry                        |
| `network`      | connection refused, DNS, TLS                                |
| `refused`      | another HTTP 4xx (a wrong URL, an API the plan lacks)       |
| `loop`         | the API handed back a cursor already used                   |
| `unparseable`  | pages that never parsed                                     |
| `quarantined`  | a sync that fetched records and stored none of them         |
| `csv`          | a CSV file refused as a whole (encoding, delimiter, columns)|
| `unexpected`   | anything else (a bug, the database)                         |

States: `ok` (last sync succeeded, within the lag limit), `failing` (the last
sync failed), `lagging` (the last success is older than the lag limit),
`never` (no sync recorded yet). Only `ok` is ok. The alert waits for
`[health].failures` failed syncs in a row, or for the lag limit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.storage import health as store

_HTTP = re.compile(r"\bHTTP (\d{3})\b")
_NETWORK = ("ConnectError", "NetworkError", "RemoteProtocolError", "ReadError", "WriteError", "ProxyError",
            "request failed (ConnectError")
# Anything that looks like a credential, in case an error line ever carries one.
_SECRETS = (
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 …"),
    (re.compile(r"(?i)([?&](?:api_?key|token|access_token|password|secret)=)[^&\s]+"), r"\1…"),
    (re.compile(r"(https?://)[^/\s:@]+:[^/\s@]+@"), r"\1…@"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"), "xox…"),
)
MAX_ERROR = 500


def redact(text: str) -> str:
    """One line, credentials masked, at most MAX_ERROR characters."""
    line = " ".join(text.split())
    for pattern, replacement in _SECRETS:
        line = pattern.sub(replacement, line)
    return line if len(line) <= MAX_ERROR else line[:MAX_ERROR - 1] + "…"


def classify(result: Any, *, type: str = "") -> str | None:
    """The failure kind of one source's sync result (`bot.sync.service.SourceResult`), None for a success."""
    if result.error is None:
        stored = result.inserted + result.updated + result.unchanged + result.deleted
        if result.fetched and result.quarantined >= result.fetched and stored == 0:
            return "quarantined"
        return None
    text = result.error
    if getattr(result, "auth_failed", False):
        return "auth"
    if "loop detected" in text or "without after_cursor" in text:
        return "loop"
    match = _HTTP.search(text)
    if match:
        status = int(match.group(1))
        if status in (401, 403):
            return "auth"
        if status == 429:
            return "rate_limited"
        if status == 408:
            return "timeout"
        return "server" if status >= 500 else "refused"
    if "Timeout" in text:
        return "timeout"
    if any(name in text for name in _NETWORK):
        return "network"
    if "unparseable" in text:
        return "unparseable"
    if type == "csv":
        return "config" if "not found" in text else "csv"
    return "unexpected"


def detail(error: str | None) -> str:
    """The short cause inside an error line: `HTTP 503`, `ReadTimeout`, … (empty when none)."""
    if not error:
        return ""
    match = _HTTP.search(error)
    if match:
        return match.group(0)
    found = re.search(r"\((\w+(?:Error|Timeout|Exception)?) after \d+ attempts\)", error)
    return found.group(1) if found else ""


def record_result(sessions: sessionmaker, *, workspace_id: str, source: str, type: str, result: Any,
                  now: datetime) -> str | None:
    """Record one sync's outcome; returns its failure kind (None: a success)."""
    kind = classify(result, type=type)
    with sessions.begin() as session:
        if kind is None:
            store.note_success(session, workspace_id=workspace_id, source=source, type=type, now=now,
                               fetched=result.fetched, quarantined=result.quarantined)
        else:
            error = result.error or (f"{source}: all {result.fetched} records fetched were quarantined "
                                     "(none stored)")
            store.note_failure(session, workspace_id=workspace_id, source=source, type=type, now=now, kind=kind,
                               error=redact(error), fetched=result.fetched, quarantined=result.quarantined)
    return kind


def record_problem(sessions: sessionmaker, *, workspace_id: str, source: str, type: str, error: str,
                   now: datetime, kind: str = "config") -> None:
    """A source that could not start (missing credentials, no CSV file): a failed sync too."""
    with sessions.begin() as session:
        store.note_failure(session, workspace_id=workspace_id, source=source, type=type, now=now, kind=kind,
                           error=redact(error), fetched=0, quarantined=0)


def record_planned(sessions: sessionmaker, *, workspace_id: str, planned: Any, result: Any, now: datetime) -> None:
    """Record the sync of one planned source (`bot.sync.sources.PlannedSource`): its problem, or its result."""
    if planned.problem:
        record_problem(sessions, workspace_id=workspace_id, source=planned.name, type=planned.kind,
                       error=planned.problem, now=now)
    else:
        record_result(sessions, workspace_id=workspace_id, source=planned.name, type=planned.kind, result=result,
                      now=now)


@dataclass(frozen=True)
class SourceStatus:
    name: str
    type: str
    state: str  # ok, failing, lagging, never
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    lag: timedelta | None  # since the last successful sync
    max_lag: timedelta
    last_error: str | None
    error_kind: str | None
    failures: int  # consecutive failed syncs
    failing_since: datetime | None
    tickets: int
    quarantined: int  # records kept in quarantine for this source
    alert_period: str | None = None
    alert_reason: str | None = None
    alert_channel: str | None = None
    alert_ts: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def alarm(self, failures: int) -> str | None:
        """Why this source needs an alert now: `failing` (N failed syncs in a row), `lagging`, or None."""
        if self.failures >= failures:
            return "failing"
        if self.lag is not None and self.lag > self.max_lag:
            return "lagging"
        return None

    def json(self) -> dict[str, Any]:
        """The `signalroom status --json` entry (the CLI contract: exactly these keys)."""
        return {
            "name": self.name, "type": self.type, "ok": self.ok,
            "last_success_at": iso(self.last_success_at),
            "lag_seconds": None if self.lag is None else int(self.lag.total_seconds()),
            "last_error": self.last_error, "tickets": self.tickets,
        }


def iso(at: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, whole seconds."""
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_statuses(session: Session, *, settings: Settings, now: datetime) -> list[SourceStatus]:
    """Every enabled configured source, in config order, with its health as of `now`."""
    workspace_id = settings.workspace_id
    rows = store.health_rows(session, workspace_id=workspace_id)
    tickets = store.ticket_counts(session, workspace_id=workspace_id)
    quarantined = store.quarantine_counts(session, workspace_id=workspace_id)
    health = settings.file.health
    out = []
    for name, config in settings.file.sources.items():
        if not config.enabled:
            continue
        row = rows.get(name)
        max_lag = health.max_lag(config)
        last_success = row.last_success_at if row else None
        lag = max(now - last_success, timedelta(0)) if last_success else None
        failures = row.consecutive_failures if row else 0
        if row is None or (last_success is None and failures == 0):
            state = "never"
        elif failures:
            state = "failing"
        elif lag is not None and lag > max_lag:
            state = "lagging"
        else:
            state = "ok"
        out.append(SourceStatus(
            name=name, type=config.type or name, state=state, last_success_at=last_success,
            last_attempt_at=row.last_attempt_at if row else None, lag=lag, max_lag=max_lag,
            last_error=row.last_error if row else None, error_kind=row.last_error_kind if row else None,
            failures=failures, failing_since=row.failing_since if row else None, tickets=tickets.get(name, 0),
            quarantined=quarantined.get(name, 0),
            alert_period=row.alert_period if row else None, alert_reason=row.alert_reason if row else None,
            alert_channel=row.alert_channel if row else None, alert_ts=row.alert_ts if row else None))
    return out
