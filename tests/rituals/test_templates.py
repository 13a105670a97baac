"""Golden files for every ritual template (SIGNALROOM_UPDATE_GOLDEN=1 rewrites them)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.blocks import render, validate
from tests.golden import assert_golden, assert_plain_words
from bot.rituals import (
    accounts,
    action_ids,
    alerts,
    digests,
    leadership,
    quarterly,
    reminders,
    review,
)



def _said(value, expected, window, zone, plain, why="", segment=""):
    from bot.blocks import Safe
    from bot.rituals.words import Said

    return Said(value, expected, window, Safe(plain), why, zone, Safe(segment))


REVIEW = review.WeeklyReview(
    period="2026-W48", week_start=date(2026, 11, 16), week_end=date(2026, 11, 22), as_of=date(2026, 11, 22),
    moved=(
        review.Moved("first_response_time", "First response time (median)", "experience", "act_now", "1.7 h", "1.1 h",
                     concentrated="chat channel: 2.4 h against 1.0 h usual", days_in_zone=3,
                     button_value='{"metric": "first_response_time"}',
                     now=_said("1.2 h", "1.1 h", "yesterday", "healthy", "within its usual range for a Sunday",
                               "First response time (median) was 1.2 h on Sun 2026-11-22, within the usual range "
                               "around 1.1 h for a Sun (watch from 1.6 h)."),
                     was_on="on Tue 17 Nov",
                     concentrated_in=_said("2.4 h", "1.0 h", "Thu 19 Nov", "act_now", "far above its usual range",
                                           segment="chat channel")),
        review.Moved("csat", "Customer satisfaction", "experience", "watch", "83 %", "88 %", dimension="product_area",
                     segment="billing <new page>", days_in_zone=1, trigger_id=7,
                     button_value='{"metric": "csat", "trigger_id": 7}',
                     now=_said("83.0 %", "88.0 %", "7 days to Sun 22 Nov", "watch", "below its usual range",
                               "Customer satisfaction was 83.0 % over the 7 days to 2026-11-22 (n=212)."),
                     alert=_said("81.0 %", "88.0 %", "7 days to Fri 20 Nov", "watch", "below its usual range"),
                     alert_day="Fri 20 Nov"),
    ),
    actions=(
        review.ActionLine(12, "Call back unhappy billing customers & log causes", "U0LEAD", date(2026, 11, 21), "open",
                          True, "Customer satisfaction", "12"),
        review.ActionLine(14, "Move two agents to chat", "ops@example.com", date(2026, 11, 24), "open", False,
                          "First response time (median)", "14"),
        review.ActionLine(9, "Rewrite macro", "U0OPS", date(2026, 11, 18), "done", False, "Reopen rate", "9"),
    ),
    needle=(review.Needle(9, "Rewrite macro", "U0OPS", "Reopen rate", "20 %", "8 %", "improved", "improved",
                          "back to 8.0 % within 3 days of completion; Reopen rate usually takes 9 days to recover "
                          "by itself (by now it would typically still be about 16.0 %)"),
            review.Needle(5, "New FAQ", "U0OPS", "Ticket volume", "310", "305", "recovered_as_usual",
                          "recovered as usual", "back to 305 tickets (usual 300 tickets), about as it comes back "
                          "without help; Ticket volume usually takes 2 days to recover by itself")),
    trends=(review.SlowTrend("Backlog", "412", "380", 8, "yesterday"),),
    calibration=(review.Calibration("backlog-high", "Backlog", "never fired in 90 days"),),
    now_counts={"act_now": 1, "watch": 3, "healthy": 10, "learning": 0, "insufficient_data": 1},
)

GREEN = review.WeeklyReview("2026-W49", date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 29), (), (), (), (), ())


def test_weekly_review_goldens():
    parent, replies = review.render_review(REVIEW, channel="C0REVIEW")
    assert_golden("ritual_review", parent, sort_keys=False)
    # "1. What moved" goes out one item per message (each item's chart right after it): the same blocks
    moved, rest = replies[:len(REVIEW.moved)], replies[len(REVIEW.moved):]
    whole = render("ritual_review_moved", r=REVIEW, ids=action_ids, channel="C0REVIEW", cat=review.CATEGORY_LABEL)
    assert_golden("ritual_review_moved", whole, sort_keys=False)
    assert [b for m in moved for b in m.blocks] == whole.blocks
    assert moved[0].text == "1. What moved (2)" and moved[1].text.startswith("1. What moved: Customer satisfaction")
    for name, message in zip(("did", "needle", "green"), rest, strict=True):
        assert_golden(f"ritual_review_{name}", message, sort_keys=False)
    assert_golden("ritual_review_nudge", review.render_nudge(review.Nudge("2026-W48", 0)), sort_keys=False)
    # the circle follows today's zone, as /metrics marks it; the week's worst zone is in the words
    assert whole.blocks[1]["text"]["text"].startswith(
        ":large_green_circle: *First response time (median)* · was act now on Tue 17 Nov, healthy now")
    assert whole.blocks[3]["text"]["text"].startswith(":large_yellow_circle: *Customer satisfaction")
    # user text is escaped, never markup
    assert "billing &lt;new page&gt;" in whole.blocks[3]["text"]["text"]
    assert "&amp; log causes" in rest[0].blocks[1]["text"]["text"]


def test_review_header_says_week_of_only_for_a_monday_to_sunday_week():
    """'Week of 16 Nov' means Monday to Sunday everywhere (the digest's week); a review on a Friday covers
    Fri 20 to Thu 26 Nov and says '7 days to Thu 26 Nov'."""
    from dataclasses import replace

    monday = review.render_review(REVIEW, channel="C0REVIEW")[0]
    assert monday.blocks[0]["text"]["text"] == "Weekly support review · week of 16 Nov"
    friday = review.render_review(replace(REVIEW, week_start=date(2026, 11, 20), week_end=date(2026, 11, 26),
                                          as_of=date(2026, 11, 26)), channel="C0REVIEW")[0]
    assert friday.blocks[0]["text"]["text"] == "Weekly support review · 7 days to Thu 26 Nov"
    assert friday.text.startswith("Weekly support review, 7 days to Thu 26 Nov: ")
    assert friday.blocks[1]["text"]["text"].startswith("Fri 20 Nov to Thu 26 Nov.")
    assert "week of" not in json.dumps(friday.payload())
    assert_plain_words(friday)


def test_all_green_review_has_the_green_section():
    parent, replies = review.render_review(GREEN, channel="C0REVIEW")
    assert "Everything is in its healthy band" in parent.blocks[1]["text"]["text"]
    assert replies[-1].text == "4. Slow trends and calibration"
    assert "When everything is green" in replies[-1].blocks[0]["text"]["text"]


ITEM = alerts.AlertItem(7, "csat-drop", "csat", "Customer satisfaction", "billing (product area)", "act_now", "61 %",
                        "88 %", "CSAT 61 % against 88 % expected over 7 days (n=212).", date(2026, 11, 20), None,
                        "csat-recovery", "U0LEAD", ("Read the last 20 unsatisfied tickets", "Agree one fix"), 31,
                        date(2026, 11, 27), "7 days to Fri 20 Nov", "far below its usual range",
                        "Win back unhappy customers")


def test_alert_goldens():
    second = alerts.AlertItem(8, "slow-frt", "first_response_time", "First response time (median)", "", "watch",
                              "1.7 h", "1.1 h", "", date(2026, 11, 21), None, None, None, (), None, None,
                              "Sat 21 Nov", "slowly getting worse for 5 days")
    group = alerts.group_by_channel([("C0ALERTS", ITEM), ("C0ALERTS", second)])[0]
    assert_golden("ritual_alert", alerts.render_group(group), sort_keys=False)
    assert_golden("ritual_alert_dm", alerts.render_dm("U0LEAD", [ITEM], "C0ALERTS"), sort_keys=False)
    recovered = alerts.AlertItem(*[getattr(ITEM, f) for f in alerts.AlertItem.__slots__[:10]], date(2026, 11, 25),
                                 *[getattr(ITEM, f) for f in alerts.AlertItem.__slots__[11:]])
    assert_golden("ritual_alert_recovered", alerts.render_recovered([recovered]), sort_keys=False)
    assert alerts.render_group(alerts.AlertGroup("C0ALERTS", (recovered,))).text.startswith("Recovered")


def test_reminder_golden():
    r = reminders.OwnerReminder("U0LEAD", "Europe/Berlin", date(2026, 11, 23), (
        reminders.Item(12, "Call back unhappy billing customers", "Customer satisfaction", date(2026, 11, 21), "overdue", 2),
        reminders.Item(14, "Move two agents to chat", "First response time (median)", date(2026, 11, 23), "due", 0),
        reminders.Item(15, "Review macros", "Reopen rate", date(2026, 11, 24), "before", 0)))
    message = reminders.render_reminder(r)
    assert_golden("ritual_reminder", message, sort_keys=False)
    assert message.text == "3 actions to follow up (1 overdue)"
    assert "3 of your actions need a look today" in message.blocks[0]["text"]["text"]
    one = reminders.render_reminder(reminders.OwnerReminder("U0LEAD", "Europe/Berlin", date(2026, 11, 23), r.items[:1]))
    assert "one of your actions needs a look today" in one.blocks[0]["text"]["text"]


def test_digest_goldens():
    d = digests.Digest("billing", "C0BILLING", date(2026, 11, 16), date(2026, 11, 22), "2026-W48", 64, 48.5, (
        digests.ThemeLine("payment failed", 42, 31.0, "+35 %", 0.61, "2.1 days",
                          (("1041", "https://acme.zendesk.com/agent/tickets/1041"), ("1043", None)), True,
                          ("Charged twice & no answer <@U0ALL>", "x" * 300)),
        digests.ThemeLine("invoice copy", 9, 8.0, "+12 %", None, "5 h", (("1050", None),), False),
        digests.ThemeLine("refund request", 6, 10.0, "−40 %", None, None, (), False),
        digests.ThemeLine("login link", 7, 7.25, "−3 %", None, None, (), False)),
        0.88, 0.12, 0.07, True)
    parent, [detail] = digests.render_digest(d)
    assert_golden("ritual_digest", parent, sort_keys=False)
    assert_golden("ritual_digest_detail", detail, sort_keys=False)
    assert_plain_words(parent)
    assert_plain_words(detail)
    text = parent.blocks[1]["text"]["text"]
    assert "billing tickets in the week of 16 Nov" in text and "week of 16 Nov" in parent.blocks[0]["text"]["text"]
    # the lead-in follows the direction of the change
    assert "More customers are struggling with *payment failed*: 42 tickets, +35 % over the 4-week average" in text
    assert "Fewer customers needed help with *refund request*: 6 tickets, −40 % against the 4-week average" in text
    assert "Customers still ask about *login link*: 7 tickets, about the 4-week average" in text
    assert "onboarding" not in json.dumps(parent.payload())
    quoted = detail.blocks[0]["text"]["text"]  # unsatisfied comments under their theme: escaped, clipped
    assert "\n> “Charged twice &amp; no answer &lt;@U0ALL&gt;”" in quoted and "x" * 200 not in quoted


def test_digest_says_a_theme_with_no_history_is_new_in_its_week():
    """The digest reports the last whole week before its day (posted Fri 27 Nov about the week of 16 Nov), so it
    names that week instead of "this week"; the thread detail says "none in the 4 weeks before" as the message does."""
    d = digests.Digest("billing", "C0BILLING", date(2026, 11, 16), date(2026, 11, 22), "2026-W48", 20, 10.0, (
        digests.ThemeLine("Can't find invoices in the new billing page", 14, 0.0, "new", None, None, (), True),),
        0.88, 0.12, 0.07, True)
    parent, [detail] = digests.render_digest(d)
    text = parent.blocks[1]["text"]["text"]
    assert ("New in the week of 16 Nov: *Can't find invoices in the new billing page*, 14 tickets "
            "(none in the 4 weeks before)") in text
    assert "struggling" not in text
    assert "new over the 4-week average" not in text
    assert "this week" not in json.dumps([parent.payload(), detail.payload()])
    line = detail.blocks[0]["text"]["text"]
    assert "14 tickets in the week of 16 Nov · new, none in the 4 weeks before" in line and "0.0 a week" not in line


def test_a_digest_without_recurring_themes_names_its_week():
    d = digests.Digest("billing", "C0BILLING", date(2026, 11, 16), date(2026, 11, 22), "2026-W48", 1204, 1010.25, (),
                       0.88, 0.12, 0.07, False)
    parent, _ = digests.render_digest(d)
    text = parent.blocks[1]["text"]["text"]
    assert text == ("*1,204* billing tickets in the week of 16 Nov (4-week average 1,010).\n"
                    "No recurring theme in the week of 16 Nov.")


def test_the_digests_marker_follows_the_direction_too():
    """A notable theme (up, or worse CSAT than overall) is marked; the mark points the way its count went."""
    line = lambda label, count, avg, growth: digests.ThemeLine(label, count, avg, growth, 0.5, None, (), True)  # noqa: E731
    d = digests.Digest("billing", "C0BILLING", date(2026, 11, 16), date(2026, 11, 22), "2026-W48", 90, 80.0, (
        line("up", 40, 20.0, "+100 %"), line("down", 20, 40.0, "−50 %"), line("flat", 30, 30.0, "+0 %")),
        0.88, 0.12, 0.07, True)
    parent, _ = digests.render_digest(d)
    up, down, flat = parent.blocks[1]["text"]["text"].split("\n• ")[1:]
    assert up.startswith(":small_red_triangle: More customers")
    assert down.startswith(":small_red_triangle_down: Fewer customers")
    assert flat.startswith(":warning: Customers still ask")


def test_accounts_golden():
    report = accounts.AccountReport("C0SUCCESS", "2026-W48", 14, 3, (
        accounts.AccountRisk("Northwind Traders", True, 6, 1.5, 3, 4, (
            accounts.RecentTicket("881", None, datetime(2026, 11, 21, 9, tzinfo=UTC), "unsatisfied", "Sync <!channel> broke", True),
            accounts.RecentTicket("870", "https://acme.zendesk.com/agent/tickets/870",
                                  datetime(2026, 11, 18, 9, tzinfo=UTC), None, None, False)),
                           ("Still broken after [number] days <https://evil.example|click>", "Slow")),
        accounts.AccountRisk("Acme", False, 4, 0.0, 0, 0, ())))
    message = accounts.render_report(report)
    assert_golden("ritual_accounts", message, sort_keys=False)
    assert "&lt;!channel&gt;" in message.blocks[2]["text"]["text"]
    assert "\n> “Still broken after [number] days &lt;https://evil.example|click&gt;”\n> “Slow”" in message.blocks[2]["text"]["text"]


def test_leadership_golden():
    s = leadership.Summary("C0LEADERS", "2026-10", (
        leadership.Kpi("CSAT", "86 %", "88 %", "worse"), leadership.Kpi("First contact resolution", "71 %", "70 %", "steady"),
        leadership.Kpi("Resolution time (median)", "9.2 h", "11.0 h", "better"),
        leadership.Kpi("Cost per resolution", "12.40", "12.90", "better")),
        ("Customer satisfaction in billing: read the last 20 unsatisfied tickets",), 6800,
        (("improved", 1), ("recovered as usual", 2)))
    assert_golden("ritual_leadership", leadership.render_summary(s), sort_keys=False)


def test_quarterly_golden():
    q = quarterly.QuarterlyReview("C0REVIEW", "2026-Q3", 47, (
        quarterly.RuleLine("backlog-high", "Backlog", 4, 0, 12, "decorative?"),
        quarterly.RuleLine("frt-p90", "First response time (p90)", 0, 0, 0, "never fires"),
        quarterly.RuleLine("csat-drop", "Customer satisfaction", 2, 2, 9, "useful",
                           (("improved", 1), ("recovered as usual", 1)))),
        (quarterly.MetricLine("Reopen rate", 11, 0),), date(2026, 7, 1), date(2026, 9, 30), date(2026, 8, 15),
        date(2026, 9, 30))
    assert_golden("ritual_quarterly", quarterly.render_review(q), sort_keys=False)
    assert_plain_words(quarterly.render_review(q))


def test_a_rule_open_most_of_the_quarter_is_not_said_to_fire_all_the_time():
    """A rule that fired once and stayed open 37 of 57 days is open most of the quarter, not firing all the time."""
    q = quarterly.QuarterlyReview("C0REVIEW", "2026-Q4", 47, (
        quarterly.RuleLine("csat-drop", "Customer satisfaction", 1, 1, 37, "always fires"),), (),
        date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 1), date(2026, 11, 26))
    text = json.dumps(quarterly.render_review(q).payload(), ensure_ascii=False)
    assert "fired once, 1 action, open 37 days · *open most of the quarter*" in text
    assert "all the time" not in text


@pytest.mark.parametrize("count", [30])
def test_long_reminder_stays_within_block_limits(count):
    r = reminders.OwnerReminder("U0LEAD", "Europe/Berlin", date(2026, 11, 23), tuple(
        reminders.Item(i, f"item {i}", "CSAT", date(2026, 11, 20), "overdue", 3) for i in range(count)))
    validate(reminders.render_reminder(r))


def test_spike_golden():
    from datetime import timedelta

    from bot.metrics.spikes import Spike
    from bot.rituals import spikes

    end = datetime(2026, 11, 24, 14, 40, tzinfo=UTC)
    spike = Spike("product_area", "billing <!here>", end - timedelta(hours=1), end, 25, 3.5, 1.9, 11.3, "act_now",
                  (4, 3, 4, 3, 4, 3, 4, 3), "Tickets in billing: 25 on Tuesday 14:40–15:40, against a usual 3.5.")
    message = spikes.render_alert(spikes.SpikeAlert("C0ALERTS", "2026-11-24T15", (spike,)))
    assert "<!here>" not in json.dumps(message.payload())
    assert_golden("ritual_spike", message, sort_keys=False)
