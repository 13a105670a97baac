from datetime import date, timedelta

import pytest

from bot.metrics.backtest import SeriesFormatError, backtest, read_series_csv
from bot.metrics.catalogue import adhoc_metric
from bot.metrics.rules import DayZone, RuleState, evaluate_rule
from bot.metrics.settings import Rule, ZoneSettings

D0 = date(2024, 3, 1)
CODES = {"H": "healthy", "W": "watch", "A": "act_now", "I": "insufficient_data", "L": "learning"}


def zones(code: str) -> list[DayZone]:
    return [DayZone(D0 + timedelta(days=i), CODES[c]) for i, c in enumerate(code)]


@pytest.mark.parametrize(("rule_zone", "days", "recovery", "code", "expected"), [
    ("act_now", 3, 2, "HAAAHH", [("fire", 3), ("recover", 5)]),
    ("act_now", 3, 2, "HAAHAAA", [("fire", 6)]),
    ("act_now", 3, 2, "AAAAAAAHH", [("fire", 2), ("recover", 8)]),  # no repeats while open
    ("watch", 2, 1, "HWAH", [("fire", 2), ("recover", 3)]),  # act_now counts as at-or-worse than watch
    ("act_now", 2, 2, "AAWHHAA", [("fire", 1), ("recover", 4), ("fire", 6)]),  # watch is not recovery
    ("act_now", 2, 2, "AIAA", [("fire", 3)]),  # insufficient data breaks the streak
    ("act_now", 1, 3, "AHHIHHH", [("fire", 0), ("recover", 6)]),  # and the recovery run
])
def test_rule_table(rule_zone, days, recovery, code, expected):
    rule = Rule("r", "csat", rule_zone, days, recovery)
    events, _ = evaluate_rule(rule, zones(code))
    assert [(e.kind, (e.day - D0).days) for e in events] == expected


def test_rule_resumes_from_an_open_trigger():
    rule = Rule("r", "csat", "act_now", 1, 2)
    events, state = evaluate_rule(rule, zones("AHH"), state=RuleState(open_since=D0 - timedelta(days=4)))
    assert [e.kind for e in events] == ["recover"] and state.open_since is None


def test_rule_segment_filter():
    r = Rule("r", "csat", dimension="group", segments=("Billing",))
    assert r.matches("csat", "group", "Billing") and not r.matches("csat", "group", "Other")
    assert not r.matches("csat", "", "")
    assert Rule("o", "csat").matches("csat", "", "")


def test_backtest_from_csv_shows_zones_and_fired_rules():
    lines = ["date,value"] + [f"{(D0 + timedelta(days=i)).isoformat()},{100 + (i % 2) * 10}" for i in range(28)]
    lines += [f"{(D0 + timedelta(days=28 + i)).isoformat()},400" for i in range(3)]
    series = read_series_csv("\n".join(lines))
    rule = Rule("spike-2d", "series", "act_now", 2, 2)
    result = backtest(series, adhoc_metric("higher_is_worse"), ZoneSettings(), rules=[rule])
    days = result.to_dict()["days"]
    assert len(days) == 31
    assert days[0]["zone"] == "learning"
    assert [d["zone"] for d in days[-3:]] == ["act_now"] * 3
    assert days[-2]["rule"] == "spike-2d" and days[-1]["rule"] is None
    assert set(days[0]) >= {"date", "value", "zone", "expected", "score", "rule"}


@pytest.mark.parametrize(("text", "message"), [
    ("day,value\n2024-01-01,1", "line 1: expected header"),
    ("date,value\n2024-13-01,1", "line 2: bad date"),
    ("date,value\n2024-01-01,abc", "line 2: bad value"),
    ("date,value\n2024-01-01,1\n2024-01-01,2", "line 3: duplicate date"),
    ("date,value\n", "no data rows"),
])
def test_series_csv_errors_name_the_line(text, message):
    with pytest.raises(SeriesFormatError, match=message):
        read_series_csv(text)
