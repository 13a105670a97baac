"""The demo's planted stories survive a quieter watch zone (issue 12.8).

The sample through the real pipeline (CSV import, rollup, stored daily values): every planted story
still reaches watch or act now in its own metric and segment, inside its window, and the demo's
first-response rule still fires inside the staffing gap that its planted action ends (the review's
"improved"). On the story-free days every overall metric is in watch or worse on under 5 % of days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.config import load_settings
from bot.demo.run import DEMO_CONFIG, annotate_release
from bot.demo.sample import DAYS, generate
from bot.imports import import_csv_file
from bot.metrics.config_map import rollup_settings
from bot.metrics.reads import backtest_stored
from bot.metrics.rollup import run_rollup

AS_OF = date(2026, 11, 27)
LOUD = ("watch", "act_now")


@pytest.fixture
def demo(session_factory, tmp_path):
    app = load_settings({}, config_path=str(DEMO_CONFIG))
    story = generate(tmp_path / "sample.csv", as_of=AS_OF, days=DAYS, per_day=300, tz=app.file.timezone)
    import_csv_file(tmp_path / "sample.csv", session_factory=session_factory, workspace_id=app.workspace_id,
                    source="csv")
    with session_factory.begin() as session:  # as the demo does: the release week's days are known events
        annotate_release(session, workspace_id=app.workspace_id, story=story)
    settings = rollup_settings(app)
    now_at = datetime.combine(AS_OF, time(8), app.timezone).astimezone(timezone.utc)
    run_rollup(session_factory, workspace_id=app.workspace_id, settings=settings, now_at=now_at, full=True)

    def backtest(metric: str, dimension: str = "", segment: str = ""):
        with session_factory() as session:
            found = dict(backtest_stored(session, workspace_id=app.workspace_id, settings=settings, metric=metric,
                                         dimension=dimension))
        return found[segment]
    return story, backtest


def loud_days(result, start: date, end: date) -> list[date]:
    return [d.result.day for d in result.days if start <= d.result.day < end and d.result.zone in LOUD]


def test_every_planted_story_reaches_watch(demo):
    story, backtest = demo
    stories = [
        ("release-week volume", "ticket_volume", "", "", story.release_day, story.release_day + timedelta(days=4)),
        ("first-response spike", "first_response_time", "", "", story.frt_spike_from, AS_OF),
        ("CSAT dip in billing", "csat", "product_area", "billing", story.csat_dip_from, AS_OF),
        ("at-risk account", "repeat_contact_rate", "account_tier", "high_value", AS_OF - timedelta(days=10), AS_OF),
        *[(f"staffing gap {a}", "first_response_time", "", "", a, b)
          for a, b in (*story.staffing_gaps, story.fixed_gap)],
    ]
    missed = [name for name, metric, dim, seg, a, b in stories if not loud_days(backtest(metric, dim, seg), a, b)]
    assert missed == []


def test_the_demo_rules_still_fire_on_their_stories(demo):
    story, backtest = demo
    frt = backtest("first_response_time")
    fired = [e.day for e in frt.events if e.kind == "fire" and e.rule == "slow-first-response"]
    gap_start, fixed = story.fixed_gap
    assert any(gap_start <= d < fixed for d in fired)  # the gap the planted action ends
    assert any(d >= story.frt_spike_from for d in fired)
    csat = backtest("csat", "product_area", "billing")
    assert any(e.kind == "fire" and e.day >= story.csat_dip_from for e in csat.events)


def test_story_free_days_are_quiet(demo):
    story, backtest = demo
    windows = [(story.release_day, story.release_day + timedelta(days=4 + 4)), (story.frt_spike_from, AS_OF),
               (AS_OF - timedelta(days=10), AS_OF), *[(a, b + timedelta(days=4)) for a, b in
                                                       (*story.staffing_gaps, story.fixed_gap)]]
    # Before issue 12.8 (120-day demo): volume 17 of 56, backlog 22 of 40, first response 6 of 56 days in watch;
    # tickets per agent 20 of 56. The shipped 240-day demo has every overall metric under the 5 % goal here
    # (worst cost per resolution 5 of 137, volume 4 of 144, tickets per agent 4 of 137; bench/RESULTS.md,
    # "Fifth pass"): the 120-day sample's resolution time (4 of 35), its p90 (3 of 35) and backlog (2 of 35)
    # were its first weeks in every judged day's baseline window. Pooled rates are judged here without the
    # pooling tail after each story (bench/quiet_watch.py adds it), and are under 5 % all the same.
    metrics = ("ticket_volume", "backlog", "tickets_per_agent", "first_response_time", "first_response_time_p90",
               "resolution_time", "resolution_time_p90", "backlog_age", "cost_per_resolution", "csat", "fcr_rate",
               "reopen_rate", "escalation_rate", "repeat_contact_rate")
    for metric in metrics:
        days = [d.result for d in backtest(metric).days if d.result.zone in ("healthy", *LOUD)
                and not any(a <= d.result.day < b for a, b in windows)]
        loud = [r.day for r in days if r.zone in LOUD]
        assert len(days) >= 100, (metric, len(days))
        assert len(loud) / len(days) < 0.05, (metric, loud)
