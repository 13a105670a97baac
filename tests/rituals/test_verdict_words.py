"""The verdict's sentence of evidence (bot.rituals.verdict.explain) for the cases the demo and goldens do not reach."""
from __future__ import annotations

from datetime import date

from bot.metrics.verdicts import Natural, Verdict
from bot.rituals.verdict import explain

PROBLEM, AFTER = (date(2026, 11, 2), date(2026, 11, 8)), (date(2026, 11, 10), date(2026, 11, 16))


def test_too_few_days_with_tickets_says_how_many_were_judged():
    v = Verdict("too_early", PROBLEM, AFTER, problem_days=2, after_days=1, reason="data")
    assert explain(v, unit="seconds", subject="First response time") == (
        "too few days with enough tickets to tell (2 during the problem, 1 after completion)")


def test_recovered_without_earlier_episodes_does_not_claim_the_usual_pace():
    v = Verdict("recovered_as_usual", PROBLEM, AFTER, problem_value=420.0, after_value=303.0, expected_value=300.0,
                recovered_in=2, natural=Natural(0.0, 0.0, 0, None, known=False), reason="normal")
    text = explain(v, unit="count", subject="Ticket volume")
    assert text.startswith("back to 303")
    assert "about as it comes back" not in text
    assert text.endswith("Ticket volume has no earlier episodes to compare with, so this may be how it comes back "
                         "without help")
