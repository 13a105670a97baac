"""[[annotations]]: one day, a date range, or a season every year (issue 12.5); errors name the entry."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import ConfigError, load_settings


def _load(tmp_path, body: str):
    path = tmp_path / "signalroom.toml"
    path.write_text(body)
    return load_settings({}, config_path=str(path))


def _one(tmp_path, when: str, kind: str = "holiday"):
    return _load(tmp_path, f'[[annotations]]\n{when}\nkind = "{kind}"\nlabel = "x"\n').file.annotations[0]


@pytest.mark.parametrize("when, first, last, expected", [
    ("date = 2026-12-24", date(2026, 1, 1), date(2026, 12, 31), [date(2026, 12, 24)]),
    ("date = 2026-12-24", date(2027, 1, 1), date(2027, 12, 31), []),
    ("start = 2026-11-23\nend = 2026-11-25", date(2026, 1, 1), date(2026, 12, 31),
     [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]),
    ('start = "2026-11-23"\nend = "2026-11-24"', date(2026, 1, 1), date(2026, 12, 31),
     [date(2026, 11, 23), date(2026, 11, 24)]),  # ISO dates written as strings are dates too
    ("start = 2026-11-23\nend = 2026-11-29", date(2026, 11, 25), date(2026, 11, 26),
     [date(2026, 11, 25), date(2026, 11, 26)]),  # clipped to the window asked for
    # a season every year, over New Year: the end of one year and the start of the next
    ('start = "12-30"\nend = "01-02"', date(2025, 6, 1), date(2026, 6, 1),
     [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]),
    ('start = "12-30"\nend = "01-02"', date(2026, 1, 2), date(2026, 12, 30), [date(2026, 1, 2), date(2026, 12, 30)]),
    ('start = "07-01"\nend = "07-02"', date(2024, 1, 1), date(2025, 12, 31),
     [date(2024, 7, 1), date(2024, 7, 2), date(2025, 7, 1), date(2025, 7, 2)]),
    # 29 February: the 28th in a common year
    ('start = "02-29"\nend = "03-01"', date(2025, 1, 1), date(2025, 12, 31), [date(2025, 2, 28), date(2025, 3, 1)]),
    ('start = "02-29"\nend = "03-01"', date(2024, 1, 1), date(2024, 12, 31), [date(2024, 2, 29), date(2024, 3, 1)]),
])
def test_days(tmp_path, when, first, last, expected):
    assert _one(tmp_path, when).days(first, last) == expected


def test_a_season_repeats_over_all_of_history(tmp_path):
    days = _one(tmp_path, 'start = "12-24"\nend = "12-26"').days()
    assert date(2014, 12, 25) in days and date(2031, 12, 25) in days and len(days) == 3 * (2100 - 1990 + 1)


@pytest.mark.parametrize("when, problem", [
    ('start = "12-24"', "end is missing"),
    ("end = 2026-11-23", "start is missing"),
    ("", "date is missing"),
    ("date = 2026-11-23\nend = 2026-11-24", "not both"),
    ("start = 2026-11-29\nend = 2026-11-23", "end 2026-11-23 is before start 2026-11-29"),
    ('start = "13-01"\nend = "01-02"', "start '13-01' is not a day of the year"),
    ('start = "12-01"\nend = "02-30"', "end '02-30' is not a day of the year"),
    ('start = "dec 24"\nend = "12-26"', "start 'dec 24' is neither a date"),
    ('start = "12-01"\nend = 2026-12-03', "must both be dates (one range) or both month-days"),
    ("start = 2026-01-01\nend = 2026-12-31", "365 days is too long"),
    ('start = "10-01"\nend = "01-31"', "123 days is too long"),
])
def test_errors_name_the_entry_and_the_problem(tmp_path, when, problem):
    with pytest.raises(ConfigError) as err:
        _one(tmp_path, when)
    assert err.value.key == "annotations.0" and problem in err.value.problem


def test_ranges_and_seasons_are_known_days_for_the_rollup(tmp_path):
    """Every day of a range or season is a known change day (left out of baselines); holidays close
    business hours."""
    from bot.metrics.config_map import rollup_settings

    settings = _load(tmp_path, """
[metrics.business_hours]
days = ["mon", "tue", "wed", "thu", "fri"]

[[annotations]]
start = 2026-11-23
end = 2026-11-25
kind = "release"
label = "v3 release week"

[[annotations]]
start = "12-31"
end = "01-01"
kind = "holiday"
label = "New Year"
""")
    rs = rollup_settings(settings)
    known = {c.day: (c.kind, c.label) for c in rs.change_days}
    assert known[date(2026, 11, 24)] == ("release", "v3 release week") and date(2026, 11, 26) not in known
    assert known[date(2015, 1, 1)] == ("holiday", "New Year") and known[date(2026, 12, 31)] == ("holiday", "New Year")
    assert {date(2025, 12, 31), date(2026, 1, 1)} <= rs.definitions.business_hours.holidays
    assert date(2026, 11, 24) not in rs.definitions.business_hours.holidays
