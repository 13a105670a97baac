"""The fix verdict: the shared engine judges a theme's daily tickets before and after its issue was resolved."""
from __future__ import annotations

import random
from datetime import date, timedelta

from bot.trackers.verdict import fix_verdict

FIX = date(2026, 12, 3)


def series(before: float, after: float, *, days_before: int = 70, days_after: int = 28, seed: int = 7) -> dict:
    rng = random.Random(seed)
    out = {}
    for i in range(-days_before, days_after + 1):
        mean = before if i < 0 else after
        # Poisson-ish counts around the mean, never negative
        out[FIX + timedelta(days=i)] = max(0, round(rng.gauss(mean, mean ** 0.5)))
    return out


def test_a_fix_that_cut_tickets_is_improved_with_weekly_figures():
    verdict = fix_verdict(series(17, 2), fixed_on=FIX, as_of=FIX + timedelta(days=21))
    assert verdict.label == "improved"
    assert 100 <= verdict.before_per_week <= 140 and 5 <= verdict.after_per_week <= 25


def test_no_change_when_tickets_keep_coming():
    verdict = fix_verdict(series(17, 17), fixed_on=FIX, as_of=FIX + timedelta(days=21))
    assert verdict.label in ("no_change", "recovered_as_usual")
    assert verdict.label != "improved"


def test_worse_when_tickets_grew_after_the_fix():
    assert fix_verdict(series(5, 20), fixed_on=FIX, as_of=FIX + timedelta(days=21)).label == "worse"


def test_too_early_until_the_after_window_is_over():
    verdict = fix_verdict(series(17, 2, days_after=5), fixed_on=FIX, as_of=FIX + timedelta(days=5))
    assert verdict.label == "too_early" and verdict.days_left == 9


def test_a_theme_that_is_new_is_judged_against_zero_before_it():
    # No tickets before the problem: back to that level is "recovered as usual" (the engine cannot tell a fix from
    # a flare-up that ends by itself when the history has no flare-ups to learn from), never "no change".
    daily = {FIX - timedelta(days=i): 20 for i in range(1, 15)} | {FIX + timedelta(days=i): 1 for i in range(1, 22)}
    verdict = fix_verdict(daily, fixed_on=FIX, as_of=FIX + timedelta(days=21))
    assert verdict.label == "recovered_as_usual" and verdict.before_per_week == 140 and verdict.after_per_week == 7
