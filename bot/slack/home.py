"""App Home: the viewer's open actions with buttons, the team scorecard in brief, the next review,
for a viewer who is also a helpdesk agent (matched by email) their own figures beside the team's,
and for admins each source's health (as `signalroom status`)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions import service as actions
from bot.actions.workdays import working_days
from bot.config import Settings
from bot.metrics.zone_names import ACT_NOW, WATCH
from bot.rituals.registry import next_review
from bot.slack import readings
from bot.slack.request import Request, Services
from bot.slack.notifier import DeliveryError, Notifier
from bot.slack.present import action_rows, render_view
from bot.slack.settings_home import with_settings

log = logging.getLogger(__name__)
HOME_ACTIONS = 15
AGENT_DAYS = 30


def register(app: App) -> None:
    app.event("app_home_opened")(ack=lambda ack: ack(), lazy=[on_home_opened])


def on_home_opened(event: dict, context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    r = Request(context["services"], context["db"], context["workspace_id"], event["user"], None, client)
    try:
        publish_home(r)
    except Exception:  # noqa: BLE001 - an event has nobody to answer; log and move on
        log.exception("App Home not published")
    finally:
        r.db.close()


def _email(notifier: Notifier, user: str) -> str | None:
    try:
        return (notifier.user_info(user).get("profile") or {}).get("email")
    except DeliveryError:  # no email scope or a deleted user: no agent panel
        return None


SOURCE_EMOJI = {"ok": ":large_green_circle:", "failing": ":red_circle:", "lagging": ":large_yellow_circle:",
                "never": ":white_circle:"}
HOME_SOURCES = 10


def source_rows(session, settings: Settings, now: datetime) -> list[dict]:
    """Admins' view of each source's health, as `signalroom status` shows it (bot/sync/health.py)."""
    from bot.rituals.units import duration
    from bot.sync.health import source_statuses

    return [{"name": s.name, "type": s.type, "state": s.state, "emoji": SOURCE_EMOJI[s.state],
             "last_success_at": s.last_success_at, "lag": duration(s.lag.total_seconds()) if s.lag else None,
             "failures": s.failures, "last_error": s.last_error, "tickets": s.tickets}
            for s in source_statuses(session, settings=settings, now=now)[:HOME_SOURCES]]


def publish_home(r: Request) -> None:
    services: Services = r.services
    email = _email(services.notifier(r.client), r.user)  # before any read: a 429 may make it wait
    # The workspace's own (currency, working days, review schedule), read over the render's one session.
    settings = r.read_settings(r.db.session)
    now = services.now()
    today = r.today()
    with r.db.transaction() as session:
        mine = actions.list_actions(session, workspace_id=r.workspace_id, owner=r.user,
                                    statuses=actions.OPEN_STATUSES, limit=HOME_ACTIONS + 1)
        working = working_days(settings)
        rows = action_rows(mine[:HOME_ACTIONS], today=today, working=working)
        card = readings.scorecard(session, workspace_id=r.workspace_id, currency=settings.file.metrics.currency)
        me = team = None
        if email and readings.is_agent(session, workspace_id=r.workspace_id, email=email):
            since = now - timedelta(days=AGENT_DAYS)
            me = readings.agent_figures(session, workspace_id=r.workspace_id, since_at=since, until_at=now, email=email)
            team = readings.agent_figures(session, workspace_id=r.workspace_id, since_at=since, until_at=now)
        sources = source_rows(session, settings, now) if r.is_admin else []
    view = render_view(
        "slack_home", actions=rows, more_actions=max(0, len(mine) - HOME_ACTIONS), card=card,
        urgent=card.in_zone(ACT_NOW, WATCH)[:8], review_at=next_review(settings, now), me=me, team=team,
        me_days=AGENT_DAYS, sources=sources)
    view = with_settings(r, view)  # admins: set-up and the first-run checklist (issue 16.3)
    services.notifier(r.client).publish_home(r.user, view)
