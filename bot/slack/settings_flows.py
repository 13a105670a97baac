"""What the App Home settings do (issue 16.3), one function per admin act, each one service call in
substance: connect, test or remove a helpdesk (`bot.workspaces.service`, whose connection test runs
before anything is saved), change settings (`bot.workspaces.settings.change_settings`, which records who
changed what), and DM a ritual's preview to the admin who asked (the ritual's own gather and render).

Who may: the configured admins (`[slack] admins`, `admin_usergroup`: `Request.is_admin`), the
workspace's own `slack.admins` from its stored settings, and, while a workspace names no admins at all
(a fresh OAuth install), Slack's own workspace admins and owners (`users.info`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.config import Settings
from bot.errors import UsageError
from bot.slack.notifier import DeliveryError
from bot.slack.request import Request
from bot.slack.settings_parse import HelpdeskForm

log = logging.getLogger(__name__)
# A view submission must be answered within 3 s and the connection test runs inside it: each of its (at
# most two) tries gets 1 s, and the back-off between them is cut short.
CONNECTION_TIMEOUT = httpx.Timeout(1.0, connect=0.5)
MAX_BACKOFF = 0.3


@dataclass(frozen=True)
class RuleRow:
    """A rule as the rules form shows it: a rule switched off is gone from the effective settings, but
    still listed here so it can be switched on again."""

    name: str
    metric: str
    zone: str
    days: int
    enabled: bool


def rule_rows(r: Request, settings: Settings, sessions=None) -> list[RuleRow]:
    """The workspace's rules, on and off, in the file's order (the ones switched off after). `sessions`: what
    the reads go through (App Home: the request's session, `RequestDb.reads`); else sessions of their own."""
    from bot.config import RuleConfig
    from bot.workspaces.overrides import disabled_entries
    from bot.workspaces.settings import stored_overrides

    rows = [RuleRow(rule.name, rule.metric, rule.zone, rule.days, True) for rule in settings.file.rules]
    document = stored_overrides(sessions or r.services.session_factory, r.workspace_id)
    for head, _, entry in disabled_entries(r.services.settings.file, document):
        if head == "rules":
            rule = RuleConfig.model_validate(entry)
            rows.append(RuleRow(rule.name, rule.metric, rule.zone, rule.days, False))
    return rows


def may_configure(r: Request, settings: Settings) -> bool:
    if r.is_admin or r.user in settings.file.slack.admins:
        return True
    if settings.file.slack.admins or settings.file.slack.admin_usergroup:
        return False
    try:
        user = r.services.notifier(r.client).user_info(r.user)
    except DeliveryError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def _ensure_workspace(r: Request) -> None:
    """A workspace that installed the app has no row yet: its first setting creates it."""
    from bot.storage import workspaces as store
    from bot.workspaces import service

    sessions = r.services.session_factory
    with sessions() as session:
        if store.get_workspace(session, team_id=r.workspace_id) is not None:
            return
    try:
        service.add_workspace(sessions, team_id=r.workspace_id, name=None,
                              timezone=r.services.settings.file.timezone, who=r.user)
    except UsageError:  # added meanwhile by another request
        log.info("workspace %s was added meanwhile", r.workspace_id)


def _short_backoff(r: Request) -> Callable[[float], None]:
    return lambda seconds: r.services.sleep(min(seconds, MAX_BACKOFF))


def connect_helpdesk(r: Request, form: HelpdeskForm) -> Any:
    """Test the connection, then store the source with its secret encrypted (`ConnectionTestError`,
    `UsageError`: nothing saved)."""
    from bot.credentials import keyring
    from bot.workspaces import service

    _ensure_workspace(r)
    with httpx.Client(timeout=CONNECTION_TIMEOUT, follow_redirects=False) as client:
        source = service.add_source(r.services.session_factory, workspace_id=r.workspace_id, name=form.name,
                                    type=form.vendor, url=form.url, email=form.email, secret=form.secret,
                                    keyring=lambda: keyring(r.services.settings), client=client, who=r.user,
                                    sleep=_short_backoff(r))
    r.settings_changed()  # its sources
    return source


def remove_helpdesk(r: Request, name: str) -> Any:
    from bot.workspaces import service

    removed = service.remove_source(r.services.session_factory, workspace_id=r.workspace_id, name=name)
    r.settings_changed()  # its sources
    return removed


def check_helpdesk(r: Request, name: str) -> str | None:
    """The stored source's connection test: None when it passes, else what failed."""
    from bot.credentials import keyring
    from bot.workspaces import service
    from bot.workspaces.connections import ConnectionTestError, check_connection

    found = [c for c in service.source_connections(r.services.session_factory, workspace_id=r.workspace_id,
                                                   keyring=lambda: keyring(r.services.settings)) if c.name == name]
    if not found:
        raise UsageError(f"no helpdesk named {name!r} is connected")
    with httpx.Client(timeout=CONNECTION_TIMEOUT, follow_redirects=False) as client:
        try:
            check_connection(found[0], client=client, sleep=_short_backoff(r))
        except ConnectionTestError as error:
            return str(error)
    return None


def change(r: Request, changes: dict[str, Any]) -> Settings:
    """Write the changed keys (nothing when there are none); who changed them is recorded with them."""
    from bot.workspaces.settings import change_settings

    if not changes:
        return r.settings
    _ensure_workspace(r)
    settings = change_settings(r.services.session_factory, r.services.settings, r.workspace_id, changes, r.user)
    r.settings_changed(settings)
    return settings


def first_review_posted(r: Request, sessions=None) -> bool:
    from bot.rituals import ledger

    return ledger.latest_posted(sessions or r.services.session_factory, workspace_id=r.workspace_id,
                                ritual="weekly_review") is not None


def stored_sources(r: Request, sessions=None) -> list[Any]:
    """The workspace's connected helpdesks (none before its first setting)."""
    from bot.workspaces import service

    try:
        return service.list_sources(sessions or r.services.session_factory, workspace_id=r.workspace_id)
    except UsageError:  # no workspace row yet
        return []


def previewable(ritual: Any) -> bool:
    """A ritual posted to a channel once a period can be previewed (not owner DMs, which are per person)."""
    return ritual.gather is not None and ritual.render is not None and ritual.periodic


def preview_ritual(r: Request, key: str) -> int:
    """DM the ritual as it would be posted now (its own gather and render, the workspace's settings) to the
    admin who asked; how many messages went (0: nothing to post, the reason was sent instead)."""
    from bot.blocks import render
    from bot.rituals.registry import RITUALS, RitualContext
    from bot.rituals.schedule import next_occurrence

    ritual = RITUALS.get(key)
    if ritual is None or not previewable(ritual):
        raise UsageError(f"{key!r} has no preview")
    settings = r.settings
    table = getattr(settings.file.rituals, ritual.config_table)
    rituals = settings.file.rituals.model_copy(update={ritual.config_table: table.model_copy(update={"enabled": True})})
    schedule = ritual.schedule(rituals, settings.file.timezone)
    now = r.services.now()
    period, _ = next_occurrence(schedule, now)
    with r.db.transaction() as session:
        ctx = RitualContext(session=session, settings=settings, now=now, today=now.astimezone(schedule.zone).date(),
                            period=period, with_charts=False)
        rendered = ritual.render(ritual.gather(ctx))
    notifier = r.services.notifier(r.client)
    channel = notifier.open_dm(r.user)
    notifier.post(channel, render("settings_notice", kind="preview", ritual=ritual.label,
                                  reason=None if rendered else ritual.why_empty(settings)))
    parent = None
    for part in rendered:
        posted = notifier.post(channel, part.message, thread_ts=None if part.parent else parent)
        parent = posted.ts if part.parent else parent
    return len(rendered)
