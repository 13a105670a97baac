"""`--workspace TEAM_ID` on the commands that read or write one workspace's rows (issue 16.3).

One option, one check: a command that takes it calls `add_workspace_option`, and `bot.cli.main`
swaps the runtime's settings for `workspace_settings(...)` before the command runs, so every query
the command makes (all scoped by `settings.workspace_id`) serves that workspace, with that workspace's
stored settings (bot/workspaces/settings.py). Without the flag nothing changes: the config file's
`workspace_id` and `timezone`. Light at import time (the CLI's start-up stays fast): the database
is reached only when the flag is given.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

HELP = "this workspace's rows (a `signalroom workspace add` team id, or the config file's workspace_id)"


def add_workspace_option(parser, help: str = HELP) -> None:
    parser.add_argument("--workspace", metavar="TEAM_ID", help=help)
    parser.set_defaults(_scoped=True)  # bot.cli.main scopes the runtime when the flag is given


def workspace_settings(settings: Settings, sessions, team_id: str) -> Settings:
    """`settings` serving `team_id`: `bot.workspaces.settings.settings_for` (its workspace_id, its timezone
    from the workspaces table, its stored setting overrides and, for a workspace other than the config
    file's, its stored sources in place of the configured ones). The config file's own workspace needs no
    row. Anything else: `UsageError` naming the known workspaces."""
    from bot.workspaces.settings import settings_for

    return settings_for(sessions, settings, team_id)
