"""Plain data for templates (actions, log entries) and rendering of views (modals, App Home)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import object_session

from bot.actions.statuses import CARRIED, CLOSED, DONE, OPEN, SNOOZED
from bot.actions.workdays import MON_FRI, WorkingDays, is_overdue
from bot.blocks import Message, Safe, environment, fit, render, validate
from bot.metrics import zone_names
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.readings import trigger_reading
from bot.metrics.zones import format_value
from bot.slack import action_ids
from bot.slack.parse import DIMENSIONS, USAGE
from bot.storage.models import Action
from bot.storage.reference import segment_names

STATUS_LABELS = {OPEN: "open", DONE: "done", CARRIED: "carried over", CLOSED: "closed", SNOOZED: "snoozed"}
IDS = {name: getattr(action_ids, name) for name in dir(action_ids) if name.isupper()}
HELP = (
    (USAGE["scorecard"], "the scorecard: every metric's zone; watch and act-now with their evidence"),
    (USAGE["metric"], "one metric's trend and segments; `chart` shares its 12-week chart here"),
    (USAGE["actions"], "open actions (yours by default)"),
    (USAGE["add"], "log an action (a form opens when something is missing)"),
    (USAGE["done"], "record the outcome"),
    (USAGE["update"], "change the due date or owner, or add a note"),
    (USAGE["carry"], "carry over to the next review"),
    (USAGE["close"], "close without an outcome"),
    (USAGE["snooze"], "snooze reminders"),
    (USAGE["log"], "the decision log: trigger → action → owner → outcome"),
    (USAGE["annotate"], "mark a known change day (admins)"),
    (USAGE["mute"], "silence a metric's or rule's alerts for a while (a release week)"),
    (USAGE["unmute"], "end a mute early"),
    (USAGE["mutes"], "what is muted, until when, and why"),
)


def metric_label(key: str) -> str:
    definition = CATALOGUE.get(key)
    return definition.label if definition else key


def _value(action_metric: str, value: float | None, currency: str | None = None) -> str | None:
    if value is None:
        return None
    definition = CATALOGUE.get(action_metric)
    return format_value(value, definition.unit if definition else "", currency=currency)


@dataclass(frozen=True)
class RowLookups:
    """What rows of actions read besides the actions: their triggers (by id) and the segment names of both,
    read once for a whole list (`row_lookups`), so a list does not run a query per row."""

    triggers: Mapping[int, Any] = field(default_factory=dict)
    names: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def name(self, row: Any) -> str:
        """The segment of an action or trigger as its source names it today."""
        if not row.segment:
            return row.segment
        return self.names.get((row.dimension, row.segment), row.segment)


def row_lookups(actions: Sequence[Action], triggers: Iterable[Any] = ()) -> RowLookups:
    """The triggers of `actions` (those not in `triggers` already: one query) and the segment names of the
    actions and triggers (one query a dimension), through the session the actions were loaded in; nothing
    for actions read outside a session (their rows show the stored segment and no opening reading)."""
    from bot.rituals import store

    session = next((object_session(a) for a in actions if object_session(a) is not None), None)
    if session is None:
        return RowLookups()
    workspace_id = actions[0].workspace_id
    known = {t.id: t for t in triggers if t is not None}
    missing = {a.trigger_id for a in actions if a.trigger_id and a.trigger_id not in known}
    known.update((t.id, t) for t in store.triggers_by_ids(session, workspace_id=workspace_id, ids=sorted(missing)))
    wanted = {a.trigger_id for a in actions} | {t.id for t in triggers if t is not None}
    found = {i: t for i, t in known.items() if i in wanted}
    pairs = [(x.dimension, x.segment) for x in (*actions, *found.values()) if x.dimension and x.segment]
    return RowLookups(found, segment_names(session, workspace_id=workspace_id, pairs=pairs))


def _trigger_reading(action: Any, lookups: RowLookups, currency: str | None = None) -> Any:
    """The reading the action's trigger fired on (`rituals.words.Said`), as its alert showed it; None for a
    manual action or one read outside a session."""
    trigger = lookups.triggers.get(action.trigger_id) if action.trigger_id else None
    if trigger is None:
        return None
    from bot.rituals import words

    return words.said(trigger_reading(trigger), today=None, name=lookups.name(action) or None, currency=currency)


def action_rows(actions: Sequence[Action], *, today: date | None = None, working: WorkingDays = MON_FRI,
                currency: str | None = None) -> list[dict[str, Any]]:
    """`action_row` of each action, with their triggers and segment names read once for the list."""
    lookups = row_lookups(actions)
    return [action_row(a, today=today, working=working, currency=currency, lookups=lookups) for a in actions]


def action_row(action: Action, *, today: date | None = None, verdict: Any = None,
               working: WorkingDays = MON_FRI, currency: str | None = None,
               lookups: RowLookups | None = None) -> dict[str, Any]:
    """`verdict`: the action's `ActionVerdict` when it is done (`bot.rituals.verdict`); `today` and the team's
    `working` days (`workdays.working_days`) say whether it is overdue, as the weekly review does; `currency`
    ([metrics].currency) goes with money figures; `lookups`: a list's `row_lookups` (else read for this one)."""
    from bot.rituals import windows, words

    lookups = row_lookups([action]) if lookups is None else lookups
    title, _, steps = action.description.partition("\n")
    segment = lookups.name(action)
    opened_on = action.created_at.date() if action.created_at else None
    return {
        "id": action.id,
        "metric": action.metric,
        "metric_label": metric_label(action.metric),
        "segment": f"{action.dimension}={segment}" if action.dimension else "",
        "segment_words": words.segment(action.dimension, segment) if action.dimension else "",
        "description": action.description,
        "title": title,  # a playbook's short title (its steps follow on the next lines)
        "steps": steps,
        # What the action started from, over the same days as the alert that opened it (else on the day it opened).
        "opened_reading": _trigger_reading(action, lookups, currency),
        "opened_on": windows.day(opened_on) if opened_on else "",
        "owner": action.owner,
        "created_by": action.created_by,
        "due": action.due_on,
        "status": action.status,
        "status_label": STATUS_LABELS.get(action.status, action.status),
        "overdue": bool(today and is_overdue(action.due_on, action.status, today, working,
                                             snoozed_until=action.snoozed_until)),
        "outcome": action.outcome,
        "verdict": verdict.words if verdict is not None else None,
        "verdict_label": verdict.label if verdict is not None else None,
        "verdict_text": Safe(verdict.explanation) if verdict is not None else None,
        "value_at_open": _value(action.metric, action.value_at_open, currency),
        "value_at_followup": _value(action.metric, action.value_at_followup, currency),
    }


def log_entries(rows: Sequence[tuple[Action, Any]], *, verdicts: Mapping[int, Any],
                currency: str | None = None) -> list[dict[str, Any]]:
    """The decision log's entries (action, its trigger or None), with names and triggers read once."""
    lookups = row_lookups([a for a, _ in rows], triggers=[t for _, t in rows])
    return [log_entry(a, t, verdict=verdicts.get(a.id), currency=currency, lookups=lookups) for a, t in rows]


def log_entry(action: Action, trigger: Any, *, verdict: Any = None, currency: str | None = None,
              lookups: RowLookups | None = None) -> dict[str, Any]:
    lookups = row_lookups([action], triggers=[trigger]) if lookups is None else lookups
    row = action_row(action, verdict=verdict, currency=currency, lookups=lookups)
    before, after = row["value_at_open"], row["value_at_followup"]
    trigger_text = None
    if trigger is not None:
        from bot.rituals import windows, words

        # "Customer satisfaction — billing (product area) act now on Wed 18 Nov" (plain text; the template escapes)
        where = f" — {words.unescaped(words.segment(trigger.dimension, lookups.name(trigger)))}" if trigger.dimension else ""
        trigger_text = (f"{metric_label(trigger.metric)}{where} {zone_names.words(trigger.zone)} "
                        f"on {windows.day(trigger.fired_on)}")
    return {**row, "opened": action.created_at.date(), "trigger": trigger_text,
            "change": f"{before} → {after}" if before and after else None}


def help_message() -> Message:
    examples = ["frt", "csat", "first response", "backlog", "reopens"]
    return render("slack_help", forms=HELP, examples=examples, dimensions=DIMENSIONS)


def error_message(problem: str) -> Message:
    return render("slack_error", problem=problem)


def confirm(summary: str) -> Message:
    return render("slack_confirm", summary=summary)


def render_view(template: str, /, **context: Any) -> dict[str, Any]:
    """Render a modal or App Home view template; its blocks are checked against Block Kit limits."""
    source = environment().get_template(f"{template}.json.j2").render(ids=IDS, **context)
    view = json.loads(source)
    text = view.pop("text", "view")
    view["blocks"] = fit(Message(text=text, blocks=view["blocks"])).blocks  # long data is cut, never fatal
    validate(Message(text=text, blocks=view["blocks"]))
    return view
