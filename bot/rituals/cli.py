"""Shared plumbing for `signalroom agenda | digest | remind [--dry-run | --post] [--json]`."""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.actions.statuses import OPEN_STATUSES
from bot.rituals import schedule
from bot.rituals.registry import named, nothing_to_report
from bot.workspaces.scope import add_workspace_option
from bot.weekdays import NAMES as WEEKDAYS

if TYPE_CHECKING:  # the runner pulls in themes (scikit-learn) and charts (matplotlib): not for --help
    from bot.blocks import Message
    from bot.rituals.delivery import Delivery
    from bot.rituals.publish import Result
    from bot.rituals.runner import Rendered, Runner


@dataclass(frozen=True, slots=True)
class Skipped:
    """A ritual that had nothing to post: why, and when it next comes round."""

    ritual: str
    reason: str
    next: str

    def line(self) -> str:
        spec = named(self.ritual)
        return f"nothing to post for the {spec.label if spec else self.ritual}: {self.reason}; {self.next}"

    def to_json(self) -> dict[str, str]:
        return {"ritual": self.ritual, "reason": self.reason, "next": self.next}


def why_empty(settings, ritual: str) -> str:
    """Why `Runner.render` gave nothing for a periodic ritual (the registry's reason for it)."""
    spec = named(ritual)
    return nothing_to_report(settings) if spec is None else spec.why_empty(settings)


def next_due(schedules: Mapping[str, Any], ritual: str, now: datetime) -> str:
    """When the worker next runs `ritual`, in its own timezone, or why it never will."""
    spec = named(ritual)
    sch = schedules.get(spec.key if spec else ritual)
    if sch is None:
        return f"the worker does not run it ([rituals.{spec.config_table if spec else ritual}] enabled = false)"
    _, at = schedule.next_occurrence(sch, now)
    local = at.astimezone(sch.zone)
    return f"next scheduled {WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M} ({sch.timezone})"


def skipped(runner: Runner, ritual: str, now: datetime) -> Skipped:
    return Skipped(ritual, why_empty(runner.settings, ritual), next_due(runner.schedules(), ritual, now))


def next_reminder_day(actions: Sequence[Any], *, today: date, days_before: int,
                      skip_weekends: bool = True, working: Any = None) -> tuple[date, Any] | None:
    """Pure: the first day after `today` on which an open action is reminded, and that action.

    Asks the ritual's own rule (`reminders.due_reminder`) of each day to come: the `days_before`-th
    working day before the (working) due date, on it, and every working day while overdue; a snoozed
    action not before its snooze ends; nothing goes out on a day off (`working`: the team's
    `WorkingDays`, else `skip_weekends` says whether weekends are off).
    """
    from bot.rituals.reminders import due_reminder, is_working_day, working_due

    best: tuple[date, Any] | None = None
    days = {"skip_weekends": skip_weekends, "working": working}
    for a in actions:
        if a.due_on is None:
            continue
        start = today + timedelta(days=1)
        # Each day up to a week past the due date or the snooze's end, whichever is later, is asked.
        last = max(start, a.snoozed_until or start, working_due(a.due_on, **days)) + timedelta(days=7)
        day = next((d for d in (start + timedelta(days=i) for i in range((last - start).days + 1))
                    if is_working_day(d, **days) and due_reminder(a, d, days_before, **days)), None)
        if day is None:
            continue
        if best is None or (day, a.id) < (best[0], best[1].id):
            best = (day, a)
    return best


def why_no_reminders(runner: Runner, now: datetime) -> Skipped:
    """Why no owner gets a reminder today, and when the next one is due."""
    from bot.actions.workdays import working_days
    from bot.annotations import holidays
    from bot.rituals import store

    settings = runner.settings
    with runner.sessions() as session:
        actions = store.actions(session, workspace_id=settings.workspace_id, statuses=OPEN_STATUSES)
        for a in actions:
            session.expunge(a)
        working = working_days(settings, holidays(session, workspace_id=settings.workspace_id))
    today = schedule.local_date(now, settings.file.timezone)
    unknown = sorted({a.owner for a in actions if runner.delivery.resolve_user(a.owner) is None})
    if not actions:
        reason = "no open, carried or snoozed actions"
    elif len(unknown) == len({a.owner for a in actions}):
        reason = f"no owner is a Slack user Signalroom can find ({', '.join(unknown)})"
    else:
        reason = (f"no action is overdue, due today or {settings.file.rituals.remind_days_before} day(s) before "
                  "its due date (or its owner was reminded today)")
    upcoming = next_reminder_day(actions, today=today, days_before=settings.file.rituals.remind_days_before,
                                 working=working)
    if upcoming is None:
        when = "no reminder is coming: no open action has a due date"
    else:
        day, action = upcoming
        when = (f"next reminder {WEEKDAYS[day.weekday()]} {day} (action #{action.id}, due {action.due_on}, "
                f"owner {action.owner})")
    return Skipped("reminder", reason, when)


def add_mode_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="render only, post nothing (default)")
    mode.add_argument("--post", action="store_true", help="post to Slack now (a re-run in the same period edits the messages)")
    parser.add_argument("--json", action="store_true", help="print the messages (or results) as JSON")
    add_workspace_option(parser)


def make_runner(runtime, delivery: Delivery, *, with_charts: bool = True) -> Runner:
    """The rituals' runner for `runtime`'s workspace, posting through `delivery` (its maker picks it:
    `bot.slack.delivery.delivery_for`)."""
    from bot.rituals.runner import Runner

    return Runner(runtime.settings, runtime.session_factory(), delivery, with_charts=with_charts)


def _mrkdwn_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    text = (block.get("text") or {}).get("text", "")
    if kind == "header":
        return [f"== {text} =="]
    if kind == "section":
        lines = [text] if text else []
        lines += [f.get("text", "") for f in block.get("fields") or []]
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            lines.append(f"  [{accessory['text']['text']}]")
        return lines
    if kind == "context":
        return ["  " + " ".join(e.get("text", "") for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + " ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e)]
    if kind == "divider":
        return ["---"]
    return []


def readable(message: Message) -> str:
    return "\n".join(line for block in message.blocks for line in _mrkdwn_lines(block))


def print_rendered(items: Sequence[Rendered], *, as_json: bool, out=None, nothing: Sequence[Skipped] = ()) -> None:
    """The messages as text (or JSON); `nothing` says which rituals had nothing to post, and why."""
    out = out or sys.stdout
    if as_json:
        payload = {"messages": [{"ritual": i.ritual, "channel": i.channel, "in_thread": not i.parent,
                                 "charts": [{"filename": c.filename, "alt_text": c.alt_text} for c in i.charts],
                                 **i.message.payload()} for i in items],
                   "nothing_to_post": [n.to_json() for n in nothing]}
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=out)
        return
    for item in items:
        where = f"#{item.channel or '(no channel)'}" + (" (thread)" if not item.parent else "")
        print(f"--- {item.ritual} → {where}", file=out)
        print(readable(item.message), file=out)
        for chart in item.charts:
            print(f"  [chart {chart.filename}: {chart.alt_text}]", file=out)
        print(file=out)
    _print_nothing(items, nothing, out)


def _print_nothing(done: Sequence[Any], nothing: Sequence[Skipped], out) -> None:
    for n in nothing:
        print(n.line(), file=out)
    if not done and not nothing:
        print("nothing to post", file=out)


def print_results(results: Sequence[Result], *, as_json: bool, out=None, nothing: Sequence[Skipped] = ()) -> int:
    out = out or sys.stdout
    if as_json:
        print(json.dumps({"results": [{"ritual": r.key.ritual, "channel": r.key.channel, "period": r.key.period,
                                       "outcome": r.outcome, "ts": r.ts, "error": r.error} for r in results],
                          "nothing_to_post": [n.to_json() for n in nothing]},
                         indent=2), file=out)
    else:
        for r in results:
            print(f"{r.key.ritual} {r.key.period} → {r.key.channel}: {r.outcome}" + (f" ({r.error})" if r.error else ""),
                  file=out)
        _print_nothing(results, nothing, out)
    return 1 if any(r.outcome == "failed" for r in results) else 0
