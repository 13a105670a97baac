"""The demo's weekly cycle: trigger alerts and owner DMs, the weekly review thread with charts,
owner reminders, product digests, account-risk signals, the leadership summary and the closing nudge.

`demo_stage(demo)` runs after the metrics rollup stage (it needs daily_metrics
and triggers). Everything is "posted" to an in-memory delivery through the
real ledger and publisher; the messages are emitted to the demo in the order
Slack would show them, and the trend charts are written as PNGs into
`demo.out`.
"""
from __future__ import annotations

from datetime import timedelta

from bot.rituals import schedule
from bot.rituals.delivery import RecordingDelivery
from bot.rituals.runner import Runner

NAMES = {
    "alert": "ritual_alert", "alert_dm": "ritual_alert_dm", "alert_recovery": "ritual_alert_recovered",
    "weekly_review": "ritual_review", "weekly_review#1": "ritual_review_moved", "weekly_review#2": "ritual_review_did",
    "weekly_review#3": "ritual_review_needle", "weekly_review#4": "ritual_review_green",
    "weekly_review#nudge": "ritual_review_nudge", "reminder": "ritual_reminder", "digest": "ritual_digest",
    "digest#1": "ritual_digest_detail", "account_risk": "ritual_accounts", "leadership": "ritual_leadership",
    "quarterly": "ritual_quarterly",
}


def demo_stage(demo) -> None:
    settings = demo.settings
    tz = settings.file.timezone
    review_at = schedule.local_instant(demo.as_of, settings.file.rituals.weekly_review.time, settings.timezone)
    clock_at = [review_at]
    delivery = RecordingDelivery()
    runner = Runner(settings, demo.session_factory, delivery, clock=lambda: clock_at[0])
    period = schedule.period_key("weekly", demo.as_of)

    runner.run_alerts(ignore_hours=True)
    runner.post("weekly_review", today=demo.as_of, period=period)
    for ritual in ("digest", "account_risk"):
        runner.post(ritual, today=demo.as_of, period=period)
    if settings.file.slack.leadership_channel or settings.file.rituals.leadership.channel:
        first_of_month = demo.as_of.replace(day=1)
        runner.post("leadership", today=first_of_month, period=schedule.period_key("monthly", first_of_month - timedelta(days=1)))
    # The end of the review day without a named action: the closing nudge.
    end_at = schedule.end_of_working_day(demo.as_of, tz, settings.file.rituals.working_hours)
    clock_at[0] = end_at
    runner.run_nudge(end_at)
    # The rest of the week: each working morning's owner reminders (before due, at due, overdue).
    for offset in range(1, 7):
        morning = schedule.local_instant(demo.as_of + timedelta(days=offset), settings.file.rituals.reminders.time,
                                         settings.timezone) + timedelta(minutes=30)
        clock_at[0] = morning
        runner.run_reminders(morning)

    names = {}
    for result in runner.log:
        if result.ts:
            names[(result.key.channel if not result.key.channel.startswith(("U", "W")) else f"D{result.key.channel}",
                   result.ts)] = NAMES.get(result.key.ritual, result.key.ritual.replace("#", "_"))
    charts = 0
    for sent in delivery.sent:
        if sent.kind == "post" and sent.message is not None:
            name = names.get((sent.channel, sent.ts), "ritual")
            channel = sent.channel + (f" (thread {sent.thread_ts})" if sent.thread_ts else "")
            demo.emit(name, channel, sent.message)
        elif sent.kind == "upload" and sent.png:
            charts += 1
            (demo.out / f"chart-{sent.filename}").write_bytes(sent.png)
    posted = sum(1 for s in delivery.sent if s.kind == "post")
    demo.notes.append(f"weekly cycle: {posted} Slack messages (alerts, review thread, reminders, digests, "
                      f"account risk) and {charts} trend charts; posting again would edit, not repeat, them")
