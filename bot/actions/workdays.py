"""Working days for due dates and reminders: the team's business-hours days (else Monday to Friday), minus
the holidays in [[annotations]]. Pure.

A due date that falls on a day off counts from the next working day: a computed one is stored
there, a typed one is read that way (reminders, "overdue"), so nobody is told "overdue by 1 day"
on the first working morning after a weekend due date.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.actions.statuses import OPEN_STATUSES, SNOOZED
from bot.weekdays import parse_days



@dataclass(frozen=True, slots=True)
class WorkingDays:
    weekdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    holidays: frozenset[date] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ValueError("a week needs at least one working day")

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def on_or_after(self, day: date) -> date:
        """`day`, or the first working day after it."""
        for _ in range(400):  # a year of holidays is not a calendar
            if self.is_working(day):
                return day
            day += timedelta(days=1)
        return day

    def before(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        for _ in range(400):
            if self.is_working(day):
                return day
            day -= timedelta(days=1)
        return day

    def between(self, start: date, end: date) -> int:
        """Working days d with start < d < end."""
        return sum(1 for i in range(1, (end - start).days) if self.is_working(start + timedelta(days=i)))

    def add(self, day: date, days: int) -> date:
        """`days` calendar days after `day`, moved to a working day (a due date "in a week")."""
        return self.on_or_after(day + timedelta(days=days))


MON_FRI = WorkingDays()
EVERY_DAY = WorkingDays(frozenset(range(7)))


def working_days(settings: Any, holidays: Iterable[date] = ()) -> WorkingDays:
    """The team's working days from the application config (`bot.config.Settings`): the days of
    [metrics.business_hours] when set, else Monday to Friday (every day with `rituals.skip_weekends =
    false`); [[annotations]] holidays (days, ranges, seasons) and `holidays` (marked from Slack,
    `bot.annotations.holidays`) are days off."""
    f = settings.file
    hours = f.metrics.business_hours
    if hours is not None:
        weekdays = frozenset(parse_days(hours.days))
    else:
        weekdays = MON_FRI.weekdays if f.rituals.skip_weekends else EVERY_DAY.weekdays
    configured = frozenset(d for a in f.annotations if a.kind == "holiday" for d in a.days())
    return WorkingDays(weekdays, configured | frozenset(holidays))


def of_business_hours(hours: Any, holidays: Iterable[date] = ()) -> WorkingDays:
    """From the rollup's `BusinessHours` (None: Monday to Friday) and holiday dates."""
    weekdays = frozenset(hours.days) if hours is not None else MON_FRI.weekdays
    extra = frozenset(hours.holidays) if hours is not None else frozenset()
    return WorkingDays(weekdays, extra | frozenset(holidays))


def is_overdue(due_on: date | None, status: str, today: date, working: WorkingDays = MON_FRI, *,
               snoozed_until: date | None = None) -> bool:
    """Past its due date, read as a working day (a Saturday due date is due on Monday, overdue Tuesday).

    The one "overdue" rule (the review, App Home, action cards): a snoozed action is not overdue
    until its snooze ends, the day reminders resume (`bot.rituals.reminders.remindable`)."""
    if status == SNOOZED and snoozed_until is not None and snoozed_until > today:
        return False
    return due_on is not None and status in OPEN_STATUSES and working.on_or_after(due_on) < today
