"""Trigger alerts: one grouped message per channel, a DM to each playbook owner, updates on recovery.

New open triggers without an `alert_ts` are grouped by their channel (the
playbook's channel, else the alerts channel): several triggers at once make
one message, never a flood. Each playbook owner gets one DM with the steps,
the due date and buttons — inside the owner's working hours in their own
Slack timezone (a trigger at night is DMed the next working morning; the
channel message goes out at once). When a trigger recovers, the original message is
edited to show it and a reply goes into its thread. Everything goes through
the ledger, so a worker that dies mid-way resumes without duplicates.
"""
from __future__ import annotations

import dataclasses

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.actions.statuses import ACKNOWLEDGED
from bot.blocks import Message, Safe, escape_mrkdwn, render
from bot.config import Settings
from bot.metrics import zone_names
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.readings import trigger_reading
from bot.metrics.settings import playbook_title
from bot.rituals import action_ids, ledger, schedule, store, windows, words
from bot.rituals.delivery import is_user_id
from bot.rituals.publish import NOT_POSTED, Publisher
from bot.storage.models import TRIGGER_OPEN, TRIGGER_RECOVERED, TriggerRow
from bot.storage.reference import display_name
from bot.trackers.clients import configured as trackers_configured
from bot.trackers import ids as tracker_ids


@dataclass(frozen=True, slots=True)
class AlertItem:
    trigger_id: int
    rule: str
    metric: str
    metric_label: str
    segment: str  # "billing (product area)", "high-value accounts" or "" (mrkdwn-safe, `words.segment`)
    zone: str
    value: str
    expected: str
    explanation: str  # the statistics sentence: the "Why?" line only
    fired_on: date
    recovered_on: date | None
    playbook: str | None
    owner: str | None
    steps: tuple[str, ...]
    action_id: int | None
    due_on: date | None
    window: str = ""  # the days `value` covers, in words: "7 days to Thu 26 Nov" (the trigger's reading)
    words: str = ""  # "far below its usual range for a Thursday" (mrkdwn-safe, `words.reading`)
    playbook_title: str = ""  # "Billing CSAT recovery" (the steps go in the body)
    dimension: str = ""  # the trigger's segment as stored, for the buttons (`segment` is its display text)
    segment_id: str = ""
    acknowledged_by: str | None = None  # who took ownership with the alert's Acknowledge button
    issue_value: str = ""  # the Create issue button's value when a tracker is set up (bot/trackers), else no button

    @property
    def log_value(self) -> str:
        """"Log action": the add-action form for this metric and segment, linked to this trigger."""
        return action_ids.log_action_value(self.metric, self.dimension, self.segment_id, self.trigger_id)

    @property
    def mute_value(self) -> str:
        return action_ids.mute_value(self.metric, self.dimension, self.segment_id)

    @property
    def zone_label(self) -> str:
        return zone_names.words(self.zone)

    @property
    def emoji(self) -> str:
        return zone_names.emoji(self.zone)

    @property
    def title(self) -> Safe:
        label = escape_mrkdwn(self.metric_label)
        return Safe(f"{label} — {self.segment}" if self.segment else label)

    @property
    def fired_words(self) -> str:
        return windows.day(self.fired_on)

    @property
    def recovered_words(self) -> str:
        return windows.day(self.recovered_on) if self.recovered_on else ""


@dataclass(frozen=True, slots=True)
class AlertGroup:
    channel: str
    items: tuple[AlertItem, ...]

    @property
    def trigger_ids(self) -> tuple[int, ...]:
        return tuple(sorted(i.trigger_id for i in self.items))

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("alert", self.channel, ledger.period_key_for("t", *self.trigger_ids))

    @property
    def open_count(self) -> int:
        return sum(1 for i in self.items if i.recovered_on is None)


def group_by_channel(items_with_channel: list[tuple[str, AlertItem]]) -> list[AlertGroup]:
    """Pure: one group per channel, act-now first, in trigger order."""
    groups: dict[str, list[AlertItem]] = defaultdict(list)
    for channel, item in items_with_channel:
        groups[channel].append(item)
    return [AlertGroup(c, tuple(sorted(items, key=lambda i: (i.zone != zone_names.ACT_NOW, i.trigger_id))))
            for c, items in sorted(groups.items())]


def _item(trig: TriggerRow, settings: Settings, actions_by_trigger: dict[int, object],
          session: Session | None = None) -> AlertItem:
    definition = CATALOGUE.get(trig.metric)
    name = trig.segment
    if session is not None and trig.dimension:  # the name the source reports today, not the stored id
        name = display_name(session, workspace_id=trig.workspace_id, dimension=trig.dimension, value=trig.segment)
    # The reading the trigger fired on, with its window: the same figure the review and the action card show.
    said = words.said(trigger_reading(trig), today=None, name=name, currency=settings.file.metrics.currency)
    playbook = settings.file.playbooks.get(trig.playbook) if trig.playbook else None
    act = actions_by_trigger.get(trig.id)
    # Whoever acknowledged the alert owns its action from then on (bot.actions.clicks.acknowledge).
    acked = next((e.actor for e in reversed(getattr(act, "events", None) or ()) if e.kind == ACKNOWLEDGED), None)
    owner = act.owner if acked is not None and act.owner == acked else (playbook.owner if playbook else None)
    return AlertItem(
        trig.id, trig.rule, trig.metric, definition.label if definition else trig.metric, said.segment,
        trig.zone, said.value, said.expected, said.why,
        trig.fired_on, trig.recovered_on, trig.playbook, owner,
        tuple(playbook.steps) if playbook else (), getattr(act, "id", None), getattr(act, "due_on", None),
        said.window, said.words, playbook_title(trig.playbook, playbook.title if playbook else None)
        if trig.playbook else "", trig.dimension, trig.segment, owner if acked is not None and owner == acked else None,
        tracker_ids.create_value("trigger", str(trig.id)) if trackers_configured(settings) else "",
    )



def pending_alerts(session: Session, *, settings: Settings, now: datetime | None = None) -> list[AlertGroup]:
    workspace_id = settings.workspace_id
    default = settings.file.slack.alerts_channel
    fresh = [t for t in store.triggers(session, workspace_id=workspace_id, status=TRIGGER_OPEN) if t.alert_ts is None]
    fresh = _unmuted(session, fresh, settings=settings, now=now)
    acts = {a.trigger_id: a for a in store.actions(session, workspace_id=workspace_id,
                                                   trigger_ids=[t.id for t in fresh])}
    pairs = [(t.alert_channel or default, _item(t, settings, acts, session)) for t in fresh if (t.alert_channel or default)]
    return group_by_channel(pairs)


def _unmuted(session: Session, triggers: list[TriggerRow], *, settings: Settings,
             now: datetime | None) -> list[TriggerRow]:
    """The triggers no mute silences (bot.actions.mutes): a muted one is not announced, now or later."""
    from bot.actions import mutes

    if not triggers:
        return triggers
    now = now or datetime.now(UTC)
    windows = mutes.windows(session, workspace_id=settings.workspace_id)  # a handful: people set them by hand
    if not windows:
        return triggers
    tz = settings.timezone
    return [t for t in triggers if mutes.silences(
        windows, metric=t.metric, rule=t.rule, dimension=t.dimension, segment=t.segment, fired_on=t.fired_on,
        created_at=t.created_at, now=now, tz=tz) is None]


def posted_groups_with_recoveries(session: Session, *, settings: Settings) -> list[tuple[AlertGroup, str, tuple[int, ...]]]:
    """(group as posted, its ts, recovered trigger ids) for alert messages with a recovery."""
    workspace_id = settings.workspace_id
    rows = [t for t in store.triggers(session, workspace_id=workspace_id) if t.alert_ts and t.alert_channel]
    by_message: dict[tuple[str, str], list[TriggerRow]] = defaultdict(list)
    for t in rows:
        by_message[(t.alert_channel, t.alert_ts)].append(t)
    out = []
    for (channel, ts), triggers in by_message.items():
        recovered = tuple(sorted(t.id for t in triggers if t.status == TRIGGER_RECOVERED))
        if not recovered:
            continue
        acts = {a.trigger_id: a for a in store.actions(session, workspace_id=workspace_id,
                                                       trigger_ids=[t.id for t in triggers])}
        group = group_by_channel([(channel, _item(t, settings, acts, session)) for t in triggers])[0]
        out.append((group, ts, recovered))
    return out


def render_group(group: AlertGroup) -> Message:
    return render("ritual_alert", g=group, ids=action_ids, tracker_ids=tracker_ids)


def render_dm(owner: str, items: list[AlertItem], channel: str) -> Message:
    return render("ritual_alert_dm", owner=owner, items=items, channel=channel, ids=action_ids)


def render_recovered(items: list[AlertItem]) -> Message:
    return render("ritual_alert_recovered", items=items)


def send_alerts(publisher: Publisher, sessions, *, settings: Settings, now: datetime | None = None,
                ignore_hours: bool = False) -> int:
    """Post new trigger alerts, then the owner DMs that are due; returns the number of alert messages posted."""
    with sessions() as session:
        groups = pending_alerts(session, settings=settings, now=now or publisher.clock())
    count = 0
    for group in groups:
        result = publisher.message(group.key, render_group(group))
        if result.ts is None or result.outcome in NOT_POSTED:
            continue
        with sessions.begin() as session:
            session.execute(update(TriggerRow).where(
                TriggerRow.workspace_id == settings.workspace_id, TriggerRow.id.in_(group.trigger_ids))
                .values(alert_channel=group.channel, alert_ts=result.ts).execution_options(synchronize_session=False))
        count += 1
    send_owner_dms(publisher, sessions, settings=settings, now=now or publisher.clock(), ignore_hours=ignore_hours)
    return count


def owner_dms(groups: list[AlertGroup]) -> list[tuple[str, ledger.Key, list[AlertItem], str]]:
    """Pure: (owner, ledger key, items, channel) for every owner of open items in posted alert groups."""
    out = []
    for group in groups:
        owners: dict[str, list[AlertItem]] = defaultdict(list)
        for item in group.items:
            if item.owner and item.recovered_on is None and is_user_id(item.owner):
                owners[item.owner].append(item)
        for owner, items in sorted(owners.items()):
            out.append((owner, ledger.Key("alert_dm", owner, group.key.period), items, group.channel))
    return out


def send_owner_dms(publisher: Publisher, sessions, *, settings: Settings, now: datetime,
                   ignore_hours: bool = False) -> int:
    workspace_id = settings.workspace_id
    with sessions() as session:
        posted = [t for t in store.triggers(session, workspace_id=workspace_id, status=TRIGGER_OPEN)
                  if t.alert_ts and t.alert_channel and t.playbook]
        by_message: dict[tuple[str, str], list[TriggerRow]] = defaultdict(list)
        for t in posted:
            by_message[(t.alert_channel, t.alert_ts)].append(t)
        groups = []
        for (channel, _ts), triggers in by_message.items():
            acts = {a.trigger_id: a for a in store.actions(session, workspace_id=workspace_id,
                                                           trigger_ids=[t.id for t in triggers])}
            groups += group_by_channel([(channel, _item(t, settings, acts, session)) for t in triggers])
    # Playbook owners named by email become their Slack user (users.lookupByEmail, cached).
    resolve = publisher.delivery.resolve_user
    groups = [dataclasses.replace(g, items=tuple(
        dataclasses.replace(i, owner=resolve(i.owner) if i.owner else None) for i in g.items)) for g in groups]
    rituals = settings.file.rituals
    sent = 0
    for owner, key, items, channel in owner_dms(groups):
        row = ledger.find(publisher.sessions, workspace_id=workspace_id, key=key)
        if row is not None and row.status == ledger.POSTED:
            continue
        tz = publisher.delivery.user_timezone(owner) or settings.file.timezone
        if not ignore_hours and not schedule.is_working_time(now, tz, rituals.working_hours,
                                                             skip_weekends=rituals.skip_weekends):
            continue
        if publisher.message(key, render_dm(owner, items, channel), dm=True).outcome == "posted":
            sent += 1
    return sent


def send_recoveries(publisher: Publisher, sessions, *, settings: Settings) -> int:
    """Edit each alert message that has a recovery, then reply in its thread (once per set of recoveries)."""
    with sessions() as session:
        posted = posted_groups_with_recoveries(session, settings=settings)
    count = 0
    for group, ts, recovered in posted:
        reply_key = ledger.Key("alert_recovery", group.channel, ledger.period_key_for("r", *recovered))
        done = ledger.find(sessions, workspace_id=settings.workspace_id, key=reply_key)
        if done is not None and done.status == ledger.POSTED:
            continue
        original = ledger.find(sessions, workspace_id=settings.workspace_id, key=group.key)
        if original is not None and original.status == ledger.POSTED:
            publisher.message(group.key, render_group(group))  # edit mode: the ledger holds the original ts
        items = [i for i in group.items if i.trigger_id in recovered]
        if publisher.message(reply_key, render_recovered(items), thread_ts=ts).outcome == "posted":
            count += 1
    return count
