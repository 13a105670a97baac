"""Quarterly metric review: which metrics and rules earned their place.

For the quarter that just ended: rules that fired but drove no action, or never
fired, or fired constantly (open half the quarter or more), with the verdicts
of the actions their triggers led to (the one engine, `verdict.py`), and
metrics that left their healthy band without anyone acting ("decorative?").

When a rule fired is read from the zone history the way `signalroom backtest`
reads it (`backtest_stored`: the same days, zones and rule streaks), so the two
never disagree about a quarter; the trigger rows only link actions to rules.
A quarter without stored days is not reported; one partly covered says so.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics.rules import RuleEvent

from bot.actions.statuses import OPEN
from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.zone_names import BAD
from bot.rituals import ledger, store, windows
from bot.rituals.verdict import action_verdicts, tally


@dataclass(frozen=True, slots=True)
class RuleLine:
    rule: str
    metric_label: str
    fired: int
    actions: int
    open_days: int
    verdict: str  # decorative? | never fires | always fires | useful
    outcomes: tuple[tuple[str, int], ...] = ()  # verdicts of its done actions: (("improved", 1), …)


@dataclass(frozen=True, slots=True)
class MetricLine:
    label: str
    bad_days: int
    actions: int


@dataclass(frozen=True, slots=True)
class QuarterlyReview:
    channel: str
    quarter: str
    days: int  # days of the quarter with stored data (what "open half the quarter" is measured against)
    rules: tuple[RuleLine, ...]
    decorative_metrics: tuple[MetricLine, ...]
    start: date | None = None
    end: date | None = None
    data_from: date | None = None  # first and last day with stored data, when not the whole quarter
    data_to: date | None = None

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("quarterly", self.channel, self.quarter)

    @property
    def quarter_words(self) -> str:
        """'July to September 2026' (not '2026-Q3')."""
        if self.start is None or self.end is None:
            return self.quarter
        return f"{windows.month(self.start).split()[0]} to {windows.month(self.end)}"

    @property
    def coverage_words(self) -> str | None:
        """Said when part of the quarter has no data: 'figures cover Wed 12 Aug to Wed 30 Sep only (50 of 92 days)'."""
        if self.data_from is None or self.start is None or self.end is None:
            return None
        total = (self.end - self.start).days + 1
        if self.days >= total:
            return None
        return (f"figures cover {windows.span(self.data_from, self.data_to or self.end)} only "
                f"({self.days} of {total} days)")


def rule_verdict(fired: int, actions: int, open_days: int, days: int) -> str:
    """Pure."""
    if fired == 0:
        return "never fires"
    if open_days * 2 >= days:
        return "always fires"
    if actions == 0:
        return "decorative?"
    return "useful"


def previous_quarter(today: date) -> tuple[date, date, str]:
    start_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = start_this - timedelta(days=1)
    start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end, f"{start.year}-Q{(start.month - 1) // 3 + 1}"


@dataclass(frozen=True, slots=True)
class RuleHistory:
    fired_on: tuple[date, ...]  # days the rule fired in the quarter (any segment)
    open_days: int  # days a trigger of the rule was open in the quarter


def rule_history(events: Sequence[RuleEvent], *, start: date, end: date) -> dict[str, RuleHistory]:
    """Pure: per rule, its firings in [start, end] and the days its triggers were open there
    (a trigger open when the quarter began counts from the first day; one still open, to the last)."""
    fired: dict[str, list[date]] = {}
    open_days: dict[str, int] = {}
    opened: dict[tuple[str, str, str], date] = {}
    stop = end + timedelta(days=1)

    def close(rule: str, since: date, until: date) -> None:
        open_days[rule] = open_days.get(rule, 0) + max(0, (min(until, stop) - max(since, start)).days)

    for e in sorted(events, key=lambda e: (e.day, e.kind != "recover")):
        key = (e.rule, e.dimension, e.segment)
        fired.setdefault(e.rule, [])
        if e.kind == "fire":
            opened[key] = e.day
            if start <= e.day <= end:
                fired[e.rule].append(e.day)
        elif key in opened:
            close(e.rule, opened.pop(key), e.day)
    for (rule, _dim, _seg), since in opened.items():
        close(rule, since, stop)
    return {rule: RuleHistory(tuple(days), open_days.get(rule, 0)) for rule, days in fired.items()}


def backtest_events(session: Session, *, settings: Settings) -> list[RuleEvent]:
    """Every rule event over the stored history, as `signalroom backtest` computes them."""
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.reads import backtest_stored

    rs = rollup_settings(settings)
    events: list[RuleEvent] = []
    for metric, dimension in sorted({(r.metric, r.dimension or "") for r in rs.rules}):
        if metric not in CATALOGUE:
            continue
        for _segment, result in backtest_stored(session, workspace_id=settings.workspace_id, settings=rs,
                                                metric=metric, dimension=dimension):
            events.extend(result.events)
    return events


def decorative_metrics(bad_days: Counter, actions: Counter) -> list[MetricLine]:
    out = [MetricLine(CATALOGUE[m].label if m in CATALOGUE else m, n, actions.get(m, 0))
           for m, n in bad_days.items() if n >= 3 and actions.get(m, 0) == 0]
    return sorted(out, key=lambda l: (-l.bad_days, l.label))


def rule_outcomes(session: Session, *, settings: Settings, actions: Sequence[Any], triggers: Mapping[int, Any],
                  today: date) -> dict[str, list[str]]:
    """Per rule, the verdicts of the done actions its `triggers` led to: all judged from one read of their
    readings (`action_verdicts`), whatever their number."""
    linked = [a for a in actions if a.trigger_id and a.trigger_id in triggers]
    judged = action_verdicts(session, settings=settings, workspace_id=settings.workspace_id, actions=linked,
                             triggers=triggers, today=today)
    out: dict[str, list[str]] = {}
    for a in linked:
        if (v := judged[a.id]) is not None:
            out.setdefault(triggers[a.trigger_id].rule, []).append(v.label)
    return out


def gather(session: Session, *, settings: Settings, today: date) -> QuarterlyReview | None:
    channel = settings.file.slack.review_channel or settings.file.rituals.weekly_review.channel
    if not channel:
        return None
    start, end, quarter = previous_quarter(today)
    overall = store.daily(session, workspace_id=settings.workspace_id, start=start, end=end)
    covered = sorted({d.day for d in overall})
    if not covered:
        return None  # nothing stored for that quarter: nothing to review
    days = len(covered)
    history = rule_history(backtest_events(session, settings=settings), start=start, end=end)
    # Trigger rows link actions to rules (an action names its trigger); firings come from `history`.
    triggers = [t for t in store.triggers(session, workspace_id=settings.workspace_id, fired_since=start)
                if t.fired_on <= end]
    actions = [a for a in store.actions(session, workspace_id=settings.workspace_id)
               if start <= a.created_at.date() <= end]
    by_trigger = Counter(a.trigger_id for a in actions if a.trigger_id)
    by_id = {t.id: t for t in triggers}
    verdicts = rule_outcomes(session, settings=settings, actions=actions, triggers=by_id, today=today)
    lines = []
    for rule in settings.file.rules:
        mine = [t for t in triggers if t.rule == rule.name]
        seen = history.get(rule.name, RuleHistory((), 0))
        fired, open_days = len(seen.fired_on), seen.open_days
        acted = sum(by_trigger.get(t.id, 0) for t in mine)
        definition = CATALOGUE.get(rule.metric)
        lines.append(RuleLine(rule.name, definition.label if definition else rule.metric, fired, acted,
                              open_days, rule_verdict(fired, acted, open_days, days),
                              tally(verdicts.get(rule.name, ()))))
    bad = Counter(d.metric for d in overall if d.zone in BAD)
    acted_metrics = Counter(a.metric for a in actions if a.created_by != "signalroom" or a.status != OPEN)
    order = {"decorative?": 0, "always fires": 1, "never fires": 2, "useful": 3}
    return QuarterlyReview(channel, quarter, days, tuple(sorted(lines, key=lambda l: (order[l.verdict], l.rule))),
                           tuple(decorative_metrics(bad, acted_metrics)[:10]), start, end, covered[0], covered[-1])


def render_review(review: QuarterlyReview) -> Message:
    return render("ritual_quarterly", q=review)
