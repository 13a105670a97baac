"""The verdict on one action, as every message shows it: the one engine (`bot.metrics.verdicts`)
fed from stored daily zones, and its sentence from templates/verdict_explanation.json.j2.

The review, action cards, `/metrics log`, `/metrics action done`, the leadership summary
and the quarterly review all call `action_verdict`, so they cannot disagree.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.actions.statuses import DONE
from bot.blocks import render
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.readings import latest_computed_day
from bot.metrics.settings import Rule
from bot.metrics.verdicts import (
    LABELS, MAX_HISTORY_DAYS, Case, Reading, Verdict, VerdictSettings, judge, manual_case,
)
from bot.rituals import store, units, windows
from bot.storage.reference import display_name, segment_names

__all__ = ["ActionVerdict", "action_verdict", "action_verdicts", "explain", "plain", "readings", "tally", "words"]


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
    if action.status != DONE or action.closed_at is None or CATALOGUE.get(action.metric) is None:
        return None
    today = today or datetime.now(settings.timezone).date()
    as_of = latest_computed_day(session, workspace_id=action.workspace_id, on_or_before=today - timedelta(days=1))
    case = _case(settings, action, trigger, as_of)
    rows = readings(session, workspace_id=action.workspace_id, metric=action.metric, dimension=action.dimension,
                    segment=action.segment, start=case.problem_start - timedelta(days=MAX_HISTORY_DAYS),
                    end=case.as_of)
    name = display_name(session, workspace_id=action.workspace_id, dimension=action.dimension, value=action.segment)
    return _verdict(settings, action, case, rows, name)


def action_verdicts(session: Session, *, settings: Any, workspace_id: str, actions: Sequence[Any],
                    triggers: Mapping[int, Any], today: date,
                    names: Mapping[tuple[str, str], str] | None = None) -> dict[int, ActionVerdict | None]:
    """`action_verdict` of each action (by id), with the readings of all of them read in one query and their
    segments' names (unless given: `segment_names`) in one per dimension: the review judges every action
    completed in its window."""
    done = [a for a in actions if a.status == DONE and a.closed_at is not None and a.metric in CATALOGUE]
    out: dict[int, ActionVerdict | None] = {a.id: None for a in actions}
    if not done:
        return out
    as_of = latest_computed_day(session, workspace_id=workspace_id, on_or_before=today - timedelta(days=1))
    cases = {a.id: _case(settings, a, triggers.get(a.trigger_id) if a.trigger_id else None, as_of) for a in done}
    series = {(a.metric, a.dimension, a.segment) for a in done}
    by_series = store.daily_series(
        session, workspace_id=workspace_id, series=series, end=max(c.as_of for c in cases.values()),
        start=min(c.problem_start for c in cases.values()) - timedelta(days=MAX_HISTORY_DAYS))
    if names is None:
        names = segment_names(session, workspace_id=workspace_id, pairs=((a.dimension, a.segment) for a in done))
    for a in done:
        case = cases[a.id]
        start = case.problem_start - timedelta(days=MAX_HISTORY_DAYS)
        rows = [Reading(d.day, d.value, d.expected, d.score, d.zone, d.n)
                for d in by_series.get((a.metric, a.dimension, a.segment), ()) if start <= d.day <= case.as_of]
        out[a.id] = _verdict(settings, a, case, rows, names.get((a.dimension, a.segment), a.segment))
    return out


def _case(settings: Any, action: Any, trigger: Any, as_of: date | None) -> Case:
    """Pure: what the verdict judges for a done action, given the latest day with data."""
    tz = settings.timezone
    done_day = _local_day(action.closed_at, tz)
    if trigger is None:
        return manual_case(opened=_local_day(action.created_at, tz), done_day=done_day, as_of=as_of or done_day)
    cfg = next((r for r in settings.file.rules if r.name == trigger.rule), None)
    streak = cfg.days if cfg else 1
    rule = Rule(trigger.rule, trigger.metric, cfg.zone if cfg else trigger.zone, streak,
                cfg.recover_days if cfg else 3)
    since = (trigger.evidence or {}).get("since")
    start = date.fromisoformat(since) if since else trigger.fired_on - timedelta(days=streak - 1)
    return Case(start, done_day, done_day, as_of or done_day, rule)


def _verdict(settings: Any, action: Any, case: Case, rows: list[Reading], segment_name: str) -> ActionVerdict:
    """Pure: the judged verdict in words (`segment_name`: the action's segment as its source names it)."""
    definition = CATALOGUE[action.metric]
    file = settings.file
    vs = VerdictSettings(healthy=file.metrics.watch,
                         pool_days=file.metrics.window_days if definition.kind == "rate" else 1)
    v = judge(rows, case, vs)
    subject = definition.label + (f" for {segment_name}" if action.segment else "")
    currency = file.metrics.currency
    return ActionVerdict(v.label, words(v.label), explain(v, unit=definition.unit, subject=subject, currency=currency),
                         units.fmt(v.problem_value, definition.unit, currency=currency),
                         units.fmt(v.after_value, definition.unit, currency=currency), v)


def tally(labels: Any) -> tuple[tuple[str, int], ...]:
    """(words, count) per verdict, in the engine's order: the "1 improved, 1 recovered as usual" of a summary."""
    labels = list(labels)
    return tuple((words(k), labels.count(k)) for k in LABELS if labels.count(k))
