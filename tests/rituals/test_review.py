import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import load_settings
from bot.metrics.readings import Reading as Day
from bot.rituals import review
from tests.rituals.factories import seed_review_scenario

TODAY = date(2026, 11, 23)  # a Monday


def settings(tmp_path, extra=""):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n[slack]\nreview_channel = "C0REVIEW"\nalerts_channel = "C0ALERTS"\n'
                    '[[rules]]\nname = "csat-drop"\nmetric = "csat"\nby = "product_area"\n'
                    '[[rules]]\nname = "reopen-spike"\nmetric = "reopen_rate"\n'
                    '[[rules]]\nname = "backlog-high"\nmetric = "backlog"\n' + extra)
    return load_settings({}, config_path=str(path))


def d(day, zone):
    return Day(day, "m", "", "", 1.0, zone, 1.0, 0.0, 10, None, None, {})


WEEK = date(2026, 11, 16)


@pytest.mark.parametrize(("zones", "expected"), [
    ((["healthy", "healthy"], ["healthy"] * 7), None),
    ((["healthy"], ["healthy", "watch", "watch"]), ("watch", 2)),
    ((["healthy"], ["watch", "act_now", "act_now"]), ("act_now", 2)),
    ((["watch"], ["watch", "watch"]), None),  # already in watch before the week
    ((["watch"], ["act_now"]), ("act_now", 1)),  # got worse
    ((["act_now"], ["act_now"]), None),
    (([], ["learning", "insufficient_data"]), None),
])
def test_entered(zones, expected):
    before, this_week = zones
    days = [d(date(2026, 11, 15), z) for z in before][-1:] + [d(date(2026, 11, 16 + i), z) for i, z in enumerate(this_week)]
    assert review.entered(days, WEEK) == expected


def test_order_moved_act_now_first_then_category():
    items = [review.Moved("a", "FRT", "experience", "watch", "", ""),
             review.Moved("b", "Volume", "operational", "act_now", "", ""),
             review.Moved("c", "Cost", "business_impact", "watch", "", ""),
             review.Moved("d", "CSAT", "experience", "act_now", "", "")]
    assert [m.label for m in review.order_moved(items)] == ["CSAT", "Volume", "Cost", "FRT"]


@pytest.mark.parametrize(("scores", "expected"), [
    ([0.1, 0.4, 0.8, 1.2], True),
    ([0.1, 0.4, 0.8, 2.5], False),  # already across: not "slow"
    ([0.1, 0.2, 0.3, 0.5], False),  # rising but far from the band
    ([1.5, 1.2, 1.3, 1.4], True),
    ([1.5, 1.6, 1.3, 1.4], False),
    ([1.2, 1.4], False),
])
def test_slow_trend(scores, expected):
    assert review.slow_trend(scores) is expected


@pytest.mark.parametrize(("fired", "open_days", "expected"), [
    ([], 0, "never fired in 90 days"),
    ([date(2026, 10, 1)] * 6, 20, "fired 6 times in 90 days"),
    ([date(2026, 9, 1)], 60, "open 60 of 90 days"),
    ([date(2026, 9, 1)], 10, None),
])
def test_calibration_problem(fired, open_days, expected):
    assert review.calibration_problem(fired, open_days) == expected


def test_gather_and_render_the_scenario(tmp_path, session_factory):
    with session_factory.begin() as session:
        ids = seed_review_scenario(session, TODAY)
    with session_factory() as session:
        r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48")
    titles = [(m.title, m.zone) for m in r.moved]
    assert titles == [("First response time (median)", "act_now"), ("Customer satisfaction", "watch")]
    csat = next(m for m in r.moved if m.metric == "csat")
    assert csat.concentrated and csat.concentrated.startswith("billing (product area): 61.0 %")
    assert r.actions[0].id == ids["overdue"]
    # due Saturday (typed): due on Monday, the first working day, so not overdue on the Monday of the review
    assert r.actions[0].due_on == date(2026, 11, 21) and not r.actions[0].overdue
    # the segment is named as on the needle and the card
    assert r.actions[0].metric_label == "Customer satisfaction — billing"
    with session_factory() as session:
        tuesday = review.gather(session, settings=settings(tmp_path), today=TODAY + timedelta(days=1),
                                period="2026-W48", with_charts=False)
    assert next(a for a in tuesday.actions if a.id == ids["overdue"]).overdue
    needle = {n.action_id: n for n in r.needle}
    assert needle[ids["done"]].verdict == "improved"
    assert {c.rule for c in r.calibration} == {"backlog-high"}
    assert r.charts and all(c.png.startswith(b"\x89PNG") and c.alt_text for c in r.charts)
    parent, replies = review.render_review(r, channel="C0REVIEW")
    assert "act now" in parent.blocks[1]["text"]["text"]
    moved_buttons = [b["accessory"] for b in replies[0].blocks if "accessory" in b]
    assert moved_buttons and moved_buttons[0]["text"]["text"] == "Log action"
    json.dumps([p.payload() for p in [parent, *replies]])


def _seg(segment, n, value, expected, metric="first_response_time", dimension="account_tier"):
    return Day(TODAY - timedelta(days=1), metric, dimension, segment, value, "act_now", expected, 5.0, n, None, None, {})


@pytest.mark.parametrize(("rows", "segment", "direction", "expected"), [
    # standard accounts hold 90 % of the tickets and about all of the problem: nothing concentrates there
    ([_seg("standard", 90, 6200.0, 3800.0), _seg("enterprise", 10, 4000.0, 3800.0)], "standard", "higher_is_worse",
     False),
    # email holds 30 % of the tickets and most of the problem
    ([_seg("email", 30, 9000.0, 3800.0, dimension="channel"), _seg("chat", 70, 3900.0, 3800.0, dimension="channel")],
     "email", "higher_is_worse", True),
    # lower is worse (CSAT): billing's share of the missing satisfaction against its share of the ratings
    ([_seg("billing", 30, 0.70, 0.87, "csat", "product_area"), _seg("login", 30, 0.90, 0.90, "csat", "product_area")],
     "billing", "lower_is_worse", True),
    ([_seg("billing", 30, 0.80, 0.87, "csat", "product_area"), _seg("login", 30, 0.83, 0.90, "csat", "product_area")],
     "billing", "lower_is_worse", False),  # both alike: not concentrated in either
    ([_seg("billing", 30, 0.70, 0.87, "csat", "product_area")], "billing", "lower_is_worse", True),  # nothing to compare
])
def test_concentrates_only_where_the_problem_outweighs_the_tickets(rows, segment, direction, expected):
    assert (review.concentration(rows, segment, direction) is not None) is expected


def test_counts_concentrate_by_their_extra_tickets():
    rows = [_seg("billing", 0, 120.0, 40.0, "ticket_volume", "product_area"),
            _seg("login", 0, 210.0, 200.0, "ticket_volume", "product_area")]
    assert review.concentration(rows, "billing", "both", count=True) == pytest.approx(80 / 90)  # 36 % of all
    assert review.concentration(rows, "login", "both", count=True) is None


def test_a_sliver_of_the_problem_is_not_a_concentration():
    """One agent of many with twice its share of the delay still holds a small part of it."""
    rows = [_seg("ana", 5, 7000.0, 3800.0, dimension="agent")] + [
        _seg(f"agent{i}", 5, 5400.0, 3800.0, dimension="agent") for i in range(19)]
    assert review.concentration(rows, "ana", "higher_is_worse") is None


def test_the_review_names_no_concentration_in_the_segment_holding_most_tickets(tmp_path, session_factory):
    """First response time worsens everywhere; standard accounts (90 % of the tickets) score worst, but only the
    email channel holds clearly more of the delay than of the tickets, so the item says "Concentrated in email";
    a small agent scoring worse than email holds clearly more than its share too, but less of the delay."""
    from tests.rituals.factories import metric_days

    yesterday = TODAY - timedelta(days=1)
    with session_factory.begin() as session:
        seed_review_scenario(session, TODAY)
        for segment, n, value, spread, dimension in (("standard", 90, 6200.0, 100.0, "account_tier"),
                                                     ("enterprise", 10, 4000.0, 600.0, "account_tier"),
                                                     ("email", 30, 9000.0, 600.0, "channel"),
                                                     ("chat", 70, 3900.0, 600.0, "channel"),
                                                     ("U0SLOW", 8, 12000.0, 300.0, "agent"),
                                                     ("U0FAST", 92, 3900.0, 600.0, "agent")):
            session.add_all(metric_days("first_response_time", yesterday, [value], expected=3800.0, spread=spread,
                                        denominator=n, dimension=dimension, segment=segment))
    with session_factory() as session:
        r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48", with_charts=False)
    frt = next(m for m in r.moved if m.metric == "first_response_time")
    assert frt.concentrated_in is not None and frt.concentrated_in.segment == "email channel"
    assert "standard" not in (frt.concentrated or "")


def test_log_action_buttons_carry_the_one_button_value(tmp_path, session_factory):
    """The review's "Log action" carries what the alert's does (action_ids.log_action_value), so the form opens alike."""
    from bot.rituals.action_ids import log_action_value

    with session_factory.begin() as session:
        seed_review_scenario(session, TODAY)
    with session_factory() as session:
        r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48", with_charts=False)
    assert r.moved
    for m in r.moved:
        assert m.button_value == log_action_value(m.metric, m.dimension or "", m.segment or "", m.trigger_id)
        assert json.loads(m.button_value)["metric"] == m.metric


def test_a_redrawn_review_keeps_what_clicks_left(tmp_path, session_factory):
    """Re-posting the review redraws "What we did" from the database: an item someone carried or closed keeps
    its "… by @x · day" line (from the action log, as the click drew it), not the template's plain status."""
    from bot.actions.clicks import click
    from bot.rituals import action_ids

    with session_factory.begin() as session:
        ids = seed_review_scenario(session, TODAY)
    with session_factory.begin() as session:
        click(session, workspace_id="default", action_id=ids["overdue"], verb="carry", actor="U0LEAD",
              is_admin=False, today=TODAY)
        click(session, workspace_id="default", action_id=ids["later"], verb="close", actor="U0ADMIN",
              is_admin=True, today=TODAY)
        _stamp(session, TODAY)
    did = _did(tmp_path, session_factory)
    blocks = {b.get("block_id"): b for b in did.blocks}
    carried = blocks[f"{action_ids.ACTION_STATE}{ids['overdue']}"]["elements"][0]["text"]
    assert carried.startswith(":arrow_right: Carried to next week by <@U0LEAD> · ") and "now due" in carried
    # the row keeps what a carry leaves: Done and Close
    assert [e["action_id"] for e in blocks[f"{action_ids.ACTION_ROW}{ids['overdue']}"]["elements"]] == [
        action_ids.ACTION_DONE, action_ids.ACTION_CLOSE]
    closed = blocks[f"{action_ids.ACTION_STATE}{ids['later']}"]["elements"][0]["text"]
    assert closed.startswith(":heavy_multiplication_x: Closed by <@U0ADMIN> · ")
    assert f"{action_ids.ACTION_ROW}{ids['later']}" not in blocks and "Closed this week" not in did.payload().__repr__()


def _stamp(session, day):
    """The clicks' history events as made at 09:00 UTC on `day` (the action log stamps the real clock)."""
    from sqlalchemy import update

    from bot.storage.models import ActionEvent

    session.execute(update(ActionEvent).values(at=datetime.combine(day, datetime.min.time(), UTC).replace(hour=9)))


def _did(tmp_path, session_factory):
    with session_factory() as session:
        r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48", with_charts=False)
    return next(m for m in review.render_review(r, channel="C0REVIEW")[1] if m.text.startswith("2. What we did"))


def test_an_action_carried_last_week_can_be_carried_again(tmp_path, session_factory):
    from bot.actions.clicks import click
    from bot.rituals import action_ids

    with session_factory.begin() as session:
        ids = seed_review_scenario(session, TODAY)
    with session_factory.begin() as session:
        click(session, workspace_id="default", action_id=ids["overdue"], verb="carry", actor="U0LEAD",
              is_admin=False, today=TODAY - timedelta(days=7))
        _stamp(session, TODAY - timedelta(days=7))
    blocks = {b.get("block_id"): b for b in _did(tmp_path, session_factory).blocks}
    assert "Carried to next week by <@U0LEAD> · Mon 16 Nov" in blocks[
        f"{action_ids.ACTION_STATE}{ids['overdue']}"]["elements"][0]["text"]
    assert [e["action_id"] for e in blocks[f"{action_ids.ACTION_ROW}{ids['overdue']}"]["elements"]] == [
        action_ids.ACTION_DONE, action_ids.ACTION_CARRY, action_ids.ACTION_CLOSE]


def test_closing_nudge(session_factory):
    from tests.rituals.factories import action

    review_at = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    with session_factory() as session:
        assert review.closing_nudge(session, workspace_id="default", review_at=review_at, period="2026-W48")
    with session_factory.begin() as session:
        session.add(action("csat", "U0LEAD", due_on=date(2026, 11, 30), created_at=datetime(2026, 11, 23, 9, tzinfo=UTC)))
    with session_factory() as session:
        assert review.closing_nudge(session, workspace_id="default", review_at=review_at, period="2026-W48") is None


def test_review_card_and_log_show_the_same_verdict(tmp_path, session_factory):
    from bot.actions.service import decision_log
    from bot.slack.outcomes import verdicts
    from bot.slack.present import action_row, log_entries

    with session_factory.begin() as session:
        ids = seed_review_scenario(session, TODAY)
    cfg = settings(tmp_path)
    with session_factory() as session:
        needle = {n.action_id: n for n in review.gather(session, settings=cfg, today=TODAY, period="p").needle}
        rows = decision_log(session, workspace_id="default")
        judged = verdicts(session, settings=cfg, workspace_id="default", actions=[a for a, _ in rows], today=TODAY,
                          triggers={t.id: t for _, t in rows if t is not None})  # as /metrics log does
        entries = {e["id"]: e for e in log_entries(rows, verdicts=judged)}
        done = next(a for a, _ in rows if a.id == ids["done"])
        card = action_row(done, verdict=verdicts(session, settings=cfg, workspace_id="default", actions=[done],
                                                 today=TODAY)[done.id])  # as the card does
    n = needle[ids["done"]]
    assert n.verdict == "improved"
    assert entries[ids["done"]]["verdict"] == card["verdict"] == n.verdict_label
    assert entries[ids["done"]]["verdict_text"] == card["verdict_text"] == n.explanation
    assert entries[ids["overdue"]]["verdict"] is None  # not done: no verdict anywhere


def test_quarterly_review_counts_the_same_verdicts(tmp_path, session_factory):
    from bot.rituals import quarterly

    with session_factory.begin() as session:
        seed_review_scenario(session, TODAY)  # the reopen-spike trigger and its done action are in 2026-Q4
    with session_factory() as session:
        q = quarterly.gather(session, settings=settings(tmp_path), today=date(2027, 1, 4))
    lines = {line.rule: line for line in q.rules}
    assert lines["reopen-spike"].outcomes == (("improved", 1),)
    assert lines["csat-drop"].outcomes == ()  # its action is still open
    text = quarterly.render_review(q).blocks[2]["text"]["text"]
    assert "done: 1 improved" in text


def test_leadership_summary_counts_the_same_verdicts(tmp_path, session_factory):
    from bot.rituals import leadership

    with session_factory.begin() as session:
        seed_review_scenario(session, TODAY)  # the reopen-spike action was done on Sun 25 Oct
    cfg = settings(tmp_path, '\n[rituals.leadership]\nchannel = "C0LEADERS"\n')
    with session_factory() as session:
        summary = leadership.gather(session, settings=cfg, today=date(2026, 11, 2))
        # on 2 Nov the pooled week after completion is not over yet: the engine says so, as the review would
        assert summary.month == "2026-10" and summary.outcomes == (("too early to tell", 1),)
        later = leadership.gather(session, settings=cfg, today=date(2026, 11, 20))
    assert later.month == "2026-10" and later.outcomes == (("improved", 1),)
    assert "1 improved" in json.dumps(leadership.render_summary(later).payload())
