"""Rules over daily zones: fire after N consecutive days, recover after M healthy days.

A rule = metric + segment filter + zone + N consecutive days. Evaluated per
(rule, segment) over that segment's daily zones: a run of N days at the rule's
zone or worse fires one trigger, which stays open (no repeats) until the metric
has been `healthy` for M consecutive days; then a recovery is recorded. Days
that are `learning` or `insufficient_data` break a firing streak and a recovery
streak alike — neither is evidence.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.metrics.settings import Rule
from bot.metrics.zone_names import BAD, HEALTHY, RANK


@dataclass(frozen=True, slots=True)
class DayZone:
    day: date
    zone: str


@dataclass(frozen=True, slots=True)
class RuleEvent:
    kind: Literal["fire", "recover"]
    rule: str
    metric: str
    dimension: str
    segment: str
    day: date  # the day the streak completed
    since: date  # first day of the streak (fire) / of the healthy run (recover)


@dataclass(frozen=True, slots=True)
class RuleState:
    """Where a (rule, segment) stands after a run: an open trigger (since when) or none."""

    open_since: date | None = None


def at_or_worse(zone: str, threshold: str) -> bool:
    return zone in BAD and RANK[zone] >= RANK[threshold]


def evaluate_rule(
    rule: Rule,
    days: Sequence[DayZone],
    *,
    dimension: str = "",
    segment: str = "",
    state: RuleState = RuleState(),
) -> tuple[list[RuleEvent], RuleState]:
    """Fire/recover events for one segment's consecutive daily zones, from an initial state."""
    events: list[RuleEvent] = []
    open_since = state.open_since
    streak: list[date] = []
    healthy: list[date] = []
    for dz in sorted(days, key=lambda d: d.day):
        if open_since is None:
            if at_or_worse(dz.zone, rule.zone):
                streak.append(dz.day)
                if len(streak) >= rule.days:
                    open_since = streak[0]
                    events.append(RuleEvent("fire", rule.name, rule.metric, dimension, segment, dz.day, streak[0]))
                    streak, healthy = [], []
            else:
                streak = []
        else:
            if dz.zone == HEALTHY:
                healthy.append(dz.day)
                if len(healthy) >= rule.recovery_days:
                    events.append(RuleEvent("recover", rule.name, rule.metric, dimension, segment, dz.day, healthy[0]))
                    open_since, streak, healthy = None, [], []
            else:
                healthy = []
    return events, RuleState(open_since)
