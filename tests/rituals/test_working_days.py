"""Due dates on working days (issue 12.6): the team's business-hours days (else Monday to Friday) minus
[[annotations]] holidays, in the owner's timezone. Table-driven, with frozen time."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.actions.service import next_working_day
from bot.actions.workdays import MON_FRI, WorkingDays, is_overdue, of_business_hours, working_days
from bot.metrics.business_hours import BusinessHours
from bot.rituals import reminders
from tests.rituals.scenario import settings as make_settings

SUN_THU = WorkingDays(frozenset({6, 0, 1, 2, 3}))
XMAS = WorkingDays(holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
# Thu 26 Nov 2026 … : 28/29 Nov are a weekend; 24/25 Dec a Thursday and Friday


@pytest.mark.parametrize("working, day, on_or_after, before", [
    (MON_FRI, date(2026, 11, 28), date(2026, 11, 30), date(2026, 11, 27)),  # Saturday → Monday; Friday before
    (MON_FRI, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 27)),  # Monday: the working day before is Friday
    (SUN_THU, date(2026, 11, 27), date(2026, 11, 29), date(2026, 11, 26)),  # Friday off → Sunday
    (SUN_THU, date(2026, 11, 29), date(2026, 11, 29), date(2026, 11, 26)),
    (XMAS, date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 23)),  # holiday + weekend → Monday
])
def test_working_days(working, day, on_or_after, before):
    assert working.on_or_after(day) == on_or_after and working.before(day) == before


@pytest.mark.parametrize("config, expected", [
    ("", MON_FRI),
    ('[metrics.business_hours]\ndays = ["sun", "mon", "tue", "wed", "thu"]\n', SUN_THU),
    ('[rituals]\nskip_weekends = false\n', WorkingDays(frozenset(range(7)))),
    ('[[annotations]]\nstart = "12-24"\nend = "12-25"\nkind = "holiday"\nlabel = "Christmas"\n'
     '[[annotations]]\ndate = 2026-11-26\nkind = "release"\nlabel = "not a day off"\n', None),
])
def test_the_teams_working_days_come_from_the_config(tmp_path, config, expected):
    working = working_days(make_settings(tmp_path, config))
    if expected is not None:
        assert working == expected
    else:  # a season of holidays: days off every year; a release is a working day
        assert {date(2026, 12, 24), date(2031, 12, 25)} <= working.holidays
        assert working.is_working(date(2026, 11, 26)) and not working.is_working(date(2026, 12, 24))


@pytest.mark.parametrize("computed, working, expected", [
    (date(2026, 11, 28), MON_FRI, date(2026, 11, 30)),  # a playbook's due date on a Saturday: Monday
    (date(2026, 11, 27), MON_FRI, date(2026, 11, 27)),
    (date(2026, 11, 27), SUN_THU, date(2026, 11, 29)),
    (date(2026, 12, 24), XMAS, date(2026, 12, 28)),
])
def test_a_computed_due_date_moves_to_the_next_working_day(computed, working, expected):
    assert next_working_day(computed, working) == expected


def test_the_rollups_working_days_are_business_hours_plus_holidays():
    hours = BusinessHours(frozenset({6, 0, 1, 2, 3}), holidays=frozenset({date(2026, 12, 24)}))
    working = of_business_hours(hours, [date(2026, 12, 31)])
    assert working.weekdays == SUN_THU.weekdays and working.holidays == {date(2026, 12, 24), date(2026, 12, 31)}
    assert of_business_hours(None, []) == MON_FRI


@pytest.mark.parametrize("due, today, working, overdue", [
    (date(2026, 11, 28), date(2026, 11, 30), MON_FRI, False),  # typed Saturday: due Monday, not overdue then
    (date(2026, 11, 28), date(2026, 12, 1), MON_FRI, True),
    (date(2026, 11, 27), date(2026, 11, 30), MON_FRI, True),  # Friday's is overdue on Monday
    (date(2026, 11, 27), date(2026, 11, 29), SUN_THU, False),  # a Sun–Thu team: Friday's is due on Sunday
    (date(2026, 12, 24), date(2026, 12, 28), XMAS, False),
    (None, date(2026, 12, 1), MON_FRI, False),
])
def test_review_overdue_reads_a_typed_day_off_as_the_next_working_day(due, today, working, overdue):
    assert is_overdue(due, "open", today, working) is overdue
    assert is_overdue(due, "done", today, working) is False


@pytest.mark.parametrize("snoozed_until, overdue", [
    (date(2026, 12, 7), False),  # still snoozed: quiet, as reminders are
    (date(2026, 12, 1), True),  # the snooze ended today: overdue again, the day reminders resume
    (None, True),
])
def test_a_snoozed_action_is_overdue_once_its_snooze_ends(snoozed_until, overdue):
    due, today = date(2026, 11, 25), date(2026, 12, 1)
    assert is_overdue(due, "snoozed", today, snoozed_until=snoozed_until) is overdue
    assert reminders.remindable("snoozed", snoozed_until, today) is overdue  # the same day, one rule
    assert is_overdue(due, "carried", today, snoozed_until=date(2026, 12, 7)) is True  # only a snoozed one waits


def _action(due: date, **kw):
    return SimpleNamespace(id=kw.pop("id", 1), owner="U0LEAD", status="open", snoozed_until=None,
                           last_reminded_at=None, due_on=due, metric="csat", description="Call back", **kw)


@pytest.mark.parametrize("config, owner_tz, due, expected", [
    # Mon–Fri, due Saturday: Friday "before", Monday "due", Tuesday "overdue" by one day
    ("", "Europe/Berlin", date(2026, 11, 28),
     {date(2026, 11, 27): "before", date(2026, 11, 30): "due", date(2026, 12, 1): ("overdue", 1)}),
    # the owner in New York reads their own dates: the same sequence
    ("", "America/New_York", date(2026, 11, 28),
     {date(2026, 11, 27): "before", date(2026, 11, 30): "due", date(2026, 12, 1): ("overdue", 1)}),
    # a Sun–Thu team: Friday's due date is due on Sunday; Thursday is the last working day before it;
    # nothing on Friday or Saturday
    ('[metrics.business_hours]\ndays = ["sun", "mon", "tue", "wed", "thu"]\n', "Europe/Berlin", date(2026, 11, 27),
     {date(2026, 11, 26): "before", date(2026, 11, 29): "due", date(2026, 11, 30): ("overdue", 1)}),
    # Christmas Eve and Day off: due on the 24th is due Monday the 28th, reminded on the 23rd
    ('[[annotations]]\nstart = 2026-12-24\nend = 2026-12-25\nkind = "holiday"\nlabel = "Christmas"\n',
     "Europe/Berlin", date(2026, 12, 24),
     {date(2026, 12, 23): "before", date(2026, 12, 28): "due", date(2026, 12, 29): ("overdue", 1)}),
])
def test_reminders_day_by_day(tmp_path, config, owner_tz, due, expected):
    """Each morning at 10:00 in the owner's timezone: the reminder the owner gets that day, if any. The
    first is never "overdue"; a day off gets none."""
    settings = make_settings(tmp_path, config)
    act = _action(due)
    got = {}
    first = min(expected) - timedelta(days=3)
    for i in range(12):
        day = first + timedelta(days=i)
        local = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(owner_tz))
        with time_machine.travel(local, tick=False):
            now = datetime.now(UTC)
            (sent,) = reminders.decide([act], owner_timezones={"U0LEAD": owner_tz}, now=now,
                                       settings=settings) or (None,)
        if sent is not None:
            (item,) = sent.items
            got[sent.day] = item.kind if item.kind != "overdue" else (item.kind, item.days_overdue)
            act.last_reminded_at = now
    assert {d: k for d, k in got.items() if d <= max(expected)} == expected
    assert not isinstance(got[min(got)], tuple)  # the first reminder is never "overdue by N days"


def test_a_holiday_marked_from_slack_is_a_day_off_too(tmp_path):
    """Monday 30 Nov marked a holiday from Slack: due that day is due Tuesday, reminded on Friday before."""
    settings = make_settings(tmp_path)
    act = _action(date(2026, 11, 30))
    kinds = {}
    for day in (date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1)):
        now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
        (sent,) = reminders.decide([act], owner_timezones={}, now=now, settings=settings,
                                   holidays=frozenset({date(2026, 11, 30)})) or (None,)
        kinds[day] = sent.items[0].kind if sent else None
    assert kinds == {date(2026, 11, 27): "before", date(2026, 11, 30): None, date(2026, 12, 1): "due"}


def test_a_playbook_due_date_skips_a_holiday_marked_from_slack(session_factory):
    from sqlalchemy import select

    from bot.annotations import annotate
    from bot.metrics.rollup import run_rollup
    from bot.storage.models import Action
    from bot.storage.tickets import upsert_tickets
    from tests.metrics.factories import make_tickets
    from tests.metrics.test_service import END, SETTINGS

    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3))
        annotate(s, workspace_id="w1", day=date(2024, 6, 4), kind="holiday", label="Closed", created_by="U0ADMIN")
    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=END, full=True)
    with session_factory.begin() as s:
        (action,) = s.scalars(select(Action)).all()
    assert action.due_on == date(2024, 6, 5)  # fired Thu 30 May + 5 days = Tue 4 Jun, a holiday: Wednesday
