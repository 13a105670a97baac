"""The /metrics mute, unmute and mutes grammar: table-driven, pure."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.errors import UsageError
from bot.slack.parse import ListMutes, Mute, MuteTarget, Unmute, parse

TODAY = date(2026, 11, 20)  # a Friday
RULES = (("frt-spike", "first_response_time"), ("csat-drop", "csat"))


@pytest.mark.parametrize("text, expected", [
    ("mute volume 3d release week", Mute(MuteTarget("ticket_volume"), timedelta(days=3), None, "release week")),
    ("mute ticket volume for 2 weeks", Mute(MuteTarget("ticket_volume"), timedelta(days=14))),
    ("mute frt 12h", Mute(MuteTarget("first_response_time"), timedelta(hours=12))),
    ("mute FRT-spike 1w", Mute(MuteTarget("first_response_time", "frt-spike"), timedelta(days=7))),
    ("mute csat area=billing 5days billing outage", Mute(MuteTarget("csat", None, "product_area", "billing"),
                                                          timedelta(days=5), None, "billing outage")),
    ("mute csat until wed", Mute(MuteTarget("csat"), None, date(2026, 11, 25))),
    ("mute csat until 2026-12-01 deploy freeze", Mute(MuteTarget("csat"), None, date(2026, 12, 1), "deploy freeze")),
    ("mutes", ListMutes()),
    ("unmute volume", Unmute(MuteTarget("ticket_volume"))),
    ("unmute csat-drop", Unmute(MuteTarget("csat", "csat-drop"))),
    ("unmute csat group=Billing", Unmute(MuteTarget("csat", None, "group", "Billing"))),
    ("unmute #12", Unmute(None, 12)),
])
def test_parse(text, expected):
    assert parse(text, today=TODAY, rules=RULES) == expected


@pytest.mark.parametrize("text, problem", [
    ("mute", "needs a metric or a rule"),
    ("mute 3d", "needs a metric or a rule"),
    ("mute csat", "how long?"),
    ("mute csat 3dy", "did you mean `3d`"),
    ("mute csat 2wk0", "how long?"),
    ("mute volumee 3d", "did you mean `ticket_volume`"),
    ("mute frt-spkie 3d", "did you mean `frt-spike`"),
    ("mute csat aera=billing 3d", "unknown dimension 'aera'"),
    ("mute csat 14w", "at most 13w"),
    ("mute csat 0h", "at least 1h"),
    ("mute csat until today", "a day after today"),
    ("mute csat until", "`until` needs a date"),
    ("mute csat until someday", "is not a date"),
    ("mute csat 3d " + "x" * 201, "keep it under 200"),
    ("mutes csat", "takes nothing after it"),
    ("unmute", "unmute needs"),
    ("unmute #x", "not a mute number"),
    ("mtue csat 3d", "unknown command 'mtue' (did you mean `mute`?)"),
    ("unmte csat", "did you mean `unmute`"),
])
def test_mistakes(text, problem):
    with pytest.raises(UsageError) as err:
        parse(text, today=TODAY, rules=RULES)
    assert problem in str(err.value) and "Use: `/metrics" in str(err.value)
