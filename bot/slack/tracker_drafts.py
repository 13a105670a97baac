"""What the "Create issue" modal is prefilled with, for a theme, a trigger or a logged action.

A theme: its name as the title; the description says the week's count and change against the 4-week average,
CSAT, median resolution, up to five example tickets as helpdesk links, and a link back to the Slack thread.
A trigger: the metric and segment, the reading it fired on. An action: what it tries, its owner and due day.
The words are in templates/tracker_issue_draft.json.j2 (plain text: the trackers render it themselves).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks import environment
from bot.config import Settings
from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE
from bot.rituals import links
from bot.rituals.units import change, duration
from bot.storage.models import Action, TriggerRow
from bot.storage.themes import external_ids
from bot.themes.service import theme_weeks
from bot.trackers.links import Subject

MAX_EXAMPLES = 5
MAX_DESCRIPTION = 3000


@dataclass(frozen=True, slots=True)
class Prefill:
    subject: Subject
    title: str
    description: str


def _render(kind: str, **context: Any) -> tuple[str, str]:
    data = json.loads(environment().get_template("tracker_issue_draft.json.j2").render(kind=kind, **context))
    # the modal's inputs take at most 255 and 3,000 characters (an initial value over that is refused)
    return data["title"].strip()[:255], data["description"].strip()[:MAX_DESCRIPTION]


def theme_prefill(session: Session, settings: Settings, *, workspace_id: str, theme_id: str, week: date,
                  thread_url: str | None) -> Prefill:
    counts = theme_weeks(session, workspace_id=workspace_id, week_start=week) or []
    theme = next((w for w in counts if w.theme_id == theme_id), None)
    if theme is None:
        raise UsageError("this theme is no longer in the latest themes run; open the newest digest and try again")
    ids = list(theme.example_ids[:MAX_EXAMPLES])
    if len(ids) < MAX_EXAMPLES:
        ids += sorted(theme.ticket_ids - set(ids), reverse=True)[:MAX_EXAMPLES - len(ids)]
    refs = external_ids(session, workspace_id=workspace_id, row_ids=ids)
    examples = [(ext, links.ticket_url(settings, source, ext)) for i in ids if (found := refs.get(i))
                for source, ext in (found,)]
    title, description = _render(
        "theme", name=theme.name, area=theme.product_area or "", week=week, count=theme.count,
        change=change(theme.count, theme.baseline) if theme.baseline else "",
        csat=None if theme.csat is None else f"{theme.csat * 100:.0f} %",
        resolution=None if theme.median_resolution_seconds is None else duration(theme.median_resolution_seconds),
        examples=examples, thread_url=thread_url)
    return Prefill(Subject("theme", theme_id, theme.name), title, description)


def _row(session: Session, model, number: int, *, workspace_id: str, what: str):
    """This workspace's trigger or action `number`, or UsageError."""
    row = session.get(model, number)
    if row is None or row.workspace_id != workspace_id:
        raise UsageError(f"no {what} #{number}")
    return row


def _label(metric: str) -> str:
    definition = CATALOGUE.get(metric)
    return definition.label if definition else metric


def trigger_prefill(session: Session, settings: Settings, *, workspace_id: str, trigger_id: int,
                    thread_url: str | None) -> Prefill:
    trigger = _row(session, TriggerRow, trigger_id, workspace_id=workspace_id, what="alert")
    title, description = _render(
        "trigger", metric=_label(trigger.metric),
        segment=f"{trigger.dimension} {trigger.segment}".strip() if trigger.segment else "",
        zone=trigger.zone.replace("_", " "), fired_on=trigger.fired_on, rule=trigger.rule,
        explanation=(trigger.evidence or {}).get("explanation") or "", thread_url=thread_url)
    return Prefill(Subject("trigger", str(trigger.id), title), title, description)


def action_prefill(session: Session, settings: Settings, *, workspace_id: str, action_id: int,
                   thread_url: str | None) -> Prefill:
    action = _row(session, Action, action_id, workspace_id=workspace_id, what="action")
    first, _, rest = action.description.partition("\n")
    title, description = _render(
        "action", number=action.id, what=first, steps=rest.strip(), metric=_label(action.metric), owner=action.owner,
        due_on=action.due_on, thread_url=thread_url)
    return Prefill(Subject("action", str(action.id), first[:300]), title, description)
