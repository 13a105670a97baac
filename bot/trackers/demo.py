"""The demo's tracker step (offline): the Jira request "Create issue" would send for the digest's top theme.

The create modal's prefill for the busiest theme of the last whole week goes through the real Jira client into a
transport that records the request and answers as Jira does (201 with a key), so the file shows exactly what would
go over the wire: method, URL, headers (the credentials masked) and the JSON body with its ADF description.
"""
from __future__ import annotations

import json
from pathlib import Path

import httpx

from bot.themes.service import theme_weeks
from bot.themes.weekly import last_complete_week
from bot.trackers.drafts import theme_prefill
from integrations.trackers.base import IssueDraft
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
    return path
