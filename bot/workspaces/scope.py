"""`--workspace TEAM_ID` on the commands that read or write one workspace's rows (issue 16.3).

One option, one check: a command that takes it calls `add_workspace_option`, and `bot.cli.main`
swaps the runtime's settings for `scoped_settings(...)` before the command runs, so every query
the command makes (all scoped by `settings.workspace_id`) serves that workspace, with that workspace's
stored settings (bot/workspaces/settings.py). Without the flag: the config file's own `workspace_id`,
with the changes stored for it (from App Home or `signalroom settings set`); a database not upgraded
yet, or no stored row, leaves the file's settings as they are (a TOML-only install behaves as before).
Light at import time (the CLI's start-up stays fast): the database is reached only when a workspace-scoped
command runs.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings

HELP = "this workspace's rows (a `signalroom workspace add` team id, or the config file's workspace_id)"


def add_workspace_option(parser, help: str = HELP) -> None:
    parser.add_argument("--workspace", metavar="TEAM_ID", help=help)
    parser.set_defaults(_scoped=True)  # bot.cli.main scopes the runtime: the flag's workspace or the file's


def scoped_settings(settings: Settings, sessions: Callable[[], Any], team_id: str | None) -> Settings:
    """What a workspace-scoped command runs with: `bot.workspaces.settings.settings_for` of `team_id`
    (`--workspace`) or, without it, of the config file's own workspace (its workspace_id, its timezone from
    the workspaces table, its stored setting overrides and, for a workspace other than the config file's,
    its stored sources in place of the configured ones; an unknown one: `UsageError` naming the known
    workspaces). `sessions()` gives the session factory (the runtime's, which migrates a local SQLite file
    or refuses a database whose schema is not up to date). Without the flag, a database that cannot
    answer yet (not upgraded, no workspace tables) leaves `settings` as they are: the command then fails,
    or not, exactly as it did before."""
    from bot.workspaces.settings import settings_for

    if team_id:
        return settings_for(sessions(), settings, team_id)
    from sqlalchemy.exc import SQLAlchemyError

    from bot.errors import UsageError

    try:
        return settings_for(sessions(), settings, settings.workspace_id)
    except (UsageError, SQLAlchemyError):  # the command meets the same again, and says so as before
        return settings
