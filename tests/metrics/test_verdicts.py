"""The one verdict engine: table-driven cases over hand-built score series, plus properties."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics.settings import Rule
from bot.metrics.verdicts import LABELS, Case, Reading, excursions, judge, noise

START = date(2026, 1, 1)
RULE = Rule("slow", "first_response_time", "watch", 2, 3)


def zone(score: float) -> str:
    return "act_now" if score >= 3.5 else "watch" if score >= 2 else "healthy"


def series(scores: list[float | None]) -> list[Reading]:
    """Day i has the given score; value = 100 + 10 × score against an expected 100."""
    return [Reading(START + timedelta(days=i), None if s is None else 100 + 10 * s, 100.0, s,
                    "insufficient_data" if s is None else zone(s), 50) for i, s in enumerate(scores)]


def quiet(days: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0, 0.7) for _ in range(days)]


def episode(days: int, level: float = 4.0) -> list[float]:
    return [level] * days


# 120 quiet days, then the judged problem at day 120 (fires on 121), done 3 days later.
def case(scores: list[float | None], *, done_after: int = 3, rule: Rule | None = RULE) -> Case:
    fired = START + timedelta(days=121)
    return Case(fired - timedelta(days=1), fired + timedelta(days=done_after), fired + timedelta(days=done_after),
                START + timedelta(days=len(scores) - 1), rule)


SLOW_PAST = quiet(30) + episode(14) + quiet(26, 2) + episode(14) + quiet(36, 3)  # 120 days, recovers in ~2 weeks
BLIPS = [x for k in range(6) for x in quiet(18, k) + [4.0, 4.0]]  # 120 days, recovers in a day
assert len(SLOW_PAST) == len(BLIPS) == 120


@pytest.mark.parametrize(("name", "scores", "expected"), [
    ("after window not over", SLOW_PAST + episode(6), "too_early"),
    ("no data after completion", SLOW_PAST + episode(4) + [None] * 10, "too_early"),
    ("fixed fast where it usually takes two weeks", SLOW_PAST + episode(4) + quiet(10, 9), "improved"),
    ("still as bad as during the problem", SLOW_PAST + episode(4) + episode(10), "no_change"),
    ("twice as bad after completion", SLOW_PAST + episode(4, 3.0) + episode(10, 6.0), "worse"),
    ("back, as its blips always are", BLIPS + episode(4) + quiet(10, 9), "recovered_as_usual"),
    ("short history: back to normal only", quiet(50) + [0.0] * 70 + episode(4) + [0.0] * 10, "recovered_as_usual"),
    ("short history: beyond normal", [0.0] * 120 + episode(4) + [-3.0] * 10, "improved"),
])
def test_verdicts(name, scores, expected):
    verdict = judge(series(scores), case(scores))
    assert verdict.label == expected, (name, verdict)


def test_windows_and_sample_sizes():
    scores = SLOW_PAST + episode(4) + quiet(10, 9)
    v = judge(series(scores), case(scores))
    fired = START + timedelta(days=121)
    assert v.problem == (fired - timedelta(days=1), fired + timedelta(days=3))
    assert v.after == (fired + timedelta(days=4), fired + timedelta(days=10))  # same span, at least a week
    assert (v.problem_days, v.after_days) == (5, 7)
    assert (v.problem_n, v.after_n) == (250, 350)
    assert 125 < v.problem_value <= 140  # four days at 140, then the first quiet day
    assert v.recovered_in == 1


def test_too_early_says_how_long():
    scores = SLOW_PAST + episode(6)
    v = judge(series(scores), case(scores))
    assert (v.label, v.reason, v.days_left) == ("too_early", "window", 6)


def test_pooled_rates_wait_for_a_clean_pool():
    from bot.metrics.verdicts import VerdictSettings

    scores = SLOW_PAST + episode(4) + quiet(20, 9)
    v = judge(series(scores), case(scores), VerdictSettings(pool_days=7))
    assert v.after[0] == START + timedelta(days=124 + 7)


def test_natural_recovery_from_past_excursions():
    scores = SLOW_PAST + episode(4) + quiet(10, 9)
    v = judge(series(scores), case(scores))
    assert v.natural.usual_days == 14  # both past episodes: 14 bad days, healthy from the 15th
    spans = excursions(series(SLOW_PAST), RULE)
    assert [(s - START).days for s, _, _ in spans] == [30, 70]


def test_noise_ignores_past_excursions_and_falls_back_on_short_history():
    steady = series(quiet(200, 4))
    assert noise(steady[:20], 7) == pytest.approx(7 ** -0.5)
    with_episode = series(quiet(100, 4) + episode(30) + quiet(70, 5))
    spans = [(START + timedelta(days=100), START + timedelta(days=130))]
    assert noise(with_episode, 7, quiet=spans) < 1.5 * noise(steady, 7)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-8, 8)), min_size=125, max_size=150),
       st.integers(0, 10))
def test_any_series_gets_one_label(scores, done_after):
    v = judge(series(scores), case(scores, done_after=done_after))
    assert v.label in LABELS
    assert v.after[0] > v.problem[1]  # the after window never overlaps the problem


@settings(max_examples=40, deadline=None)
@given(st.floats(-1, 1), st.integers(0, 7))
def test_a_flat_series_is_never_an_effect(level, done_after):
    scores = [level] * 150
    v = judge(series(scores), case(scores, done_after=done_after, rule=None))
    assert v.label not in ("improved", "worse")
