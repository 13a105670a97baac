"""Owner reminders: one DM per owner per day listing all their items, inside their own working hours.

An open action is reminded on the `remind_days_before`-th working day before its
due date (1: the last working day before it), on the due date, and every working
day while overdue. Working days are the team's (`bot.actions.workdays`: the
business-hours days, else Monday to Friday, minus [[annotations]] holidays); dates
are the owner's own (their Slack timezone). A due date on a day off counts from the
next working day, so nobody reads "overdue by 1 day" on the first reminder they
get; a snoozed action only after its snooze ends; a done or closed one never. The
owner's timezone comes from Slack (`users.info` tz), falling back to the team's;
nothing is sent before the reminders' configured time, outside working hours, or
on a day off. The ledger key (owner, local date) makes it one DM per cycle.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.actions.statuses import OPEN, OPEN_STATUSES
from bot.actions.workdays import EVERY_DAY, MON_FRI, WorkingDays, is_overdue, working_days
from bot.annotations import holidays
from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.catalogue import CATALOGUE
from bot.rituals import action_ids, ledger, schedule, store
from bot.rituals.delivery import Delivery, is_user_id
from bot.storage.models import Action

Kind = Literal["before", "due", "overdue"]
KIND_ORDER = {"overdue": 0, "due": 1, "before": 2}


def _days(working: WorkingDays | None, skip_weekends: bool) -> WorkingDays:
    return working if working is not None else MON_FRI if skip_weekends else EVERY_DAY


def is_working_day(day: date, *, skip_weekends: bool = True, working: WorkingDays | None = None) -> bool:
    return _days(working, skip_weekends).is_working(day)


def working_due(due_on: date, *, skip_weekends: bool = True, working: WorkingDays | None = None) -> date:
    """The due date as a working day: a day off (a weekend, a holiday) moves to the next working day."""
    return _days(working, skip_weekends).on_or_after(due_on)


def reminder_kind(due_on: date | None, today: date, days_before: int, *, skip_weekends: bool = True,
                  working: WorkingDays | None = None) -> Kind | None:
    """Pure: which reminder (if any) an open action gets on `today` (the owner's local date): "before"
    on the `days_before`-th working day before the (working) due date, "due" on it, "overdue" after
    (`workdays.is_overdue`, the one rule; asked only of a `remindable` action, so as an open one)."""
    if due_on is None:
        return None
    days = _days(working, skip_weekends)
    if is_overdue(due_on, OPEN, today, days):
        return "overdue"
    due = days.on_or_after(due_on)
    if today == due:
        return "due"
    if days_before > 0 and days.is_working(today) and days.between(today, due) == days_before - 1:
        return "before"
    return None


def days_overdue(due_on: date, today: date, *, skip_weekends: bool = True, working: WorkingDays | None = None) -> int:
    """Working days since the (working) due date, today included."""
    days = _days(working, skip_weekends)
    return max(0, days.between(days.on_or_after(due_on), today + timedelta(days=1)))


def remindable(status: str, snoozed_until: date | None, today: date) -> bool:
    if status not in OPEN_STATUSES:
        return False
    return snoozed_until is None or snoozed_until <= today


def due_reminder(action: Action, today: date, days_before: int, *, skip_weekends: bool = True,
                 working: WorkingDays | None = None) -> Kind | None:
    """The one rule (the ritual's, and the CLI's "next reminder"): which reminder `action` gets on `today`, if
    any: only while it is open and not snoozed past `today` (`remindable`), then by its due date (`reminder_kind`).
    Whether the owner was reminded today already, and whether `today` is a day off, are the caller's to ask."""
    if not remindable(action.status, action.snoozed_until, today):
        return None
    return reminder_kind(action.due_on, today, days_before, skip_weekends=skip_weekends, working=working)


@dataclass(frozen=True, slots=True)
class Item:
    action_id: int
    description: str
    metric_label: str
    due_on: date
    kind: Kind
    days_overdue: int


@dataclass(frozen=True, slots=True)
class OwnerReminder:
    owner: str
    timezone: str
    day: date
    items: tuple[Item, ...]

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("reminder", self.owner, self.day.isoformat())


def decide(actions: list[Action], *, owner_timezones: dict[str, str], now: datetime, settings: Settings,
           ignore_hours: bool = False, owner_ids: dict[str, str] | None = None,
           holidays: frozenset[date] = frozenset()) -> list[OwnerReminder]:
    """Pure over loaded rows: the reminders to send now, one per owner (by Slack id via `owner_ids`);
    `holidays`: days off marked from Slack (the config's are read from `settings`)."""
    rituals = settings.file.rituals
    start_at = max(rituals.reminders.time, rituals.working_hours[0])
    hours = (start_at, rituals.working_hours[1])
    working = working_days(settings, holidays)
    by_owner: dict[str, list[Action]] = defaultdict(list)
    for a in actions:
        by_owner[(owner_ids or {}).get(a.owner, a.owner)].append(a)
    out = []
    for owner, owned in sorted(by_owner.items()):
        tz = owner_timezones.get(owner) or settings.file.timezone
        today = schedule.local_date(now, tz)
        if not ignore_hours and not (working.is_working(today)
                                     and schedule.is_working_time(now, tz, hours, skip_weekends=False)):
            continue
        items = []
        for a in owned:
            if a.last_reminded_at is not None and schedule.local_date(a.last_reminded_at, tz) >= today:
                continue
            kind = due_reminder(a, today, rituals.remind_days_before, working=working)
            if kind is None:
                continue
            definition = CATALOGUE.get(a.metric)
            items.append(Item(a.id, a.description, definition.label if definition else a.metric,
                              working.on_or_after(a.due_on), kind, days_overdue(a.due_on, today, working=working)))
        if items:
            items.sort(key=lambda i: (KIND_ORDER[i.kind], i.due_on, i.action_id))
            out.append(OwnerReminder(owner, tz, today, tuple(items)))
    return out


def gather(session: Session, *, settings: Settings, now: datetime, delivery: Delivery | None = None,
           force: bool = False) -> list[OwnerReminder]:
    """The reminders due now: nothing while [rituals.reminders] is off, unless the CLI runs it (`force`,
    which also sends outside working hours)."""
    if not settings.file.rituals.reminders.enabled and not force:
        return []
    actions = store.actions(session, workspace_id=settings.workspace_id, statuses=OPEN_STATUSES)
    days_off = holidays(session, workspace_id=settings.workspace_id)
    # Owners named by email (playbooks allow it) are resolved to Slack users; unknown ones get no DM.
    # Without a delivery (no Slack to ask), owners named by a Slack id stand and keep the team's timezone.
    resolve = delivery.resolve_user if delivery is not None else (lambda o: o if is_user_id(o) else None)
    slack_ids = {o: user for o in {a.owner for a in actions} if (user := resolve(o))}
    timezones = {u: tz for u in set(slack_ids.values()) if delivery is not None and (tz := delivery.user_timezone(u))}
    return [r for r in decide([a for a in actions if a.owner in slack_ids], owner_timezones=timezones, now=now,
                              settings=settings, ignore_hours=force, owner_ids=slack_ids, holidays=days_off)
            if is_user_id(r.owner)]


def render_reminder(reminder: OwnerReminder) -> Message:
    return render("ritual_reminder", r=reminder, ids=action_ids)


def stamp(sessions, *, settings: Settings, reminder: OwnerReminder, now: datetime) -> None:
    """After its DM went out (or was already there): the actions it named were reminded today."""
    with sessions.begin() as session:
        session.execute(update(Action).where(
            Action.workspace_id == settings.workspace_id,
            Action.id.in_([i.action_id for i in reminder.items])).values(last_reminded_at=now)
            .execution_options(synchronize_session=False))
