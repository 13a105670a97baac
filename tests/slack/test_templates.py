"""Golden files for every Slack template, and hostile text rendered inert in all of them."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.actions.mutes import MuteLine
from bot.blocks import Message, Safe, render
from tests.golden import GOLDEN, assert_golden
from bot.metrics.catalogue import CATALOGUE
from bot.slack.outcomes import render_card
from bot.slack.present import help_message, render_view
from bot.slack.replies import confirmation, failure, sentence
from bot.slack.syntax import USAGE, said
from bot.slack.readings import AgentFigures, MetricDetail, Reading, ScorecardView

EVIL = "<!channel> & <@U0EVIL> <https://evil.example|click>"


def reading(metric="first_response_time", zone="act_now", explanation="2.0 h vs 40 min expected", **kw) -> Reading:
    return Reading(metric=metric, label=CATALOGUE[metric].label, zone=zone, value=kw.pop("value", "2.0 h"),
                   expected=kw.pop("expected", "40 min"), explanation=explanation, n=310,
                   window=kw.pop("window", "Thu 19 Nov"), words=kw.pop("words", "far above its usual range"), **kw)


def action(**overrides) -> dict:
    base = {"id": 7, "metric": "csat", "metric_label": "Customer satisfaction", "segment": "product_area=billing",
            "description": "Rewrite the refund macro", "owner": "U0OWNER", "created_by": "U0LEAD",
            "due": date(2026, 11, 27), "status": "open", "status_label": "open", "overdue": False, "outcome": None,
            "verdict": None, "verdict_label": None, "verdict_text": None, "value_at_open": "81.0 %",
            "value_at_followup": None, "segment_words": Safe("billing (product area)"),
            "opened_reading": None, "opened_on": "Mon 16 Nov"}
    base.update(overrides)
    title, _, steps = base["description"].partition("\n")  # as present.action_row splits it
    base.setdefault("title", title)
    base.setdefault("steps", steps)
    return base


VERDICT = {"verdict": "improved", "verdict_label": "improved", "verdict_text": Safe(
    "back to 88.0 % within 3 days of completion; Customer satisfaction for billing usually takes 12 days to "
    "recover by itself (by now it would typically still be about 84.0 %)")}

SCORECARD = ScorecardView(date(2026, 11, 19), (
    reading(), reading("csat", "watch", "81 % satisfied vs 90 % expected", value="81.0 %", expected="90.0 %",
                       window="7 days to Thu 19 Nov", words="below its usual range", pooled=True),
    reading("ticket_volume", "healthy", "", value="310 tickets", expected="300 tickets"),
))
DETAIL = MetricDetail(
    metric="first_response_time", label="First response time", definition=CATALOGUE["first_response_time"].definition,
    days=7, by="channel", latest=reading(), first_day=date(2026, 11, 13), last_day=date(2026, 11, 19),
    sparkline="▁▁▂▁▂▃█", low="40 min", high="2.0 h", start_value="41 min", end_value="2.0 h",
    segments=(reading(dimension="channel", segment="email", value="2.5 h"),
              reading(zone="healthy", dimension="channel", segment="chat", value="10 min", explanation="")),
    more_segments=2, annotations=((date(2026, 11, 18), "release", "v2.3"),),
)


MUTE = MuteLine(3, f"Customer satisfaction — billing {EVIL} (product area)", datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc),
                f"billing outage {EVIL}", "U0LEAD", False, "csat product_area=billing")


def STATE(kind: str, actor: str = "U0OWNER") -> Message:  # noqa: N802 - a fixture that reads like the others
    """The line a click leaves under an action (bot.rituals.states.state_message renders the same)."""
    from bot.slack.present import IDS

    return render("slack_action_state", s={"action_id": 7, "kind": kind, "actor": actor, "on": "Fri 27 Nov",
                                           "due": "Fri 4 Dec", "until": ""}, ids=IDS, part="block")


def scorecard_message(card=SCORECARD) -> Message:
    from bot.slack.commands import render_scorecard

    return render_scorecard(card)


CASES = {
    "slack_error": lambda: render("slack_error", problem="unknown metric 'frtt'. Use: `/metrics <metric>`").payload(),
    "slack_confirm": lambda: render("slack_confirm", summary="Logged action #7 for Customer satisfaction.").payload(),
    # The short replies (bot.slack.replies): a confirmation with the user's text, a failure, a bare sentence.
    "slack_reply": lambda: confirmation("done", id=7, outcome=f"Refunds faster {EVIL}").payload(),
    "slack_reply_failure": lambda: failure("no_chart_days", metric="Customer satisfaction").payload(),
    "slack_reply_sentence": lambda: {"text": sentence("add_missing", usage="/metrics action add <metric> & more")},
    # What is wrong with a /metrics command (bot.slack.syntax.said): bare text, escaped by slack_error.
    "slack_usage": lambda: {"text": said("use", problem=said("unknown_window", word=repr("14d")), usage=USAGE["metric"])},
    "slack_help": lambda: help_message().payload(),
    "slack_scorecard": lambda: scorecard_message().payload(),
    "slack_scorecard_empty": lambda: scorecard_message(ScorecardView(None, ())).payload(),
    "slack_metric": lambda: render("slack_metric", d=DETAIL).payload(),
    # No data yet (a new workspace): this case once rendered invalid JSON (a missing comma).
    "slack_metric_no_data": lambda: render("slack_metric", d=MetricDetail(
        metric="deflection_rate", label="Deflection rate", definition=CATALOGUE["deflection_rate"].definition, days=30,
        by=None, latest=None, first_day=None, last_day=None, sparkline="", low="", high="", start_value="",
        end_value="")).payload(),
    "slack_action_card": lambda: render_card(action(
        status="done", status_label="done", outcome="Refunds faster", value_at_followup="88.0 %", **VERDICT),
        state=STATE("done").blocks[0]).payload(),
    "slack_action_card_open": lambda: render_card(action()).payload(),
    "slack_action_state": lambda: STATE("carried").payload(),
    "slack_actions": lambda: render("slack_actions", title="Open actions", actions=[action(), action(
        id=8, segment="", segment_words="", overdue=True, due=date(2026, 11, 18))], more=3).payload(),
    "slack_log": lambda: render("slack_log", metric_label="Customer satisfaction", entries=[
        {**action(outcome="Refunds faster", **VERDICT), "opened": date(2026, 11, 2),
         "trigger": "Customer satisfaction — billing (product area) act now on Wed 18 Nov", "change": "81.0 % → 88.0 %"},
        {**action(id=8), "opened": date(2026, 11, 9), "trigger": None, "change": None}]).payload(),
    "slack_add_action_modal": lambda: render_view(
        "slack_add_action_modal", metric_labels={k: m.label for k, m in CATALOGUE.items()}, private_metadata="C0SUPPORT",
        metric="csat", owner="U0OWNER", due=date(2026, 11, 27), description=None, segment="product_area=billing"),
    "slack_outcome_modal": lambda: render_view("slack_outcome_modal", a=action(), private_metadata="7"),
    "slack_update_modal": lambda: render_view("slack_update_modal", a=action(), private_metadata="7"),
    "slack_home": lambda: render_view(
        "slack_home", actions=[action(), action(id=8, overdue=True)], more_actions=0, card=SCORECARD,
        urgent=SCORECARD.in_zone("act_now", "watch"), review_at=datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc),
        me=AgentFigures(4, "50.0 %", "75.0 %"), team=AgentFigures(10, "60.0 %", "70.0 %"), me_days=30),
    "slack_home_empty": lambda: render_view(
        "slack_home", actions=[], more_actions=0, card=ScorecardView(None, ()), urgent=[], review_at=None, me=None,
        team=None, me_days=30),
    "slack_muted": lambda: render("slack_muted", lines=[MUTE], unmuted=False, extended=False, by="U0LEAD").payload(),
    "slack_unmuted": lambda: render("slack_muted", lines=[MUTE], unmuted=True, extended=False, by=None).payload(),
    "slack_mutes": lambda: render("slack_mutes", mutes=[MUTE, MuteLine(
        4, "First response time (rule frt-spike)", datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc), None,
        "U0OWNER", False, "frt-spike")]).payload(),
    "slack_mutes_empty": lambda: render("slack_mutes", mutes=[]).payload(),
    "slack_mute_state": lambda: render("slack_mute_state", m=MUTE, block_id="muted:alert:12").payload(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    assert_golden(name, CASES[name]())


def test_every_slack_template_has_a_golden_case():
    templates = {p.name.removesuffix(".json.j2") for p in (GOLDEN.parent.parent / "templates").glob("slack_*.json.j2")}
    assert templates <= set(CASES), f"templates without a golden test: {templates - set(CASES)}"


def _mrkdwn_texts(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node["text"])
        for value in node.values():
            found += _mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _mrkdwn_texts(value)
    return found


def test_hostile_text_is_inert_everywhere():
    evil_card = ScorecardView(date(2026, 11, 19), (reading(explanation=EVIL),))
    evil_detail = MetricDetail(**{**DETAIL.__dict__, "segments": (reading(dimension="channel", segment=EVIL),),
                                  "annotations": ((date(2026, 11, 18), "release", EVIL),)})
    payloads = [
        scorecard_message(evil_card).payload(),
        render("slack_metric", d=evil_detail).payload(),
        render_card(action(description=EVIL, outcome=EVIL, owner=EVIL), state=STATE("done", actor=EVIL).blocks[0]).payload(),
        render("slack_actions", title=EVIL, actions=[action(description=EVIL)], more=0).payload(),
        render("slack_error", problem=EVIL).payload(),
        confirmation("marked", day="Wed 18 Nov", kind="release", label=EVIL).payload(),
        render_view("slack_outcome_modal", a=action(description=EVIL), private_metadata="7"),
        render_view("slack_home", actions=[action(description=EVIL, segment=EVIL)], more_actions=0, card=evil_card,
                    urgent=evil_card.readings, review_at=None, me=None, team=None, me_days=30),
    ]
    for payload in payloads:
        for text in _mrkdwn_texts(payload):
            assert "<!channel>" not in text and "<@U0EVIL>" not in text and "<https://evil" not in text, text


def test_long_escaped_text_never_breaks_a_view_or_card():
    # A 1,999-character description (the most /metrics accepts) of '<' is 7,996 characters once escaped.
    big = action(description="<" * 1999, segment="organization=" + "N" * 254)
    rendered = [
        render_card(big).payload(),
        render("slack_actions", title="Open actions", actions=[big] * 10, more=0).payload(),
        render_view("slack_home", actions=[big] * 10, more_actions=0, card=SCORECARD,
                    urgent=SCORECARD.in_zone("act_now", "watch"), review_at=None, me=None, team=None, me_days=30),
        render_view("slack_outcome_modal", a=big, private_metadata="7"),
        render_view("slack_update_modal", a=big, private_metadata="7"),
    ]
    for payload in rendered:
        texts = _mrkdwn_texts(payload)
        assert all(len(text) <= 3000 for text in texts)
        assert any("&lt;&lt;" in text and "…" in text for text in texts)
        assert all("<<" not in text for text in texts)


def test_oversized_hostile_text_everywhere_renders_within_limits():
    from bot.blocks import validate

    big = "<&>" * 900  # 2,700 characters, 10,800 once escaped
    card = ScorecardView(date(2026, 11, 19), tuple(reading(explanation=big, segment=big) for _ in range(16)))
    detail = MetricDetail(**{**DETAIL.__dict__, "segments": tuple(reading(dimension="channel", segment=big) for _ in range(60)),
                             "annotations": tuple((date(2026, 11, 18), "release", big) for _ in range(20))})
    entry = {**action(description=big, outcome=big, outcome_class="improved"), "opened": date(2026, 11, 2),
             "trigger": big, "change": big}
    messages = [
        scorecard_message(card), render("slack_metric", d=detail),
        render("slack_log", metric_label=big, entries=[entry] * 30),
        render("slack_actions", title=big, actions=[action(description=big, segment=big)] * 60, more=0),
        render("slack_error", problem=big * 5),
    ]
    for message in messages:
        validate(message)
        texts = _mrkdwn_texts(message.payload())
        assert all("<&>" not in text for text in texts)
        assert any("&lt;&amp;&gt;" in text for text in texts)


def test_the_trend_line_says_its_values_are_day_by_day():
    """The headline may cover 7 days (a rate); the trend line's values are each one day, and it says so."""
    import json

    text = json.dumps(render("slack_metric", d=DETAIL).payload(), ensure_ascii=False)
    assert "Day by day, Fri 13 Nov to Thu 19 Nov: 41 min → 2.0 h" in text
