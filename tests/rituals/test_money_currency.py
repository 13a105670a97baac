"""`[metrics].currency` on every money figure of the weekly review and of action cards: cost per resolution
reads "12.40 EUR" in what moved, in a done action's verdict (before, after and its sentence) and on the card."""
from __future__ import annotations

import json
from datetime import date, timedelta

from bot.config import load_settings
from bot.rituals import review
from bot.rituals.verdict import action_verdict
from tests.rituals.factories import action, at, metric_days, trigger

TODAY = date(2026, 11, 23)  # a Monday
COST = "cost_per_resolution"


def _settings(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "UTC"\n[slack]\nreview_channel = "C0REVIEW"\n'
                    '[metrics]\nmonthly_support_cost = 31000\ncurrency = "EUR"\n'
                    f'[[rules]]\nname = "cost-up"\nmetric = "{COST}"\n')
    return load_settings({}, config_path=str(path))


def _seed(session) -> int:
    """12 weeks of cost per resolution: an episode acted on and done three weeks ago, and a jump this week."""
    start = TODAY - timedelta(days=84)
    values = [12.0] * 30 + [19.0] * 14 + [13.0] * 12 + [11.5] * 25 + [18.0, 19.5, 21.0]
    session.add_all(metric_days(COST, start, values, expected=12.0, spread=1.0))
    old = trigger("cost-up", COST, start + timedelta(days=31), status="recovered", recovered_on=start + timedelta(days=60),
                  evidence={"value": 19.0, "expected": 12.0})
    session.add(old)
    session.flush()
    done = action(COST, "U0OPS", due_on=start + timedelta(days=50), status="done", description="Route refunds to L1",
                  trigger_id=old.id, created_at=at(start + timedelta(days=32)), closed_at=at(start + timedelta(days=55)),
                  value_at_open=19.0, value_at_followup=13.0)
    session.add(done)
    session.flush()
    return done.id


def test_review_money_figures_carry_the_currency(tmp_path, session_factory):
    with session_factory.begin() as session:
        done_id = _seed(session)
    settings = _settings(tmp_path)
    with session_factory() as session:
        weekly = review.gather(session, settings=settings, today=TODAY, period="p", with_charts=False)
        (moved,) = [m for m in weekly.moved if m.metric == COST]
        assert moved.value.endswith(" EUR") and moved.expected.endswith(" EUR")
        (needle,) = [n for n in weekly.needle if n.action_id == done_id]
        assert needle.before.endswith(" EUR") and needle.after.endswith(" EUR")
        assert " EUR" in needle.explanation


def test_verdict_money_without_a_currency_stays_bare(tmp_path, session_factory):
    path = tmp_path / "bare.toml"
    path.write_text('timezone = "UTC"\n[metrics]\nmonthly_support_cost = 31000\n')
    with session_factory.begin() as session:
        done_id = _seed(session)
    with session_factory() as session:
        from bot.actions.service import get_action

        verdict = action_verdict(session, settings=load_settings({}, config_path=str(path)),
                                 action=get_action(session, workspace_id="default", action_id=done_id), today=TODAY)
        assert verdict.before.replace(".", "").isdigit() and "EUR" not in verdict.explanation


def test_action_cards_show_money_with_the_currency(tmp_path, session_factory):
    from bot.actions.service import get_action
    from bot.slack import outcomes

    with session_factory.begin() as session:
        _seed(session)
        fired = trigger("cost-up", COST, TODAY - timedelta(days=1), evidence={"value": 21.0, "expected": 12.0})
        session.add(fired)
        session.flush()
        opened = action(COST, "U0OPS", due_on=TODAY + timedelta(days=7), trigger_id=fired.id, created_at=at(TODAY))
        manual = action(COST, "U0OPS", due_on=TODAY + timedelta(days=7), created_at=at(TODAY), value_at_open=21.0)
        session.add_all([opened, manual])
        session.flush()
        ids = (opened.id, manual.id)
    settings = _settings(tmp_path)
    with session_factory() as session:
        for action_id in ids:
            card = outcomes.card(session, settings=settings, action=get_action(
                session, workspace_id="default", action_id=action_id), today=TODAY)
            assert "21.00 EUR" in card.text + json.dumps(card.blocks), action_id


def test_decision_log_change_carries_the_currency(tmp_path, session_factory):
    from bot.actions.service import decision_log
    from bot.slack.outcomes import verdicts
    from bot.slack.present import log_entries

    with session_factory.begin() as session:
        done_id = _seed(session)
    settings = _settings(tmp_path)
    with session_factory() as session:
        rows = decision_log(session, workspace_id="default")
        judged = verdicts(session, settings=settings, workspace_id="default", actions=[a for a, _ in rows],
                          today=TODAY)
        (entry,) = [e for e in log_entries(rows, verdicts=judged, currency="EUR") if e["id"] == done_id]
    assert entry["change"] == "19.00 EUR → 13.00 EUR"
