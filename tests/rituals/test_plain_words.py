"""Issue 12, items 2 and 3, across every ritual: each is rendered through its real code path from stored
data, and reads in plain words (windows named in words, statistics only in the "Why?" line,
`tests.golden.assert_plain_words`). For one trigger, the alert, the owner's DM, the review and the action
card show the same figure over the same days and segment; the review's "now" is what /metrics shows."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.blocks import render
from bot.config import load_settings
from bot.rituals import alerts, leadership, reminders, review
from bot.storage.models import Action, TriggerRow
from tests.golden import assert_plain_words, plain_words_problems
from tests.rituals.factories import metric_days, seed_review_scenario, trigger

TODAY = date(2026, 11, 23)  # a Monday: the review covers Mon 16 Nov to Sun 22 Nov
STATS = ("Customer satisfaction for product area billing was 61.0 % over the 7 days to 2026-11-18, below the "
         "usual 87.0 % for a Wed by 4.2 robust deviations (watch from 79.0 %, act now from 73.0 %; n=212).")


def settings(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text(
        'timezone = "Europe/Berlin"\n[slack]\nreview_channel = "C0REVIEW"\nalerts_channel = "C0ALERTS"\n'
        '[[rules]]\nname = "csat-drop"\nmetric = "csat"\nby = "product_area"\nplaybook = "csat-recovery"\n'
        '[[rules]]\nname = "reopen-spike"\nmetric = "reopen_rate"\n'
        '[playbooks.csat-recovery]\nowner = "U0LEAD"\ntitle = "Win back unhappy customers"\n'
        'steps = ["Read the last 20 unsatisfied tickets", "Agree one fix"]\n')
    return load_settings({}, config_path=str(path))


@pytest.fixture
def scenario(session_factory):
    """The review scenario, with the billing trigger's evidence as the rollup stores it (a pooled rate, a
    weekday-aware baseline, the statistics sentence) and a high-value-accounts series."""
    with session_factory.begin() as session:
        ids = seed_review_scenario(session, TODAY)
        trig = session.get(TriggerRow, ids["billing_trigger"])
        trig.evidence = {"value": 0.61, "expected": 0.87, "zone": "act_now", "window_days": 7, "same_weekday": True,
                         "score": -4.2, "n": 212, "explanation": STATS, "since": "2026-11-17"}
        action = session.get(Action, ids["overdue"])
        action.description = "Win back unhappy customers\n1. Read the last 20 unsatisfied tickets\n2. Agree one fix"
        start = TODAY - timedelta(days=84)
        session.add_all(metric_days("csat", start, [0.9] * 80 + [0.7] * 4, expected=0.9, spread=0.03, direction=-1,
                                    denominator=40, dimension="account_tier", segment="high_value"))
    return ids


def _review(session_factory, tmp_path):
    with session_factory() as session:
        return review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48", with_charts=False)


def test_every_ritual_reads_in_plain_words(session_factory, tmp_path, scenario):
    from bot.slack.commands import render_scorecard
    from bot.slack.outcomes import render_card
    from bot.slack.present import action_row, render_view
    from bot.slack.readings import metric_detail, scorecard

    cfg = settings(tmp_path)
    r = _review(session_factory, tmp_path)
    parent, replies = review.render_review(r, channel="C0REVIEW")
    moved, (did, needle, *green) = replies[0], replies[max(1, len(r.moved)):]  # one message per moved item
    with session_factory() as session:
        (group,) = alerts.pending_alerts(session, settings=cfg)
        card = scorecard(session, workspace_id="default")
        detail = metric_detail(session, workspace_id="default", metric="csat", days=30, by="product_area")
        row = action_row(session.get(Action, scenario["overdue"]), today=TODAY)
    (item,) = group.items
    recovered = alerts.AlertItem(*[getattr(item, f) for f in alerts.AlertItem.__slots__[:10]], date(2026, 11, 22),
                                 *[getattr(item, f) for f in alerts.AlertItem.__slots__[11:]])
    urgent = card.in_zone("act_now", "watch")
    rendered = {
        "review": parent, "review moved": moved, "alert": alerts.render_group(group),
        "alert DM": alerts.render_dm("U0LEAD", list(group.items), group.channel),
        "recovered": alerts.render_recovered([recovered]), "action card": render_card(row),
        "scorecard": render_scorecard(card), "metric": render("slack_metric", d=detail),
        "home": render_view("slack_home", actions=[row], more_actions=0, card=card, urgent=urgent, review_at=None,
                            me=None, team=None, me_days=30),
        "leadership": leadership.render_summary(leadership.Summary("C0LEADERS", "2026-10", (
            leadership.Kpi("CSAT", "86 %", "88 %", "worse"),), ("Customer satisfaction in billing: read tickets",), 680)),
        "spike": _spike(),
    }
    # No figure of their own (actions with due dates, verdict sentences, calibration prompts): statistics only.
    unwindowed = {"review did": did, "review needle": needle, "reminder": _reminder(),
                  **{f"review green {i}": m for i, m in enumerate(green)}}
    problems = {name: p for name, m in rendered.items() if (p := plain_words_problems(m))}
    problems |= {name: p for name, m in unwindowed.items() if (p := plain_words_problems(m, window=False))}
    assert problems == {}
    # the statistics are still there, in the Why? line
    assert any(STATS in e["text"] for b in rendered["alert"].blocks if b["type"] == "context" for e in b["elements"])


def _reminder():
    return reminders.render_reminder(reminders.OwnerReminder("U0LEAD", "Europe/Berlin", TODAY, (
        reminders.Item(12, "Win back unhappy customers\n1. Read the last 20 unsatisfied tickets", "Customer satisfaction",
                       date(2026, 11, 21), "overdue", 2),)))


def _spike():
    from bot.metrics.spikes import Spike
    from bot.rituals import spikes

    end = datetime(2026, 11, 24, 14, 40, tzinfo=UTC)
    spike = Spike("product_area", "billing", end - timedelta(hours=1), end, 25, 3.5, 1.9, 11.3, "act_now",
                  (4, 3, 4, 3, 4, 3, 4, 3), "Tickets in billing: 25 on Tuesday 14:40–15:40, against a usual 3.5 "
                  "(11.3 robust deviations).")
    return spikes.render_alert(spikes.SpikeAlert("C0ALERTS", "2026-11-24T15", (spike,)))


def test_one_trigger_one_figure_in_alert_dm_review_and_card(session_factory, tmp_path, scenario):
    from bot.slack.outcomes import render_card
    from bot.slack.present import action_row

    cfg = settings(tmp_path)
    with session_factory() as session:
        (group,) = alerts.pending_alerts(session, settings=cfg)
        row = action_row(session.get(Action, scenario["overdue"]), today=TODAY)
    (item,) = group.items
    assert (item.value, item.window, item.segment) == ("61.0 %", "7 days to Wed 18 Nov", "billing (product area)")
    assert item.words == "far below its usual range for a Wednesday"
    figure = re.compile(r"\*?61\.0 %\*? \(7 days to Wed 18 Nov\), far below its usual range for a Wednesday")
    card = json.dumps(render_card(row).payload())
    assert figure.search(json.dumps(alerts.render_group(group).payload())) and "billing (product area)" in card
    assert figure.search(json.dumps(alerts.render_dm("U0LEAD", [item], group.channel).payload()))
    assert figure.search(card) and "*Win back unhappy customers*\\n1. Read the last 20" in card
    csat = next(m for m in _review(session_factory, tmp_path).moved if m.metric == "csat")
    # the overall CSAT item concentrates in the segment the rule fired on, with the alert's figure and window
    assert (csat.concentrated_in.segment, csat.concentrated_in.value, csat.concentrated_in.window) == (
        item.segment, item.value, item.window)


def test_the_reviews_now_is_what_metrics_shows(session_factory, tmp_path, scenario):
    from bot.slack.readings import scorecard

    r = _review(session_factory, tmp_path)
    with session_factory() as session:
        card = scorecard(session, workspace_id="default")
    assert r.as_of == card.as_of == TODAY - timedelta(days=1)
    assert (r.counts["act_now"], r.counts["watch"]) == (card.counts["act_now"], card.counts["watch"])
    zones = {reading.metric: reading for reading in card.readings}
    for m in r.moved:
        if not m.dimension:
            assert (m.now.zone, m.now.value) == (zones[m.metric].zone, zones[m.metric].value)
            assert m.now.window == "yesterday"


def test_a_past_zone_reads_as_past(session_factory, tmp_path):
    """Act now on Wednesday, healthy again by Sunday: 'was act now on Wed 18 Nov, healthy now'."""
    start = TODAY - timedelta(days=84)
    values = [300.0] * 78 + [300.0, 500.0, 300.0, 300.0, 300.0, 300.0]  # the spike on Wed 18 Nov
    with session_factory.begin() as session:
        session.add_all(metric_days("ticket_volume", start, values, expected=300.0, spread=20.0))
    r = _review(session_factory, tmp_path)
    (m,) = r.moved
    assert (m.zone, m.is_past, m.was_on, m.now_label) == ("act_now", True, "on Wed 18 Nov", "healthy")
    _, (moved, *_rest) = review.render_review(r, channel="C0REVIEW")
    assert "was act now on Wed 18 Nov, healthy now" in moved.blocks[1]["text"]["text"]
    assert_plain_words(moved)


def test_segments_are_said_as_people_say_them():
    from bot.rituals import words

    assert words.segment("account_tier", "high_value") == "high-value accounts"
    assert words.segment("product_area", "billing") == "billing (product area)"
    assert words.segment("channel", "chat") == "chat channel"
    assert words.segment("group", "Billing & <refunds>") == "Billing &amp; &lt;refunds&gt; (group)"
    assert words.segment("", "") == ""


@pytest.mark.parametrize(("text", "problem"), [
    ("CSAT 61 % (n=212)", "sample size"),
    ("by 43.5 robust deviations", "robust deviations"),
    ("EWMA of the score 1.1", "EWMA"),
    ("Weekly support review · 2026-W48", "ISO week"),
    ("high_value (account tier)", "snake_case"),
    ("Decorative?", "Decorative?"),
])
def test_the_checker_catches_statistics_outside_the_why_line(text, problem):
    message = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text + " yesterday"}}]}
    assert any(problem in p for p in plain_words_problems(message))
    why = {"text": "x yesterday", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "Why? " + text}]}]}
    assert plain_words_problems(why) == []


def test_a_verdict_too_early_to_tell_names_its_day_in_words():
    from bot.metrics.verdicts import Verdict
    from bot.rituals.verdict import explain

    fields = {f: None for f in Verdict.__dataclass_fields__}
    fields.update(label="too_early", reason="window", after=(date(2026, 11, 24), date(2026, 11, 30)), days_left=3,
                  problem_days=5, after_days=2)
    text = explain(Verdict(**fields), unit="share", subject="Customer satisfaction")
    assert text.endswith("in 3 days (Mon 30 Nov)") and not plain_words_problems(
        {"text": text, "blocks": []}, window=False)


@pytest.mark.parametrize("name", [
    "ritual_review", "ritual_review_moved", "ritual_review_did", "ritual_review_needle", "ritual_review_green",
    "ritual_review_nudge", "ritual_alert", "ritual_alert_dm", "ritual_alert_recovered", "ritual_reminder",
    "slack_action_card", "slack_action_card_open", "slack_actions", "slack_log", "slack_scorecard", "slack_metric",
    "slack_home", "ritual_leadership", "ritual_spike", "ritual_digest", "ritual_digest_detail", "ritual_quarterly",
    "ritual_accounts", "ritual_review_muted", "ritual_review_outcome", "slack_muted", "slack_mutes",
    "slack_action_state",
])
def test_the_goldens_hold_no_statistics_outside_the_why_line(name):
    """The golden files of these rituals (their fixtures' own words included) pass the same check."""
    from tests.golden import GOLDEN

    assert plain_words_problems(json.loads((GOLDEN / f"{name}.json").read_text()), window=False) == []
