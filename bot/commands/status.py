"""Each configured source's health: last successful sync, lag, last error, stored tickets.

A source is ok when its last sync succeeded and that success is within its lag
limit ([health].max_lag_minutes, or sources.NAME.max_lag_minutes). A source never
synced yet, or whose last sync failed, or that is behind, is not ok.

`--json` prints {"sources": [{"name", "type", "ok", "last_success_at", "lag_seconds",
"last_error", "tickets"}]} (timestamps ISO 8601 UTC, null when never).
Exit codes: 0 every source ok · 1 some source is not ok · 2 usage or configuration error.
"""
from __future__ import annotations

import json

from bot.commands.layout import DIM, GREEN, RED, YELLOW, Column, Row, echo, render, use_color
from bot.workspaces.scope import add_workspace_option

STATE_COLORS = {"ok": GREEN, "failing": RED, "lagging": YELLOW, "never": DIM}


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_option(parser)


def run(args, runtime) -> int:
    from datetime import UTC, datetime

    from bot.crm.status import summary, summary_line
    from bot.sync.health import source_statuses

    with runtime.session_factory()() as session:
        statuses = source_statuses(session, settings=runtime.settings, now=datetime.now(UTC))
        crm = summary(session, runtime.settings)  # HubSpot companies and matches (None: not set up)
    if args.json:
        print(json.dumps({"sources": [s.json() for s in statuses], **({"crm": crm} if crm else {})}, indent=2))
    elif not statuses and getattr(args, "workspace", None):
        echo([f"No sources: add one with `signalroom source add NAME --workspace {args.workspace} --type T`."])
    elif not statuses:
        echo(["No sources configured: add a [sources.<name>] table (type = zendesk|freshdesk|intercom|csv)."])
    else:
        unhealthy = sum(not s.ok for s in statuses)
        title = (f"Sources: all {len(statuses)} ok" if not unhealthy
                 else f"Sources: {unhealthy} of {len(statuses)} not ok")
        echo([title, *status_lines(statuses)])
    if crm and not args.json:
        echo([summary_line(crm)])
    return 0 if all(s.ok for s in statuses) else 1


def status_lines(statuses, *, width: int | None = None, color: bool | None = None) -> list[str]:
    """One row per source; under it, what is wrong (its last error, the failed syncs in a row)."""
    from bot.rituals.units import duration

    rows = []
    for s in statuses:
        success = s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never"
        lag = duration(s.lag.total_seconds()) if s.lag is not None else "-"
        note = ""
        if s.failures:
            note = f"{s.failures} failed sync{'s' if s.failures != 1 else ''} in a row: {s.last_error or '?'}"
        elif s.state == "lagging":
            note = f"behind: the limit is {duration(s.max_lag.total_seconds())}"
        elif s.state == "never":
            note = "not synced yet: run `signalroom sync` (or start the worker)"
        rows.append(Row((s.name, s.type, s.state, success, lag, str(s.tickets)), note))
    columns = [Column("source", flex=True), Column("type"), Column("state", colors=STATE_COLORS),
               Column("last success (UTC)"), Column("lag", ">"), Column("tickets", ">")]
    return render(columns, rows, width=width, color=use_color() if color is None else color, note_at=0)
