"""Quarterly metric review: which metrics and rules earned their place.

For the quarter that just ended: rules that fired but drove no action, or never
fired, or fired constantly (open half the quarter or more), with the verdicts
of the actions their triggers led to (the one engine, `verdict.py`), and
metrics that left their healthy band without anyone acting ("decorative?").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.catalogue import CATALOGUE
from bot.rituals import ledger, store
from bot.rituals.verdict import action_verdict, tally


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
    days: int
    rules: tuple[RuleLine, ...]
    decorative_metrics: tuple[MetricLine, ...]

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("quarterly", self.channel, self.quarter)


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


def decorative_metrics(bad_days: Counter, actions: Counter) -> list[MetricLine]:
    out = [MetricLine(CATALOGUE[m].label if m in CATALOGUE else m, n, actions.get(m, 0))
           for m, n in bad_days.items() if n >= 3 and actions.get(m, 0) == 0]
    return sorted(out, key=lambda l: (-l.bad_days, l.label))


def gather(session: Session, *, settings: Settings, today: date) -> QuarterlyReview | None:
    channel = settings.file.slack.review_channel or settings.file.rituals.weekly_review.channel
    if not channel:
        return None
    start, end, quarter = previous_quarter(today)
    days = (end - start).days + 1
    triggers = [t for t in store.triggers(session, workspace_id=settings.workspace_id, fired_since=start)
                if t.fired_on <= end]
    actions = [a for a in store.actions(session, workspace_id=settings.workspace_id)
               if start <= a.created_at.date() <= end]
    by_trigger = Counter(a.trigger_id for a in actions if a.trigger_id)
    by_id = {t.id: t for t in triggers}
    verdicts: dict[str, list[str]] = {}
    for a in actions:
        trig = by_id.get(a.trigger_id) if a.trigger_id else None
        v = action_verdict(session, settings=settings, action=a, trigger=trig, today=today) if trig else None
        if v is not None:
            verdicts.setdefault(trig.rule, []).append(v.label)
    lines = []
    for rule in settings.file.rules:
        mine = [t for t in triggers if t.rule == rule.name]
        open_days = sum(((min(t.recovered_on or end, end)) - t.fired_on).days + 1 for t in mine)
        acted = sum(by_trigger.get(t.id, 0) for t in mine)
        definition = CATALOGUE.get(rule.metric)
        lines.append(RuleLine(rule.name, definition.label if definition else rule.metric, len(mine), acted,
                              open_days, rule_verdict(len(mine), acted, open_days, days),
                              tally(verdicts.get(rule.name, ()))))
    overall = store.daily(session, workspace_id=settings.workspace_id, start=start, end=end)
    bad = Counter(d.metric for d in overall if d.zone in ("watch", "act_now"))
    acted_metrics = Counter(a.metric for a in actions if a.created_by != "signalroom" or a.status != "open")
    order = {"decorative?": 0, "always fires": 1, "never fires": 2, "useful": 3}
    return QuarterlyReview(channel, quarter, days, tuple(sorted(lines, key=lambda l: (order[l.verdict], l.rule))),
                           tuple(decorative_metrics(bad, acted_metrics)[:10]))


def render_review(review: QuarterlyReview) -> Message:
    return render("ritual_quarterly", q=review)
