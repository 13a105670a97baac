"""Window phrases (bot/rituals/windows.py): every figure's days in words."""
from __future__ import annotations

from datetime import date

import pytest

from bot.rituals import windows

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(("end", "days", "today", "expected"), [
    (date(2026, 11, 26), 1, TODAY, "yesterday"),
    (date(2026, 11, 27), 1, TODAY, "today"),
    (date(2026, 11, 24), 1, TODAY, "Tue 24 Nov"),
    (date(2026, 11, 26), 7, TODAY, "7 days to Thu 26 Nov"),
    (date(2026, 11, 26), 28, None, "28 days to Thu 26 Nov"),
    (date(2026, 11, 26), 1, None, "Thu 26 Nov"),
    (date(2025, 1, 3), 1, TODAY, "Fri 3 Jan 2025"),
    (date(2025, 1, 3), 7, TODAY, "7 days to Fri 3 Jan 2025"),
])
def test_window(end, days, today, expected):
    assert windows.window(end, days, today) == expected


@pytest.mark.parametrize(("start", "expected"), [
    (date(2026, 11, 23), "week of 23 Nov"),
    (date(2026, 11, 30), "week of 30 Nov"),
    (date(2027, 1, 4), "week of 4 Jan 2027"),
])
def test_week_of(start, expected):
    assert windows.week_of(start) == expected


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: windows.day(date(2026, 11, 26)), "Thu 26 Nov"),
    (lambda: windows.day(date(2026, 11, 26), year=True), "Thu 26 Nov 2026"),
    (lambda: windows.day_phrase(date(2026, 11, 26), TODAY), "yesterday"),
    (lambda: windows.day_phrase(date(2026, 11, 20), TODAY), "Fri 20 Nov"),
    (lambda: windows.since(date(2026, 11, 24), TODAY), "since Tue 24 Nov"),
    (lambda: windows.span(date(2026, 11, 16), date(2026, 11, 22)), "Mon 16 Nov to Sun 22 Nov"),
    (lambda: windows.span(date(2026, 11, 16), date(2026, 11, 16)), "Mon 16 Nov"),
    (lambda: windows.month(date(2026, 10, 1)), "October 2026"),
    (lambda: windows.weekday_name(date(2026, 11, 26)), "Thursday"),
    (lambda: windows.past_zone_day(date(2026, 11, 24), TODAY), "on Tue 24 Nov"),
])
def test_phrases(call, expected):
    assert call() == expected


@pytest.mark.parametrize(("value", "expected", "unit", "said"), [
    (6120.0, 3480.0, "seconds", ("1.7 h", "1.0 h")),  # not "58 min" next to "1.7 h"
    (2400.0, 9000.0, "seconds", ("40 min", "150 min")),
    (190000.0, 86400.0, "seconds", ("2.2 days", "1.0 days")),
    (45.0, 30.0, "seconds", ("45 s", "30 s")),
    (3000.0, None, "seconds", ("50 min", "n/a")),
    (0.61, 0.88, "share", ("61.0 %", "88.0 %")),
    (310.0, 300.0, "tickets", ("310 tickets", "300 tickets")),
])
def test_a_figure_and_its_usual_level_share_one_unit(value, expected, unit, said):
    from bot.rituals import units

    assert units.pair(value, expected, unit) == said
    word, _per = units.axis_unit(value, unit)
    assert all(s.endswith(word) for s in said if s != "n/a") or unit != "seconds"


@pytest.mark.parametrize(("name", "title", "heading"), [
    ("csat-recovery", None, "CSAT recovery"),
    ("staffing_check", "", "Staffing check"),
    ("frt-sla-breach", None, "FRT SLA breach"),
    ("csat-recovery", "Win back unhappy customers", "Win back unhappy customers"),
])
def test_a_playbook_has_a_short_title(name, title, heading):
    from bot.metrics.settings import playbook_title

    assert playbook_title(name, title) == heading
