"""The window of a figure, said in words: "yesterday", "7 days to Thu 26 Nov", "week of 23 Nov".

Every message names the days a figure covers with these phrases (templates read them from their
context), never an ISO date or week. Pure functions of dates; `today` is the reader's local date
(the team's timezone), so "yesterday" means the last full day there.
"""
from __future__ import annotations

from datetime import date, timedelta

from bot.weekdays import NAMES as WEEKDAY_NAMES
from bot.weekdays import SHORT as WEEKDAYS

__all__ = ["day", "day_phrase", "month", "past_zone_day", "since", "span", "week_of", "weekday_name", "window"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def day(d: date, *, year: bool = False) -> str:
    """'Thu 26 Nov' (with the year, 'Thu 26 Nov 2026')."""
    text = f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def _needs_year(d: date, today: date | None) -> bool:
    return today is not None and abs((today - d).days) > 300


def day_phrase(d: date, today: date | None = None) -> str:
    """'yesterday', 'today', or 'Thu 26 Nov' (the year when it is far from today)."""
    if today is not None:
        if d == today - timedelta(days=1):
            return "yesterday"
        if d == today:
            return "today"
    return day(d, year=_needs_year(d, today))


def window(end: date, days: int = 1, today: date | None = None) -> str:
    """The days a figure covers, ending on `end`: 'yesterday', 'Thu 26 Nov', '7 days to Thu 26 Nov'
    (templates write it after the figure: "61 % (7 days to Thu 26 Nov)")."""
    if days <= 1:
        return day_phrase(end, today)
    return f"{days} days to {day(end, year=_needs_year(end, today))}"


def since(d: date, today: date | None = None) -> str:
    """'since yesterday', 'since Tue 24 Nov'."""
    return f"since {day_phrase(d, today)}"


def week_of(start: date) -> str:
    """'week of 23 Nov' for the week starting on `start` (not '2026-W48')."""
    text = f"week of {start.day} {MONTHS[start.month - 1]}"
    return f"{text} {start.year}" if start.month == 1 and start.day <= 7 else text


def span(start: date, end: date) -> str:
    """'Mon 16 Nov to Sun 22 Nov' (or one day's name when they are the same day)."""
    return day(start) if start == end else f"{day(start)} to {day(end)}"


def month(first: date) -> str:
    """'October 2026'."""
    return f"{MONTH_NAMES[first.month - 1]} {first.year}"


def weekday_name(d: date) -> str:
    """'Thursday' (the 'for a Thursday' of a weekday-aware baseline)."""
    return WEEKDAY_NAMES[d.weekday()]


def past_zone_day(d: date, today: date | None = None) -> str:
    """The day a past zone was seen, for "was act now on Tue 24 Nov": 'on Tue 24 Nov' or 'yesterday'."""
    phrase = day_phrase(d, today)
    return phrase if phrase in ("yesterday", "today") else f"on {phrase}"
