"""The action log: every action with its owner, due date, status and outcome."""
from __future__ import annotations

import json

# bot.actions.service.STATUSES, spelled out so --help need not import SQLAlchemy (a test keeps them equal).
STATUSES = ("open", "done", "carried", "closed", "snoozed")


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--status", choices=(*STATUSES, "all"), default="all")
    parser.add_argument("--owner", help="only this owner (Slack user id or email)")


def run(args, runtime) -> int:
    from rich.console import Console
    from rich.table import Table

    from bot.actions.service import action_json, list_actions

    with runtime.session_factory().begin() as session:
        actions = list_actions(
            session,
            workspace_id=runtime.workspace_id,
            statuses=None if args.status == "all" else [args.status],
            owner=args.owner,
        )
        rows = [action_json(a) for a in actions]
    if args.json:
        print(json.dumps({"actions": rows}, indent=2))
        return 0
    table = Table(title=f"Action log ({len(rows)})")
    for column in ("id", "metric", "owner", "due", "status", "description", "outcome"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] or "") for c in ("id", "metric", "owner", "due", "status", "description", "outcome")))
    Console().print(table)
    return 0
