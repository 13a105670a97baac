"""The demo's tracker step (offline): the Jira request "Create issue" would send for the digest's top theme.

The create modal's prefill for the busiest theme of the last whole week goes through the real Jira client into a
transport that records the request and answers as Jira does (201 with a key), so the file shows exactly what would
go over the wire: method, URL, headers (the credentials masked) and the JSON body with its ADF description.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx

from bot.slack.tracker_drafts import theme_prefill
from bot.themes.service import theme_weeks
from bot.themes.weekly import last_complete_week
from integrations.trackers.base import DONE, IssueDraft
from integrations.trackers.jira import JiraClient

SITE = "https://your-site.atlassian.net"
FILE = "tracker-create-issue.json"
THREAD = "https://your-team.slack.com/archives/C0123456789/p1700000000000100"


def recorded_create(draft: IssueDraft) -> dict:
    """The request JiraClient sends for `draft`, credentials masked."""
    seen: list[httpx.Request] = []

    def jira(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "10001", "key": f"{draft.project}-1",
                                         "self": f"{SITE}/rest/api/3/issue/10001"})

    client = JiraClient(httpx.Client(transport=httpx.MockTransport(jira)), base_url=SITE,
                        email="support-bot@example.com", api_token="demo")
    try:
        issue = client.create_issue(draft)
    finally:
        client.close()
    request = seen[0]
    return {"method": request.method, "url": str(request.url),
            "headers": {"Authorization": "Basic base64(JIRA_EMAIL:JIRA_API_TOKEN)",
                        "Content-Type": request.headers["content-type"], "Accept": request.headers["accept"]},
            "json": json.loads(request.content), "answer": {"key": issue.key, "browse": issue.url}}


def write_issue_request(demo) -> Path | None:
    """`tracker-create-issue.json` in the demo's output for its busiest theme; None when there is no theme."""
    settings = demo.settings
    week = last_complete_week(demo.as_of)
    with demo.session_factory() as session:
        counts = theme_weeks(session, workspace_id=settings.workspace_id, week_start=week) or []
        first = settings.file.routing[0].product_area if settings.file.routing else None
        # the first digest's top theme (its product area's busiest), else the busiest of all
        busiest = max(counts, key=lambda w: (w.product_area == first, w.count, w.name), default=None)
        if busiest is None:
            return None
        prefill = theme_prefill(session, settings, workspace_id=settings.workspace_id, theme_id=busiest.theme_id,
                                week=week, thread_url=THREAD)
    config = settings.file.trackers.jira
    request = recorded_create(IssueDraft(prefill.title, prefill.description, config.project or "PAY",
                                         config.issue_type, config.labels))
    path = Path(demo.out) / FILE
    path.write_text(json.dumps(request, indent=2, ensure_ascii=False) + "\n")
    demo.notes.append(f"Create issue on the top theme ({prefill.title}): the Jira request it would send is in {FILE}")
    plant_fixed_theme(demo)
    return path


def biggest_drop(daily: dict, *, first, last, window: int = 14) -> tuple[float, object] | None:
    """(tickets a day fewer, the day) where the `window` days after a day had the most fewer tickets than before."""
    best = None
    day = first + timedelta(days=window)
    while day + timedelta(days=window) <= last:
        before = sum(daily.get(day - timedelta(days=i), 0) for i in range(1, window + 1)) / window
        after = sum(daily.get(day + timedelta(days=i), 0) for i in range(1, window + 1)) / window
        if before >= 3 and (best is None or before - after > best[0]):
            best = (before - after, day)
        day += timedelta(days=1)
    return best


def plant_fixed_theme(demo) -> str | None:
    """The demo's fix story: the theme whose tickets fell the most gets an issue resolved on the day they fell
    (as if a fix had shipped then), and the shared engine judges it as a digest would. The line, in the digest's
    words (templates/tracker_digest_status.json.j2); None when no theme had tickets enough."""
    from bot.blocks import environment
    from bot.storage.themes import stored_themes
    from bot.storage.tracker_models import TrackerLink
    from bot.trackers.digest import issue_view
    from bot.trackers.verdict import daily_counts

    settings, tz = demo.settings, demo.settings.timezone
    as_of = demo.as_of - timedelta(days=1)
    with demo.session_factory.begin() as session:
        found = []
        for theme in stored_themes(session, workspace_id=settings.workspace_id, shown_only=True):
            daily = daily_counts(session, workspace_id=settings.workspace_id, ticket_ids=theme.ticket_ids or (), tz=tz)
            if daily and (drop := biggest_drop(daily, first=min(daily), last=as_of)) is not None:
                found.append((drop, theme))
        if not found:
            return None
        (_, fixed_on), theme = max(found, key=lambda f: (f[0][0], f[1].theme_id))
        link = TrackerLink(workspace_id=settings.workspace_id, subject_kind="theme", subject_key=theme.theme_id,
                           subject_title=theme.name, tracker="jira", issue_id="10142", issue_key="PAY-142",
                           url=f"{SITE}/browse/PAY-142", title=theme.name[:300], status="Done", status_category=DONE,
                           is_open=False, created_by="U0DEMO",
                           resolved_at=datetime.combine(fixed_on, time(16, 0), tz).astimezone(UTC),
                           created_at=datetime.combine(fixed_on - timedelta(days=10), time(9), tz).astimezone(UTC))
        session.add(link)
        session.flush()
        view = issue_view(session, settings, link, member_ids=theme.ticket_ids or (), today=demo.as_of)
    plain = dataclasses.replace(view, url=None)  # the terminal shows the key, not Slack's link syntax
    words = environment().get_template("tracker_digest_status.json.j2").render(t={"tracker": {"issue": plain}})
    line = f"{theme.name}{json.loads(chr(34) + words + chr(34))}"
    demo.notes.append(f"fixed theme (planted issue PAY-142): {line}")
    return line
