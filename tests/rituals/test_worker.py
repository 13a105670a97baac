"""A simulated week and quarter with frozen time: two workers, a restart, Slack faults, DST, an owner elsewhere."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select, update

from bot.rituals import ledger
from bot.storage.models import PostedMessage, TriggerRow
from tests.rituals import factories as f
from tests.rituals.scenario import make_worker, seed_tickets, settings

MONDAY = date(2026, 11, 23)  # winter time in Berlin: 09:30 = 08:30 UTC


def tick_range(start: datetime, end: datetime, step: timedelta):
    at = start
    while at < end:
        yield at
        at += step


def top_level(fake, channel):
    return fake.in_channel(channel)


def seed(session_factory, today=MONDAY):
    with session_factory.begin() as session:
        ids = f.seed_review_scenario(session, today)
        seed_tickets(session, today)
    return ids


def test_simulated_week_two_workers_a_crash_and_slack_faults(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    s = settings(tmp_path)
    ids = seed(session_factory)
    fake_slack.users.update({"U0LEAD": {"tz": "Europe/Berlin"}, "U0OPS": {"tz": "Europe/Berlin"},
                             "U0NYC": {"tz": "America/New_York"}})
    fake_slack.outside.add("C0BILLING")  # public: the worker joins and posts
    a = make_worker(s, session_factory, slack_url, sleeps, "worker-a")
    b = make_worker(s, session_factory, slack_url, sleeps, "worker-b")
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    crashed = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    recovered_at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for now in tick_range(start, start + timedelta(days=7), timedelta(minutes=30)):
            traveller.move_to(now)
            if now == datetime(2026, 11, 23, 8, 30, tzinfo=UTC):
                fake_slack.rate_limit("chat.postMessage", retry_after=7, times=2)  # the review hits a 429 twice
            if now == recovered_at:
                with session_factory.begin() as session:
                    session.execute(update(TriggerRow).where(TriggerRow.id == ids["billing_trigger"])
                                    .values(status="recovered", recovered_on=date(2026, 11, 25)))
            workers = (b,) if now >= crashed else (a, b)  # a dies at 08:00 holding the lease
            ran = [w.run_once() for w in workers]
            assert ran.count(True) <= 1

    # the review: one parent, posted once despite the crash and two 429s, with its agenda and charts in the thread
    reviews = top_level(fake_slack, "C0REVIEW")
    assert len(reviews) == 1
    review_ts = reviews[0]["ts"]
    assert reviews[0]["at"] >= datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    thread = [m for m in fake_slack.messages if m["thread_ts"] == review_ts]
    sections = [m["text"].split(" (")[0].split(":")[0] for m in thread]  # "1. What moved" is one message per item
    assert [s for i, s in enumerate(sections) if i == 0 or s != sections[i - 1]][:3] == [
        "1. What moved", "2. What we did", "3. Did it move the needle"]
    assert sleeps.count(7.0) == 2
    assert [u["thread_ts"] for u in fake_slack.uploads] and all(u["thread_ts"] == review_ts for u in fake_slack.uploads)
    assert all(u["alt_txt"] for u in fake_slack.uploads)
    # the closing check nudged in the thread at the end of Monday (no named action after the review)
    nudges = [m for m in thread if m["text"] == "The weekly review has no named action yet"]
    assert len(nudges) == 1 and nudges[0]["at"] == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)

    # the billing digest (notable) posted once after joining the channel; login (nothing notable) skipped
    assert len(top_level(fake_slack, "C0BILLING")) == 1 and len(fake_slack.of("conversations.join")) == 1
    assert top_level(fake_slack, "C0LOGIN") == []
    # account risk: once, Northwind first
    risk = top_level(fake_slack, "C0SUCCESS")
    assert len(risk) == 1 and "Northwind Traders" in risk[0]["blocks"][2]["text"]["text"]

    # the alert: one grouped message, one DM to the playbook owner, updated on recovery with a thread reply
    alerts = top_level(fake_slack, "C0ALERTS")
    assert len(alerts) == 1
    alert_dms = [m for m in fake_slack.messages if m["channel"] == "DU0LEAD" and "new alert" in m["text"]]
    # the trigger was there at 06:00 UTC (07:00 in Berlin): the owner's DM waited for 09:00 their time
    assert [m["at"] for m in alert_dms] == [datetime(2026, 11, 23, 8, 0, tzinfo=UTC)]
    assert alerts[0]["at"] == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert any(u["ts"] == alerts[0]["ts"] for u in fake_slack.updates)
    assert alerts[0]["text"].startswith("Recovered")
    assert len([m for m in fake_slack.messages if m["thread_ts"] == alerts[0]["ts"]]) == 1

    # reminders: one DM per owner per day, inside each owner's working hours, weekends skipped
    reminders = [m for m in fake_slack.messages if m["channel"].startswith("D") and "to follow up" in m["text"]]
    by_owner = {}
    for m in reminders:
        by_owner.setdefault(m["channel"], []).append(m["at"])
    lead_days = [at.date() for at in by_owner["DU0LEAD"]]
    assert lead_days == sorted(set(lead_days)) and len(lead_days) == 5  # overdue: Mon–Fri, not the weekend
    assert all(at.weekday() < 5 for ats in by_owner.values() for at in ats)
    # the New York owner's item is due Tuesday: "before" on Monday, "due" on Tuesday, overdue after — at 09:00 New York
    nyc = by_owner["DU0NYC"]
    assert all(at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).hour >= 9 for at in nyc)
    assert nyc[0] == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

    # the ledger holds exactly one row per ritual, channel and period
    with session_factory() as session:
        rows = session.execute(select(PostedMessage.ritual, PostedMessage.channel, PostedMessage.period)).all()
    assert len(rows) == len(set(rows))


def test_restart_within_grace_posts_once_after_grace_never(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    s = settings(tmp_path)
    seed(session_factory)
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    with time_machine.travel(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), tick=False) as traveller:
        w.run_once()  # before the review
        assert top_level(fake_slack, "C0REVIEW") == []
        # down from 07:00 to 12:45 UTC; back within the 6 h grace → posted once, late
        for now in tick_range(datetime(2026, 11, 23, 12, 45, tzinfo=UTC), datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
                              timedelta(minutes=15)):
            traveller.move_to(now)
            restarted = make_worker(s, session_factory, slack_url, sleeps, f"w-{now:%H%M}")  # a fresh process each time
            restarted.run_once()
            restarted.step_down()
    assert len(top_level(fake_slack, "C0REVIEW")) == 1

    # next week the worker is down past the grace: the review is skipped, never posted a day late
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), tick=False) as traveller:
        for now in tick_range(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
                              timedelta(hours=1)):
            traveller.move_to(now)
            w.run_once()
    assert len(top_level(fake_slack, "C0REVIEW")) == 1
    assert ledger.find(session_factory, workspace_id="default",
                       key=ledger.Key("weekly_review", "C0REVIEW", "2026-W49")) is None


def test_rerun_edits_instead_of_posting(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    s = settings(tmp_path)
    seed(session_factory)
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    with time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False):
        w.runner.post("weekly_review", today=MONDAY, period="2026-W48")
        posts = len(fake_slack.messages)
        with session_factory.begin() as session:  # something changed: an action got done
            session.add(f.action("csat", "U0LEAD", due_on=MONDAY, status="closed",
                                 closed_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC)))
        w.runner.post("weekly_review", today=MONDAY, period="2026-W48")
    assert len(fake_slack.messages) == posts
    assert fake_slack.updates and len(fake_slack.uploads) == len({u["title"] for u in fake_slack.uploads})


def test_private_channel_failure_is_recorded_and_others_still_post(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    s = settings(tmp_path)
    seed(session_factory)
    fake_slack.outside.add("C0BILLING")
    fake_slack.private_channels.add("C0BILLING")  # cannot join: the app must be invited
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False):
        w.run_once()
    row = ledger.find(session_factory, workspace_id="default", key=ledger.Key("digest", "C0BILLING", "2026-W48"))
    assert row.status == "failed" and "not_in_channel" in row.error
    assert len(top_level(fake_slack, "C0SUCCESS")) == 1


def test_simulated_quarter_across_dst(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    """Sept → Dec 2026: Berlin leaves summer time on Oct 25; the review stays at 09:30 local every Monday."""
    s = settings(tmp_path)
    with session_factory.begin() as session:
        session.add_all(f.metric_days("csat", date(2026, 7, 1), [0.88] * 160, expected=0.88, spread=0.02,
                                      direction=-1, denominator=100))
        session.add(f.trigger("reopen-spike", "reopen_rate", date(2026, 8, 10), status="recovered",
                              recovered_on=date(2026, 8, 20), alert_ts="1.1", alert_channel="C0ALERTS"))
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    start = datetime(2026, 9, 28, 7, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for day in range(7 * 13):
            for minutes in range(0, 2 * 60 + 1, 30):  # 07:00–09:00 UTC every day
                now = start + timedelta(days=day, minutes=minutes)
                traveller.move_to(now)
                w.run_once()
    reviews = top_level(fake_slack, "C0REVIEW")
    weekly = [m for m in reviews if m["text"].startswith("Weekly support review")]
    assert len(weekly) == 13
    berlin = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    assert {(m["at"].astimezone(berlin).weekday(), m["at"].astimezone(berlin).strftime("%H:%M")) for m in weekly} == {(0, "09:30")}
    assert {m["at"].strftime("%H:%M") for m in weekly} == {"07:30", "08:30"}  # UTC shifts with DST
    quarterly = [m for m in reviews if m["text"].startswith("Quarterly metric review")]
    assert [m["text"] for m in quarterly] == ["Quarterly metric review, July to September 2026"]
    assert len(top_level(fake_slack, "C0LEADERS")) == 3  # Oct, Nov, Dec: first Monday of each month
    # an alert posted before the ledger existed: the recovery goes in its thread, no new top-level message
    assert top_level(fake_slack, "C0ALERTS") == []
    assert [m["thread_ts"] for m in fake_slack.messages if m["channel"] == "C0ALERTS"] == ["1.1"]


def test_two_workers_at_the_same_instant_one_leads(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    from concurrent.futures import ThreadPoolExecutor

    s = settings(tmp_path)
    seed(session_factory)
    workers = [make_worker(s, session_factory, slack_url, sleeps, f"w{i}") for i in range(2)]
    with time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False), ThreadPoolExecutor(2) as pool:
        led = list(pool.map(lambda w: w.run_once(), workers))
    assert sorted(led) == [False, True]
    assert len(top_level(fake_slack, "C0REVIEW")) == 1


def test_job_table_and_scheduler_defaults(tmp_path, session_factory, slack_url, sleeps):
    from apscheduler.schedulers.background import BackgroundScheduler

    s = settings(tmp_path, '\n[sources.zendesk]\ninterval_minutes = 5\n')
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    w.refresh = lambda: None
    table = {j.id: j.every for j in w.job_table()}
    assert table == {"lease": timedelta(seconds=30), "sync:zendesk": timedelta(minutes=5),
                     "health": timedelta(minutes=5), "refresh": timedelta(minutes=15), "rituals": timedelta(minutes=1),
                     "alerts": timedelta(minutes=1), "reminders": timedelta(minutes=15)}
    scheduler = w.scheduler(BackgroundScheduler)
    scheduler.start(paused=True)  # nothing runs; the job defaults are applied
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == set(table)
    assert all(j.coalesce and j.max_instances == 1 and j.misfire_grace_time == 300 for j in jobs.values())


def test_a_ritual_done_for_the_period_is_not_gathered_again(tmp_path, session_factory, fake_slack, slack_url, sleeps):
    s = settings(tmp_path)
    seed(session_factory)
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    calls = []
    original = w.runner.render
    w.runner.render = lambda ritual, **kw: calls.append(ritual) or original(ritual, **kw)
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False) as traveller:
        w.run_once()
        traveller.move_to(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
        w.run_once()
    assert calls.count("digest") == 1 and calls.count("weekly_review") == 1


def test_posting_late_is_logged_once_per_ritual_and_period(tmp_path, session_factory, fake_slack, slack_url, sleeps,
                                                           caplog):
    """Back within the grace: one 'posting late' line per ritual, not one a minute for the rest of the window."""
    s = settings(tmp_path)
    seed(session_factory)
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 3.5 h after the review's 08:30 UTC
    with caplog.at_level("INFO", logger="bot.rituals.runner"), time_machine.travel(start, tick=False) as traveller:
        for now in tick_range(start, start + timedelta(minutes=8), timedelta(minutes=1)):
            traveller.move_to(now)
            w.run_once()
    late = [r.getMessage() for r in caplog.records if "posting late" in r.getMessage()]
    assert late and len(late) == len({line.split(":")[0] for line in late})
    assert any(line.startswith("weekly_review 2026-W48") for line in late)
    assert len(top_level(fake_slack, "C0REVIEW")) == 1


class BrokenEmbedder:
    """The embedding model failing mid-run (its download, its memory): the run stores nothing."""

    name, dim = "broken-v1", 8

    def embed(self, texts):
        raise RuntimeError("embedder unavailable")


def test_once_runs_themes_only_when_due_since_the_last_stored_run(tmp_path, session_factory, fake_slack, slack_url,
                                                                   sleeps):
    from bot.context import Runtime
    from bot.rituals.worker import make_themes
    from bot.themes.service import last_run_at, run_themes

    s = settings(tmp_path, '\n[themes]\nembedder = "hashing"\n')
    seed(session_factory)
    w = make_worker(s, session_factory, slack_url, sleeps, "w1")
    now = [datetime(2026, 11, 23, 6, 0, tzinfo=UTC)]
    w.clock = lambda: now[0]
    real = make_themes(Runtime(s, _sessions=session_factory), clock=w.clock)
    broken = [False]
    runs: list[datetime] = []

    def themes():
        runs.append(now[0])
        if broken[0]:
            return run_themes(session_factory, settings=s, now_at=now[0], embedder=BrokenEmbedder())
        return real()

    w.themes = themes
    stored = lambda: last_run_at(session_factory, workspace_id=s.workspace_id)  # noqa: E731
    start = now[0]

    def once_at(at: datetime) -> None:
        now[0] = at
        with time_machine.travel(at, tick=False):
            assert w.run_once()

    once_at(start)
    assert runs == [start] and stored() == start
    once_at(start + timedelta(hours=1))  # within the 6 h: themes skipped, the other jobs still ran
    assert runs == [start] and stored() == start
    broken[0] = True
    once_at(start + timedelta(hours=6))  # due: it runs, and fails
    assert runs == [start, start + timedelta(hours=6)] and stored() == start  # a failure is not a success
    broken[0] = False
    once_at(start + timedelta(hours=6, minutes=15))  # still due: the failed run did not count
    assert runs[-1] == start + timedelta(hours=6, minutes=15) and stored() == runs[-1]
    once_at(start + timedelta(hours=7))
    assert len(runs) == 3

    from apscheduler.schedulers.background import BackgroundScheduler

    with time_machine.travel(start + timedelta(hours=7), tick=False):  # a restart: themes waits for its interval
        scheduler = w.scheduler(BackgroundScheduler)
        scheduler.start(paused=True)
        try:
            first = {j.id: j.next_run_time for j in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
    assert first["themes"] == runs[-1] + timedelta(hours=6)
    assert first["rituals"] == start + timedelta(hours=7)


def test_themes_in_a_child_process_store_what_the_worker_would(tmp_path, db_url, session_factory):
    """The serving worker runs themes in a spawned child that exits (its peak memory leaves with it)."""
    from bot.config import load_settings
    from bot.context import Runtime
    from bot.rituals.worker import make_themes
    from bot.storage.themes import stored_themes

    settings(tmp_path, '\n[themes]\nembedder = "hashing"\nclusters = 2\n')
    s = load_settings({"DATABASE_URL": db_url}, config_path=str(tmp_path / "signalroom.toml"))  # the child's DB
    seed(session_factory)
    at = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    runtime = Runtime(s, _sessions=session_factory)

    def stored():
        with session_factory() as session:
            return [(t.theme_id, t.name, t.ticket_ids, t.shown, t.weeks, t.updated_at)
                    for t in stored_themes(session, workspace_id=s.workspace_id)]

    summary = make_themes(runtime, clock=lambda: at, child=True)()
    in_child = stored()
    again = make_themes(runtime, clock=lambda: at)()  # the same run again, in this process
    assert again[:2] == summary[:2] and again[3] == summary[2] > 0  # (themes, tickets); the child's vectors kept
    assert in_child == stored() and in_child and all(row[-1] == at for row in in_child)
