"""[[annotations]]: known events (a day, a range, or a season every year) that baselines leave out."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from pydantic import Field, model_validator

from bot.config.base import _Model

MAX_KNOWN_DAYS = 92  # a range or season longer than a quarter would leave baselines with little to learn from
KNOWN_YEARS = (1990, 2100)  # the years a season repeats in: every history Signalroom can hold
_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")


class AnnotationConfig(_Model):
    """A known event: one day (`date`), a range (`start` and `end` dates, both included), or a season that
    repeats every year (`start` and `end` as "MM-DD"; "12-24" to "01-01" runs over New Year)."""

    kind: Literal["release", "incident", "holiday"]
    label: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    start: dt.date | str | None = None
    end: dt.date | str | None = None

    @model_validator(mode="after")
    def _when(self) -> AnnotationConfig:
        if self.date is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give either date (one day) or start and end (a range or a season), not both")
            return self
        if self.start is None or self.end is None:
            missing = "end" if self.start is not None else "start" if self.end is not None else "date"
            raise ValueError(f"{missing} is missing: use date = 2026-12-24, or start and end (2026-11-23 to "
                             '2026-11-29; "12-24" to "01-01" for every year)')
        start, end = _known_bound(self.start, "start"), _known_bound(self.end, "end")
        if isinstance(start, dt.date) != isinstance(end, dt.date):
            raise ValueError('start and end must both be dates (one range) or both month-days like "12-24" '
                             "(a season every year)")
        if isinstance(start, dt.date) and end < start:
            raise ValueError(f"end {end} is before start {start}")
        if isinstance(start, dt.date):
            span = (end - start).days + 1
        else:  # a season: its length in a leap year, over New Year when end comes before start
            (m1, d1), (m2, d2) = start, end
            first = dt.date(2024, m1, d1)
            last = dt.date(2024 if (m2, d2) >= (m1, d1) else 2025, m2, d2 if (m2, d2) != (2, 29) else 28)
            span = (last - first).days + 1
        if span > MAX_KNOWN_DAYS:
            raise ValueError(f"{span} days is too long for a known event (at most {MAX_KNOWN_DAYS}): "
                             "its days are left out of every baseline")
        return self

    def days(self, first: dt.date | None = None, last: dt.date | None = None) -> list[dt.date]:
        """The event's days within [first, last] (default: every year a history can hold), in order."""
        first = first or dt.date(KNOWN_YEARS[0], 1, 1)
        last = last or dt.date(KNOWN_YEARS[1], 12, 31)
        if self.date is not None:
            return [self.date] if first <= self.date <= last else []
        start, end = _known_bound(self.start, "start"), _known_bound(self.end, "end")
        spans: list[tuple[dt.date, dt.date]] = []
        if isinstance(start, dt.date):
            spans.append((start, end))
        else:
            (m1, d1), (m2, d2) = start, end
            over_new_year = (m2, d2) < (m1, d1)
            for year in range(first.year - 1, last.year + 1):
                spans.append((_month_day(year, m1, d1), _month_day(year + over_new_year, m2, d2)))
        out = []
        for a, b in spans:
            day = max(a, first)
            while day <= min(b, last):
                out.append(day)
                day += dt.timedelta(days=1)
        return out


def _known_bound(value: dt.date | str | None, name: str) -> dt.date | tuple[int, int]:
    """A date, or a month-day "MM-DD" as (month, day); an ISO date written as a string is a date too."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _MONTH_DAY.match(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            dt.date(2024, month, day)  # a leap year: "02-29" is a day that exists
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a day of the year (\"MM-DD\", like \"12-24\")") from None
        return month, day
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is neither a date (2026-11-23) nor a month-day for every year "
                         "(\"12-24\")") from None


def _month_day(year: int, month: int, day: int) -> dt.date:
    """That month-day in `year`; 29 February in a common year is the 28th."""
    return dt.date(year, month, 28) if (month, day) == (2, 29) and not calendar.isleap(year) else dt.date(year, month, day)
