"""Workspaces (tenants) of a multi-workspace install.

  signalroom workspace add TEAM_ID [--name NAME] [--timezone TZ]
  signalroom workspace list [--json]

TEAM_ID is the Slack team id. --timezone is an IANA name (default: the config
file's `timezone`). `list --json` prints {"workspaces": [{"team_id", "name",
"timezone", "paused", "created_at", "sources"}]}.
Exit codes: 0 ok · 1 failure · 2 usage error (unknown timezone, existing workspace).
"""
from __future__ import annotations

import json


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a workspace")
    add.add_argument("team_id", metavar="TEAM_ID", help="the Slack team id, e.g. T0123456789")
    add.add_argument("--name", help="a display name")
    add.add_argument("--timezone", metavar="TZ", help="IANA timezone for its days and schedules (default: the config's)")
    listing = actions.add_parser("list", help="list workspaces")
    listing.add_argument("--json", action="store_true", help="machine-readable output")


def run(args, runtime) -> int:
    from bot.workspaces import service

    sessions = runtime.session_factory()
    if args.action == "add":
        view = service.add_workspace(sessions, team_id=args.team_id, name=args.name,
                                     timezone=args.timezone or runtime.settings.file.timezone)
        label = f" ({view.name})" if view.name else ""
        print(f"Added workspace {view.team_id}{label}, timezone {view.timezone}. "
              f"Next: `signalroom source add NAME --workspace {view.team_id} --type zendesk|freshdesk|intercom|csv`")
        return 0
    views = service.list_workspaces(sessions)
    if args.json:
        print(json.dumps({"workspaces": [v.json() for v in views]}, indent=2))
        return 0
    if not views:
        print("No workspaces yet: add one with `signalroom workspace add TEAM_ID`.")
        return 0
    from bot.commands.layout import Column, Row, echo, render

    rows = [Row((v.team_id, v.name or "", v.timezone, "paused" if v.paused else "active", str(v.sources)))
            for v in views]
    echo(render([Column("workspace"), Column("name", flex=True), Column("timezone"), Column("state"),
                 Column("sources", ">")], rows))
    return 0
