"""The /metrics grammar, table-driven: what parses to what, and what each mistake says."""
from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UsageError
from bot.slack.parse import (
    AddAction, Annotate, CarryAction, CloseAction, DoneAction, Help, ListActions, Log, MetricView, Scorecard,
    SnoozeAction, UpdateAction, parse,
)

TODAY = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(("text", "expected"), [
    ("", Scorecard()),
    ("   ", Scorecard()),
    ("help", Help()),
    ("frt", MetricView("first_response_time")),
    ("FRT 7d", MetricView("first_response_time", None, 7)),
    ("first response", MetricView("first_response_time")),
    ("first response by channel 90d", MetricView("first_response_time", "channel", 90)),
    ("csat by product area", MetricView("csat", "product_area")),
    ("csat by area 30d", MetricView("csat", "product_area", 30)),
    ("CSAT", MetricView("csat")),
    ("reopens by tier", MetricView("reopen_rate", "account_tier")),
    ("actions", ListActions("mine")),
    ("actions all", ListActions("all")),
    ("actions OPEN", ListActions("open")),
    ("action add", AddAction()),
    ("action add csat", AddAction("csat")),
    ("action add csat product_area=billing", AddAction("csat", dimension="product_area", segment="billing")),
    ("action add frt <@U0AB|bob> due 2026-12-01 Add macros",
     AddAction("first_response_time", "U0AB", date(2026, 12, 1), "Add macros")),
    ("action add first response <@U0AB> due fri Add macros & more",
     AddAction("first_response_time", "U0AB", date(2026, 11, 27), "Add macros & more")),
    ("action add csat <@U0AB> due tomorrow x", AddAction("csat", "U0AB", date(2026, 11, 21), "x")),
    ("action add csat <@U0AB> due +2w x", AddAction("csat", "U0AB", date(2026, 12, 4), "x")),
    ("action add csat <@U0AB>", AddAction("csat", "U0AB")),
    ("action done 12 Backlog cleared", DoneAction(12, "Backlog cleared")),
    ("action done #12 improved: FRT back to 40 min", DoneAction(12, "FRT back to 40 min", "improved")),
    ("action done 12 no change", DoneAction(12, None, "no_change")),
    ("action done 12", DoneAction(12)),
    ("action update 3 due 2026-12-04 waiting", UpdateAction(3, "waiting", date(2026, 12, 4))),
    ("action update 3 owner <@U0NEW>", UpdateAction(3, owner="U0NEW")),
    ("action carry 3", CarryAction(3)),
    ("action carry 3 due mon", CarryAction(3, date(2026, 11, 23))),
    ("action close 3", CloseAction(3)),
    ("action close 3 duplicate of #2", CloseAction(3, "duplicate of #2")),
    ("snooze 3 1w", SnoozeAction(3, 7)),
    ("action snooze 3 1d", SnoozeAction(3, 1)),
    ("log", Log()),
    ("log first response", Log("first_response_time")),
    ("annotate 2026-11-18 release v2.3 <!channel>", Annotate(date(2026, 11, 18), "release", "v2.3 <!channel>")),
    ("annotate 2026-11-18 HOLIDAY Thanksgiving", Annotate(date(2026, 11, 18), "holiday", "Thanksgiving")),
])
def test_parses(text, expected):
    assert parse(text, today=TODAY) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("acions", "did you mean `actions`"),
    ("anotate", "did you mean `annotate`"),
    ("frtt", "did you mean `first_response_time`"),
    ("csat by chanel", "did you mean `channel`"),
    ("csat by", "`by` needs a dimension"),
    ("csat 14d", "use 7d, 30d or 90d"),
    ("by channel", "which metric"),
    ("actions yours", "/metrics actions [mine|open|all]"),
    ("action", "needs a verb"),
    ("action dun 3", "did you mean `done`"),
    ("action done", "which action"),
    ("action done x1 ok", "not an action number"),
    # Unicode digits pass str.isdigit() but not int() (or read as another number): ASCII only.
    ("action done ² ok", "not an action number"),
    ("action done ① ok", "not an action number"),
    ("action close #٣", "not an action number"),
    ("action done 1234567890123 ok", "not an action number"),
    ("snooze ² 1d", "not an action number"),
    ("action add frt <@U0AB> due +٣d x", "is not a date"),
    ("action add frt bob due fri x", "unknown metric"),
    ("action add frt @bob due fri x", "pick the owner from the @ menu"),
    ("action add frt <@U0AB> due someday x", "'someday' is not a date"),
    ("action add frt <@U0AB> due 2026-01-01 x", "in the past"),
    ("action add frt <@U0AB> due", "`due` needs a date"),
    ("action add frt <@U0AB> due fri " + "x" * 2001, "keep it under 2000"),
    ("action update 3", "say what changed"),
    ("action carry 3 soon", "only `due <date>`"),
    ("snooze 3", "snooze needs an action id and a duration"),
    ("snooze 3 2w", "1d or 1w"),
    ("annotate 2026-11-18 party cake", "unknown kind"),
    ("annotate 2026-11-18 releas v2", "did you mean `release`"),
    ("annotate yesterday-ish release v2", "not a date"),
    ("annotate 2026-11-18 release " + "y" * 201, "keep it under 200"),
    ("annotate 2026-11-18", "needs a date, a kind and a label"),
])
def test_mistakes_say_what_was_wrong_and_the_correct_form(text, says):
    with pytest.raises(UsageError) as info:
        parse(text, today=TODAY)
    message = str(info.value)
    assert says in message
    assert "/metrics" in message  # always shows a correct form


def test_parse_is_pure_and_total_on_odd_input():
    for text in ["<!channel>", "<@U0AB>", "&amp;", "🙂", "\n\t", "action add <@U0AB> due fri x"]:
        try:
            parse(text, today=TODAY)
        except UsageError:
            pass


@pytest.mark.parametrize("text", ["", "help", "frt 7d", "csat by area 30d", "actions all", "snooze 3 1w", "log csat",
                                  "mutes", "frobnicate", "action add csat <@U0AB> due fri x", "annotate 2026-11-18 x",
                                  "mute frt_spike 3d", "unmute frt_spike", "ACTION done 12"])
def test_what_needs_the_workspace_is_what_reads_today_or_rules(text):
    """The /metrics ack reads the workspace's settings only for `needs_workspace` texts: every other text
    parses the same (or fails the same) with no today and no rules."""
    from bot.slack.parse import needs_workspace

    def outcome(**given):
        try:
            return parse(text, **given)
        except (UsageError, TypeError, AttributeError) as error:
            return type(error)

    full = outcome(today=TODAY, rules=(("frt_spike", "first_response_time"),))
    if outcome(today=None) != full:
        assert needs_workspace(text)
