"""Which trackers a workspace can use, and their clients built from its settings' credentials.

`settings.env` holds the credentials that serve `settings.workspace_id`: a workspace's settings
(bot.workspaces.settings.settings_for) carry its stored ones (`signalroom integration add`), else the
environment's for the config file's own workspace only (bot/workspaces/integrations.py).
"""
from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from bot.config import Settings
from bot.errors import UsageError
from integrations.trackers.jira import AUTH_HINT as JIRA_HINT, JiraClient
from integrations.trackers.linear import AUTH_HINT as LINEAR_HINT, LinearClient

TrackerClient = JiraClient | LinearClient
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def configured(settings: Settings) -> tuple[str, ...]:
    """The trackers with credentials in the environment, the `[trackers] default` first."""
    env = settings.env
    found = []
    if env.jira_url and env.jira_email and env.jira_api_token:
        found.append("jira")
    if env.linear_api_key:
        found.append("linear")
    default = settings.file.trackers.default
    return tuple(sorted(found, key=lambda t: t != default))


def missing(settings: Settings, tracker: str) -> str | None:
    """What is missing to use `tracker`, in words naming the variables; None when it is ready."""
    env = settings.env
    if tracker == "jira":
        unset = [name for name, value in (("JIRA_URL", env.jira_url), ("JIRA_EMAIL", env.jira_email),
                                          ("JIRA_API_TOKEN", env.jira_api_token)) if not value]
        return f"set {', '.join(unset)}" if unset else None
    if tracker == "linear":
        return None if env.linear_api_key else "set LINEAR_API_KEY"
    return f"unknown tracker {tracker!r}"


def default_project(settings: Settings, tracker: str) -> str:
    config = settings.file.trackers
    return (config.jira.project if tracker == "jira" else config.linear.team_id) or ""


def default_labels(settings: Settings, tracker: str) -> tuple[str, ...]:
    config = settings.file.trackers
    return config.jira.labels if tracker == "jira" else config.linear.label_ids


def make_client(settings: Settings, tracker: str, *, http: httpx.Client | None = None,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> TrackerClient:
    """A client for `tracker`, or UsageError naming what to set."""
    problem = missing(settings, tracker)
    if problem:
        raise UsageError(f"{tracker} is not set up for workspace {settings.workspace_id}: {problem}, or store them "
                         f"with `signalroom integration add {tracker} --workspace {settings.workspace_id}`")
    env = settings.env
    http = http or httpx.Client(timeout=TIMEOUT)
    if tracker == "jira":
        return JiraClient(http, base_url=env.jira_url, email=env.jira_email,
                          api_token=env.jira_api_token.get_secret_value(), sleep=sleep, clock=clock,
                          auth_hint=env.auth_hint("jira", JIRA_HINT, settings.workspace_id))
    return LinearClient(http, api_key=env.linear_api_key.get_secret_value(), base_url=env.linear_url, sleep=sleep,
                        clock=clock, auth_hint=env.auth_hint("linear", LINEAR_HINT, settings.workspace_id))


def warnings(settings: Settings) -> list[str]:
    """`config check` warnings: a default tracker without credentials, a tracker without its project or team,
    a Jira site that is not https. No network."""
    out = []
    config, ready = settings.file.trackers, configured(settings)
    if config.default and config.default not in ready:
        out.append(f"trackers.default: {config.default} has no credentials: {missing(settings, config.default)} "
                   f"(README: Jira and Linear)")
    if "jira" in ready and not config.jira.project:
        out.append("trackers.jira.project: not set, so every Create issue form needs a project key typed in")
    if "linear" in ready and not config.linear.team_id:
        out.append("trackers.linear.team_id: not set, so every Create issue form needs a team id typed in")
    if settings.env.jira_url and not settings.env.jira_url.startswith("https://"):
        out.append("JIRA_URL: not https; Jira Cloud sites are https://<site>.atlassian.net")
    return out
