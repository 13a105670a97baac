"""The demo's weekly cycle: trigger alerts and owner DMs, the weekly review thread with charts,
owner reminders, product digests, account-risk signals, the leadership summary and the closing nudge.

`demo_stage(demo)` runs after the metrics rollup stage (it needs daily_metrics
and triggers). Everything is "posted" to an in-memory delivery through the
real ledger and publisher; the messages are emitted to the demo in the order
Slack would show them, and the trend charts are written as PNGs into
`demo.out`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.actions.statuses import DONE
from bot.rituals import schedule
from bot.rituals.delivery import RecordingDelivery
from bot.rituals.runner import Runner

NAMES = {
    "alert": "ritual_alert", "alert_dm": "ritual_alert_dm", "alert_recovery": "ritual_alert_recovered",
    "weekly_review": "ritual_review", "weekly_review#nudge": "ritual_review_nudge", "reminder": "ritual_reminder", "digest": "ritual_digest",
    "digest#1": "ritual_digest_detail", "account_risk": "ritual_accounts", "leadership": "ritual_leadership",
    "quarterly": "ritual_quarterly",
}
# The review's thread replies are named by their section ("1. What moved" is one message per item).
REVIEW_SECTIONS = {"1.": "ritual_review_moved", "2.": "ritual_review_did", "3.": "ritual_review_needle",
                   "4.": "ritual_review_green"}


def demo_stage(demo) -> None:
    settings = demo.settings
    tz = settings.file.timezone
    review_at = schedule.local_instant(demo.as_of, settings.file.rituals.weekly_review.time, settings.timezone)
    clock_at = [review_at]
    delivery = RecordingDelivery()
    runner = Runner(settings, demo.session_factory, delivery, clock=lambda: clock_at[0])

    runner.run_alerts(ignore_hours=True)
    plant_completed_actions(demo)
    for ritual in runner.rituals.values():  # the registry's periodic rituals, in its order
        if ritual.periodic and ritual.demo:
            runner.post(ritual.key, **demo_period(ritual.cadence, demo.as_of))
    # The end of the review day without a named action: the closing nudge.
    end_at = schedule.end_of_working_day(demo.as_of, tz, settings.file.rituals.working_hours)
    clock_at[0] = end_at
    runner.run_nudge(end_at)
    # The rest of the week: each working morning's owner reminders (before due, at due, overdue).
    for offset in range(1, 7):
        morning = schedule.local_instant(demo.as_of + timedelta(days=offset), settings.file.rituals.reminders.time,
                                         settings.timezone) + timedelta(minutes=30)
        clock_at[0] = morning
        for ritual in runner.rituals.values():
            if ritual.every is not None and ritual.demo:
                runner.run_now(ritual.key, morning)

    names = {}
    for result in runner.log:
        if result.ts:
            names[(result.key.channel if not result.key.channel.startswith(("U", "W")) else f"D{result.key.channel}",
                   result.ts)] = NAMES.get(result.key.ritual, result.key.ritual.replace("#", "_"))
    charts = 0
    for sent in delivery.sent:
        if sent.kind == "post" and sent.message is not None:
            name = names.get((sent.channel, sent.ts), "ritual")
            if name.startswith("weekly_review_"):
                name = REVIEW_SECTIONS.get(sent.message.text[:2], name)
            channel = sent.channel + (f" (thread {sent.thread_ts})" if sent.thread_ts else "")
            demo.emit(name, channel, sent.message)
        elif sent.kind == "upload" and sent.png:
            charts += 1
            (demo.out / f"chart-{sent.filename}").write_bytes(sent.png)
    posted = sum(1 for s in delivery.sent if s.kind == "post")
    demo.notes.append(f"weekly cycle: {posted} Slack messages (alerts, review thread, reminders, digests, "
                      f"account risk) and {charts} trend charts; posting again would edit, not repeat, them")


def demo_period(cadence: str, as_of: date) -> dict[str, Any]:
    """The day a periodic ritual runs on in the demo's week, and the period it covers: the week (or day) of
    `as_of`; a monthly or quarterly one on the first of `as_of`'s month or quarter, about the one before."""
    if cadence in ("weekly", "daily"):
        return {"today": as_of, "period": schedule.period_key(cadence, as_of)}
    first = as_of.replace(day=1) if cadence == "monthly" else as_of.replace(month=(as_of.month - 1) // 3 * 3 + 1, day=1)
    return {"today": first, "period": schedule.period_key(cadence, first - timedelta(days=1))}


def plant_completed_actions(demo) -> None:
    """The story's two completed actions, as a team would have logged them, so the review has verdicts:

    - the third staffing gap: the slow-first-response rule fired (found in zone history the way the
      backtest finds it), the playbook owner moved two agents to chat three days later and the gap
      ended (the earlier three gaps each took twelve days to end by themselves): *improved*;
    - the release-week volume spike: a manual known-issues note, posted on the spike's last day, after
      which volume came back the way it does anyway: *recovered as usual*.

    Both hold whatever day the demo runs on (tests/rituals/test_demo_verdicts_any_day.py sweeps a week).
    """
    from bot.actions.service import open_action
    from bot.metrics.settings import Rule
    from bot.metrics.verdicts import excursions
    from bot.rituals import store
    from bot.rituals.verdict import readings
    from bot.storage.models import TRIGGER_RECOVERED, TriggerRow

    story = demo.story
    if story is None or story.fixed_gap is None:
        return
    settings = demo.settings
    ws, tz = demo.workspace_id, settings.timezone
    at = lambda d, hour: datetime.combine(d, time(hour), tz)  # noqa: E731
    cfg = next((r for r in settings.file.rules if r.metric == "first_response_time" and not r.by), None)
    gap_start, fixed = story.fixed_gap
    with demo.session_factory.begin() as session:
        if cfg is not None:
            rule = Rule(cfg.name, cfg.metric, cfg.zone, cfg.days, cfg.recover_days)
            history = readings(session, workspace_id=ws, metric=cfg.metric, dimension="", segment="",
                               start=gap_start - timedelta(days=7), end=fixed + timedelta(days=14))
            found = [e for e in excursions(history, rule) if gap_start <= e[1] < fixed]
            if found:
                since, fired, back = found[0]
                playbook = settings.file.playbooks.get(cfg.playbook) if cfg.playbook else None
                # The day's stored reading, as the rollup keeps it on a trigger it fires (the alert's figure).
                day = store.daily(session, workspace_id=ws, start=fired, end=fired, metric=cfg.metric)
                evidence = {**((day[0].evidence or {}) if day else {}), "since": since.isoformat()}
                trigger = TriggerRow(workspace_id=ws, rule=cfg.name, metric=cfg.metric,
                                     zone=(day[0].zone if day and day[0].zone else cfg.zone),
                                     status=TRIGGER_RECOVERED, fired_on=fired,
                                     recovered_on=(back or fixed) + timedelta(days=cfg.recover_days - 1),
                                     playbook=cfg.playbook, evidence=evidence,
                                     alert_channel=settings.file.slack.alerts_channel)
                session.add(trigger)
                session.flush()
                action = open_action(session, workspace_id=ws, metric=cfg.metric, owner=playbook.owner if playbook
                                     else "U0DEMOOPS", created_by="U0DEMOOPS", due_on=fired + timedelta(days=3),
                                     description="Move two agents to chat and email at peak hours",
                                     trigger_id=trigger.id)
                _done(action, opened=at(fired, 10), closed=at(fixed - timedelta(days=1), 17),
                      outcome="Two agents moved to chat and email at peak hours")
        # Opened on the release week's fourth day (the spike's last): a manual action's problem window is the
        # seven days before it was opened, so it holds the spike's three loudest days whatever weekday the
        # release fell on, and the after window (from the next day) holds none of it.
        last = story.release_day + timedelta(days=story.release_spike_days - 1)
        note = open_action(session, workspace_id=ws, metric="ticket_volume", owner="U0DEMOLEAD",
                           created_by="U0DEMOLEAD", due_on=last,
                           description="Post a known-issues note for the v4.2 release in the help centre")
        _done(note, opened=at(last, 9), closed=at(last, 16), outcome="Known-issues note posted")


def _done(action, *, opened: datetime, closed: datetime, outcome: str) -> None:
    """Back-date a planted action to when the story says it happened."""
    action.status, action.outcome = DONE, outcome
    action.created_at = action.updated_at = opened
    action.closed_at = closed
