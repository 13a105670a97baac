from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.themes.weekly import WeeklySettings, is_notable, week_start, weekly_series

from .factories import make_doc

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("count", "baseline", "notable"),
    [
        (40, 20.0, True),  # doubled on a solid base
        (28, 20.0, False),  # +40 % but within Poisson noise
        (8, 2.0, True),  # small theme, yet far outside Poisson(2)
        (5, 1.0, False),  # below the minimum absolute change
        (6, 1.0, True),
        (3, 20.0, True),  # a notable drop
        (15, 20.0, False),
        (10, None, False),  # no baseline yet
        (6, 0.0, True),  # appears from nothing
    ],
)
def test_notable_is_poisson_and_absolute_change_based(count: int, baseline: float | None, notable: bool) -> None:
    assert is_notable(count, baseline) is notable


def test_week_start_uses_the_team_timezone() -> None:
    sunday_late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert week_start(sunday_late_utc, BERLIN) == date(2026, 11, 23)
    assert week_start(sunday_late_utc, ZoneInfo("UTC")) == date(2026, 11, 16)


def weekly_docs(counts_oldest_first: list[int]) -> list:
    docs = []
    for weeks_ago, count in enumerate(reversed(counts_oldest_first)):
        for i in range(count):
            docs.append(make_doc(ticket_id=f"{weeks_ago}-{i}", created_at=NOW - timedelta(weeks=weeks_ago, hours=i % 50)))
    return docs


def test_series_compares_each_week_with_the_mean_of_the_four_before() -> None:
    docs = weekly_docs([10, 10, 12, 8, 30])
    weeks = weekly_series(docs, now=NOW, tz=BERLIN, history_start=date(2026, 10, 19), settings=WeeklySettings(weeks=2))
    assert [w.count for w in weeks] == [8, 30]
    latest = weeks[-1]
    assert (latest.baseline, latest.direction, latest.notable) == (10.0, "up", True)
    assert latest.change == pytest.approx(2.0)
    assert weeks[0].baseline is None  # its four weeks reach before the history starts


def test_no_baseline_before_history_covers_four_weeks() -> None:
    docs = weekly_docs([5, 25])
    (latest,) = weekly_series(docs, now=NOW, tz=BERLIN, history_start=date(2026, 11, 9), settings=WeeklySettings(weeks=1))
    assert latest.baseline is None and not latest.notable and latest.direction == "flat"


def test_empty_week_has_counts_but_no_outcomes() -> None:
    (week,) = weekly_series([], now=NOW, tz=BERLIN, history_start=None, settings=WeeklySettings(weeks=1))
    assert (week.count, week.csat, week.median_resolution, week.escalation_rate, week.examples) == (0, None, None, None, ())
