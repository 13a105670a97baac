"""The quarterly review reads rule firings from zone history as `signalroom backtest` does, says when part
of the quarter has no data, and says nothing about a quarter with none."""
from __future__ import annotations

import json
from datetime import date, timedelta

from bot.cli import main
from bot.config import load_settings
from bot.metrics.rules import RuleEvent
from bot.rituals import quarterly
from bot.storage.models import DailyMetric

FIRST = date(2026, 8, 15)  # the data starts mid-quarter (2026-Q3: 1 Jul to 30 Sep)
LAST = date(2026, 10, 10)
SPIKE = (date(2026, 9, 14), date(2026, 9, 18))


def config(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n[slack]\nreview_channel = "C0REVIEW"\n'
                    '[[rules]]\nname = "backlog-high"\nmetric = "backlog"\n'
                    '[[rules]]\nname = "volume-high"\nmetric = "ticket_volume"\n', encoding="utf-8")
    return path


def seed_backlog(session_factory):
    """Stored daily values only (no trigger rows, as after a backfill): a backlog that jumps for five days."""
    with session_factory.begin() as session:
        day = FIRST
        while day <= LAST:
            value = 100.0 + (day.toordinal() % 7) * 3
            if SPIKE[0] <= day <= SPIKE[1]:
                value = 400.0
            for metric in ("backlog", "ticket_volume"):
                session.add(DailyMetric(workspace_id="default", day=day, metric=metric, dimension="", segment="",
                                        value=value if metric == "backlog" else 50.0 + day.toordinal() % 5,
                                        n=100, zone="healthy"))
            day += timedelta(days=1)


def test_rule_firings_agree_with_the_backtest_and_partial_data_is_said(tmp_path, session_factory, db_url, capsys):
    path = config(tmp_path)
    seed_backlog(session_factory)
    env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url}
    assert main(["backtest", "--metric", "backlog", "--json"], env) == 0
    days = json.loads(capsys.readouterr().out)["days"]
    fired = [d["date"] for d in days if "backlog-high" in (d.get("rules") or []) and "2026-07-01" <= d["date"] <= "2026-09-30"]
    assert fired  # the backtest shows the rule firing in Q3

    settings = load_settings({}, config_path=str(path))
    with session_factory() as session:
        q = quarterly.gather(session, settings=settings, today=date(2026, 10, 5))
    lines = {line.rule: line for line in q.rules}
    assert lines["backlog-high"].fired == len(fired) and lines["backlog-high"].verdict != "never fires"
    assert lines["volume-high"].fired == 0 and lines["volume-high"].verdict == "never fires"
    assert q.days == (date(2026, 9, 30) - FIRST).days + 1
    assert q.coverage_words == "figures cover Sat 15 Aug to Wed 30 Sep only (47 of 92 days)"
    text = json.dumps(quarterly.render_review(q).payload(), ensure_ascii=False)
    assert "July to September 2026" in text and "Part of the quarter has no data" in text
    assert "2026-Q3" not in text


def test_a_quarter_without_data_is_not_reported(tmp_path, session_factory):
    seed_backlog(session_factory)
    settings = load_settings({}, config_path=str(config(tmp_path)))
    with session_factory() as session:
        assert quarterly.gather(session, settings=settings, today=date(2026, 7, 3)) is None  # Q2: no stored day


def test_a_fully_covered_quarter_says_nothing_about_coverage():
    q = quarterly.QuarterlyReview("C0", "2026-Q3", 92, (), (), date(2026, 7, 1), date(2026, 9, 30),
                                  date(2026, 7, 1), date(2026, 9, 30))
    assert q.coverage_words is None and q.quarter_words == "July to September 2026"


def event(kind, day, segment=""):
    return RuleEvent(kind, "r", "backlog", "", segment, day, day)


def test_rule_history_counts_open_days_inside_the_quarter_only():
    start, end = date(2026, 7, 1), date(2026, 9, 30)
    history = quarterly.rule_history([
        event("fire", date(2026, 6, 25)), event("recover", date(2026, 7, 3)),  # open from before the quarter
        event("fire", date(2026, 8, 1)), event("recover", date(2026, 8, 5)),
        event("fire", date(2026, 9, 28), "billing"),  # still open at the end
    ], start=start, end=end)
    assert history["r"].fired_on == (date(2026, 8, 1), date(2026, 9, 28))
    assert history["r"].open_days == 2 + 4 + 3
