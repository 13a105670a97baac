"""The verdict on one action, as every message shows it: the one engine (`bot.metrics.verdicts`)
fed from stored daily zones, and its sentence from templates/verdict_explanation.json.j2.

The review, action cards, `/metrics log`, `/metrics action done`, the leadership summary
and the quarterly review all call `action_verdict`, so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks import render
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.settings import Rule
from bot.metrics.verdicts import (
    LABELS, MAX_HISTORY_DAYS, Case, Reading, Verdict, VerdictSettings, judge, manual_case,
)
from bot.rituals import store, units, windows
from bot.storage.reference import display_name

__all__ = ["ActionVerdict", "action_verdict", "explain", "plain", "readings", "tally", "words"]


@dataclass(frozen=True, slots=True)
class ActionVerdict:
    label: str  # improved | recovered_as_usual | no_change | worse | too_early
    words: str  # "recovered as usual"
    explanation: str  # one plain sentence of evidence (mrkdwn-safe)
    before: str  # the problem window's value, formatted
    after: str  # the after window's value, formatted ("n/a" while too early)
    verdict: Verdict


def words(label: str) -> str:
    """A verdict's name as people read it ("recovered as usual")."""
    return render("verdict_explanation", e={"label": label}, part="words").text


def explain(v: Verdict, *, unit: str, subject: str, currency: str | None = None) -> str:
    """The sentence of evidence for a verdict, in the metric's unit (`currency`: [metrics].currency for money)."""
    f = lambda x: units.fmt(x, unit, currency=currency)  # noqa: E731
    natural = None
    nat = v.natural
    if nat is not None and v.expected_value is not None and v.problem_value is not None and nat.retained > 0.05:
        natural = f(v.expected_value + nat.retained * (v.problem_value - v.expected_value))
    e: dict[str, Any] = {
        "label": v.label, "reason": v.reason, "subject": subject, "after": f(v.after_value),
        "problem": f(v.problem_value), "expected": f(v.expected_value), "natural": natural,
        "usual_days": nat.usual_days if nat else None, "recovered_in": v.recovered_in,
        "back": v.recovered_in is not None or (v.after_score is not None and v.noise is not None
                                               and v.after_score <= 2 * v.noise),
        "days_left": v.days_left, "after_days": (v.after[1] - v.after[0]).days + 1,
        "after_end": windows.day(v.after[1]),  # "Mon 30 Nov": a window in words, never an ISO date
        "problem_judged": v.problem_days, "after_judged": v.after_days,
    }
    return render("verdict_explanation", e=e, part="sentence").text


def plain(text: str) -> str:
    """The sentence for a terminal or JSON (templates escape it for Slack's mrkdwn)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readings(session: Session, *, workspace_id: str, metric: str, dimension: str, segment: str, start: date,
             end: date) -> list[Reading]:
    days = store.daily(session, workspace_id=workspace_id, start=start, end=end, metric=metric,
                       dimension=dimension, segment=segment)
    return [Reading(d.day, d.value, d.expected, d.score, d.zone, d.n) for d in days]


def _local_day(at: datetime, tz: Any) -> date:
    return at.astimezone(tz).date() if at.tzinfo else at.date()


def action_verdict(session: Session, *, settings: Any, action: Any, trigger: Any = None,
                   today: date | None = None) -> ActionVerdict | None:
    """The verdict on a done action (None for an action that is not done or whose metric is unknown).

    `settings` is the app's `bot.config.Settings`; `trigger` the action's trigger row, if any.
    """
    if action.status != "done" or action.closed_at is None:
        return None
    definition = CATALOGUE.get(action.metric)
    if definition is None:
        return None
    tz = settings.timezone
    today = today or datetime.now(tz).date()
    as_of = store.latest_metric_day(session, workspace_id=action.workspace_id, on_or_before=today - timedelta(days=1))
    done_day = _local_day(action.closed_at, tz)
    opened = _local_day(action.created_at, tz)
    file = settings.file
    rule = None
    if trigger is not None:
        cfg = next((r for r in file.rules if r.name == trigger.rule), None)
        streak = cfg.days if cfg else 1
        rule = Rule(trigger.rule, trigger.metric, cfg.zone if cfg else trigger.zone, streak,
                    cfg.recover_days if cfg else 3)
        since = (trigger.evidence or {}).get("since")
        start = date.fromisoformat(since) if since else trigger.fired_on - timedelta(days=streak - 1)
        case = Case(start, done_day, done_day,
                    as_of or done_day, rule)
    else:
        case = manual_case(opened=opened, done_day=done_day, as_of=as_of or done_day)
    vs = VerdictSettings(healthy=file.metrics.watch,
                         pool_days=file.metrics.window_days if definition.kind == "rate" else 1)
    rows = readings(session, workspace_id=action.workspace_id, metric=action.metric, dimension=action.dimension,
                    segment=action.segment, start=case.problem_start - timedelta(days=MAX_HISTORY_DAYS),
                    end=case.as_of)
    v = judge(rows, case, vs)
    subject = definition.label + (f" for {display_name(session, workspace_id=action.workspace_id, dimension=action.dimension, value=action.segment)}" if action.segment else "")
    currency = file.metrics.currency
    return ActionVerdict(v.label, words(v.label), explain(v, unit=definition.unit, subject=subject, currency=currency),
                         units.fmt(v.problem_value, definition.unit, currency=currency),
                         units.fmt(v.after_value, definition.unit, currency=currency), v)


def tally(labels: Any) -> tuple[tuple[str, int], ...]:
    """(words, count) per verdict, in the engine's order: the "1 improved, 1 recovered as usual" of a summary."""
    labels = list(labels)
    return tuple((words(k), labels.count(k)) for k in LABELS if labels.count(k))
