"""Uninstalls: `app_uninstalled` and `tokens_revoked` delete the workspace's tokens (OAuth installs only), and
with the app gone (uninstalled, or its bot token revoked) the workspace's stored integration credentials.

Bolt's built-in listeners do the deleting through the installation store (`delete_all`, `delete_bot`,
`delete_installation`; bot/slack/installations.py makes those clear every copy of a revoked token). Ours
wrap them to leave a line in the log and in the workspace's settings history. Once the bot token is
gone the team is no longer in `installations.workspaces`, so no scheduled job serves it, and
`client_for_workspace` refuses it; Bolt answers the team's requests with the reinstall message. A
reinstall through /slack/install brings it back.

Enterprise Grid: Bolt reads the ids from the event's `authorizations[0]`, the installation the event is
for. A workspace's own install inside an org is (enterprise, team): its uninstall deletes those rows only,
never the org's. The org-wide install is (enterprise, no team, `is_enterprise_install`): its uninstall
deletes the org's rows only (workspaces with their own install keep it), and the org's tenant, whose id is
the enterprise id (bot/slack/installations.py), is served no more: every workspace it served loses its jobs.

A single workspace on SLACK_BOT_TOKEN stores no token: there is nothing to delete, the events are
only logged (the operator removes the token from the environment); a job that posts with the revoked
token stops at its first refusal and marks the workspace (bot/slack/revocations.py).
"""
from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

log = logging.getLogger(__name__)
EVENTS = ("app_uninstalled", "tokens_revoked")  # bot events of slack-manifest.yml (a test keeps them in step)


def register(app: App, *, oauth: bool, session_factory) -> None:
    if not oauth:
        @app.event("app_uninstalled")
        @app.event("tokens_revoked")
        def logged(event: dict) -> None:
            log.warning("Slack sent %s: the bot token in SLACK_BOT_TOKEN no longer works", event.get("type"))
        return

    delete_all = app.default_app_uninstalled_event_listener()
    delete_listed = app.default_tokens_revoked_event_listener()

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        delete_all(context=context)
        _record(session_factory, context, "uninstalled", forget=True)

    @app.event("tokens_revoked")
    def revoked(event: dict, context: BoltContext) -> None:
        delete_listed(event=event, context=context)
        tokens = event.get("tokens") or {}
        _record(session_factory, context, "bot token revoked" if tokens.get("bot") else
                f"{len(tokens.get('oauth') or ())} user token(s) revoked", forget=bool(tokens.get("bot")))


def _record(session_factory, context: BoltContext, what: str, *, forget: bool) -> None:
    """Log it and note it in the settings history; `forget`: the app is gone from the workspace, so its stored
    Jira/Linear/HubSpot credentials are deleted too (bot/workspaces/integrations.py)."""
    from bot.storage import workspaces as store
    from bot.storage.workspace_models import SettingsChange
    from bot.workspaces.integrations import forget_workspace

    team = context.team_id or context.enterprise_id  # an org-wide install: no team, its tenant is the enterprise
    if context.is_enterprise_install:
        what = f"{what} (org-wide install)"
    log.info("Slack %s %s: %s, its tokens deleted", "org" if context.is_enterprise_install else "workspace", team, what)
    with session_factory.begin() as session:
        if team and forget and (gone := forget_workspace(session, workspace_id=team)):
            log.info("Slack workspace %s: %d stored integration credential(s) deleted", team, gone)
        if team and store.get_workspace(session, team_id=team) is not None:
            store.record_change(session, SettingsChange(workspace_id=team, key="slack_installation", old=None,
                                                        new=what, who="slack"))
