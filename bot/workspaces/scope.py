"""`--workspace TEAM_ID` on the commands that read or write one workspace's rows (issue 16.3).

One option, one check: a command that takes it calls `add_workspace_option`, and `bot.cli.main`
swaps the runtime's settings for `workspace_settings(...)` before the command runs, so every query
the command makes (all scoped by `settings.workspace_id`) serves that workspace. Without the flag
nothing changes: the config file's `workspace_id` and `timezone`. Light at import time (the CLI's
start-up stays fast): the database is reached only when the flag is given.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Settings

HELP = "this workspace's rows (a `signalroom workspace add` team id, or the config file's workspace_id)"


def add_workspace_option(parser, help: str = HELP) -> None:
    parser.add_argument("--workspace", metavar="TEAM_ID", help=help)
    parser.set_defaults(_scoped=True)  # bot.cli.main scopes the runtime when the flag is given


def workspace_settings(settings: Settings, sessions, team_id: str) -> Settings:
    """`settings` serving `team_id`: its workspace_id, its timezone from the workspaces table when it has
    a row there and, for a workspace other than the config file's, its stored sources in place of the
    configured ones (what `status` lists). The config file's own workspace needs no row. Anything else:
    `UsageError` naming the known workspaces."""
    from bot.config import SourceConfig
    from bot.storage import workspaces as store

    with sessions() as session:
        row = store.get_workspace(session, team_id=team_id)
        if row is None and team_id != settings.workspace_id:
            known = [w.team_id for w in store.list_workspaces(session) if w.team_id != settings.workspace_id]
            raise UsageError(f"unknown workspace {team_id}: known workspaces are "
                             f"{', '.join([f'{settings.workspace_id} (config file)', *known])} "
                             f"(add one with `signalroom workspace add {team_id}`)")
        update = {"workspace_id": team_id, **({"timezone": row.timezone} if row is not None else {})}
        if team_id != settings.workspace_id:  # the config file's sources are its own workspace's
            update["sources"] = {s.name: SourceConfig(type=s.type, path=s.url if s.type == "csv" else None)
                                 for s in store.list_sources(session, workspace_id=team_id)}
    file = settings.file.model_copy(update=update)
    return settings.model_copy(update={"file": file})
