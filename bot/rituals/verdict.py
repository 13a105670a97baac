"""Did it move the needle? A plain verdict that accounts for noise. Pure.

Before = the metric in a window before the trigger fired; after = the same
length of window after the action was completed.

- Too early: the after-window is shorter than `min_days`, or either side has
  too little data (fewer than `min_n` rated/solved tickets for a rate).
- Rates (CSAT, FCR, reopen…): a pooled two-proportion z-test on the summed
  numerators/denominators of each window.
- Other metrics (durations, counts): Welch's t on the daily values, so a
  change smaller than the day-to-day spread of the baseline is "no change".
|statistic| below `z` (1.96 ≈ 95 %) → no change; otherwise improved or worse
according to the metric's direction ("both" reports the change as no change
unless it is back towards the baseline expected value — we keep it simple and
call a decrease of volume an improvement).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, variance
from typing import Literal

Verdict = Literal["improved", "no_change", "worse", "too_early"]
LABELS = {"improved": "improved", "no_change": "no change", "worse": "worse", "too_early": "too early to tell"}


@dataclass(frozen=True, slots=True)
class Window:
    """Daily values (durations, counts) or summed numerator/denominator (rates) of one window."""

    values: tuple[float, ...] = ()
    numerator: float = 0.0
    denominator: float = 0.0
    days: int = 0

    @property
    def mean(self) -> float | None:
        if self.denominator:
            return self.numerator / self.denominator
        return fmean(self.values) if self.values else None


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    before: float | None
    after: float | None
    statistic: float | None
    reason: str

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> float:
    """z for p2 − p1 under the pooled null."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return (x2 / n2 - x1 / n1) / se


def welch_t(before: Sequence[float], after: Sequence[float]) -> float:
    """t for mean(after) − mean(before); 0 when neither side varies and the means agree."""
    m1, m2 = fmean(before), fmean(after)
    v1 = variance(before) if len(before) > 1 else 0.0
    v2 = variance(after) if len(after) > 1 else 0.0
    se = math.sqrt(v1 / len(before) + v2 / len(after))
    if se == 0:
        return 0.0 if m1 == m2 else math.copysign(math.inf, m2 - m1)
    return (m2 - m1) / se


def judge(
    before: Window,
    after: Window,
    *,
    direction: str,
    is_rate: bool,
    min_days: int = 7,
    min_n: int = 30,
    z: float = 1.96,
) -> Outcome:
    if after.days < min_days:
        return Outcome("too_early", before.mean, after.mean, None,
                       f"only {after.days} of {min_days} days since it was done")
    if is_rate:
        if before.denominator < min_n or after.denominator < min_n:
            return Outcome("too_early", before.mean, after.mean, None, "too few tickets to tell a change from noise")
        stat = two_proportion_z(before.numerator, before.denominator, after.numerator, after.denominator)
    else:
        if len(before.values) < 3 or len(after.values) < 3:
            return Outcome("too_early", before.mean, after.mean, None, "too few days with data")
        stat = welch_t(before.values, after.values)
    if abs(stat) < z:
        return Outcome("no_change", before.mean, after.mean, stat, "within the usual day-to-day noise")
    went_up = stat > 0
    worse_when_up = direction in ("higher_is_worse", "both")
    verdict: Verdict = "worse" if went_up == worse_when_up else "improved"
    return Outcome(verdict, before.mean, after.mean, stat, "a change larger than the usual noise")
