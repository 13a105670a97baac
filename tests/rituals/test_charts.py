"""Charts a reader can use: bands on every day shown, the text's unit, readable at Slack's thread width,
known events marked, each chart shared right after the item it shows."""
from __future__ import annotations

import json
import math
import struct
from datetime import UTC, date, datetime, timedelta

import time_machine
from slack_sdk import WebClient

from bot.annotations import annotate
from bot.metrics.catalogue import CATALOGUE
from bot.rituals import charts
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.rituals.units import fmt
from bot.storage.models import DailyMetric, Mute
from tests.fakes.slack import serve_slack
from tests.rituals import factories as f
from tests.rituals.scenario import seed_tickets
from tests.rituals.scenario import settings as scenario_settings

END = date(2026, 11, 22)
START = END - timedelta(days=83)
RECENT = 35  # the rollup keeps whole evidence (bands included) for this many recent days only
# resolution time's noise is multiplicative: its bands are expected × exp(cut-off × spread / expected)
WATCH, ACT_NOW = 4200.0 * math.exp(2 * 300.0 / 4200.0), 4200.0 * math.exp(3.5 * 300.0 / 4200.0)


def resolution_rows(*, annotated_day: date | None = None):
    """84 days of resolution time around 70 minutes; only the last 35 carry bands, as the rollup stores them."""
    rows = []
    for i in range(84):
        day = START + timedelta(days=i)
        value = 3960.0 + (i % 7) * 120 + (600.0 if i >= 80 else 0)
        expected, spread = 4200.0, 300.0
        evidence = {"value": value, "expected": expected, "spread": spread, "score": (value - expected) / spread,
                    "n": 40, "drift": None, "annotations": []}
        if i >= 84 - RECENT:
            evidence["bands"] = {"watch_above": WATCH, "act_now_above": ACT_NOW,
                                 "watch_below": None, "act_now_below": None}
        if day == annotated_day:
            evidence["annotations"] = ["release: v2.3 release"]
        rows.append(DailyMetric(workspace_id="default", day=day, metric="resolution_time", dimension="", segment="",
                                value=value, n=40, zone="healthy", expected=expected, score=evidence["score"],
                                evidence=evidence))
    return rows


def data_for(session_factory, **kwargs):
    with session_factory() as session:
        return charts.chart_data(session, workspace_id="default", metric="resolution_time", end=END, **kwargs)


def test_bands_cover_every_day_shown_not_only_the_recent_ones(session_factory):
    with session_factory.begin() as session:
        session.add_all(resolution_rows())
    data = data_for(session_factory)
    assert len(data.points) == 84 and data.points[0].day == START
    # resolution time is worse when higher: bands above, the configured multiples of the spread away
    assert all(math.isclose(p.watch_above, WATCH) and math.isclose(p.act_now_above, ACT_NOW) for p in data.points)
    assert all(p.watch_below is None for p in data.points)
    # and what the plotter draws has no gap either
    fig = charts.figure(data)
    ax = fig.axes[0]
    fills = [c for c in ax.collections if c.get_label() in ("watch", "act now")]
    assert fills and all(math.isclose(c.get_paths()[0].vertices[:, 0].min(), ax.convert_xunits(START))
                         for c in fills)


def test_the_axis_reads_in_the_unit_of_the_text(session_factory):
    with session_factory.begin() as session:
        session.add_all(resolution_rows())
    data = data_for(session_factory)
    last = data.points[-1].value
    text = fmt(last, CATALOGUE["resolution_time"].unit)  # what the review's item says: "88 min"
    assert text.endswith(" min") and data.axis_unit == "min"
    assert data.series("value")[-1] == last / 60
    ax = charts.figure(data).axes[0]
    assert ax.get_ylabel() == text.split(" ", 1)[1]


def test_readable_at_slack_thread_width(session_factory):
    with session_factory.begin() as session:
        session.add_all(resolution_rows(annotated_day=END - timedelta(days=60)))
    image = charts.trend_chart(data_for(session_factory))
    width, height = struct.unpack(">II", image.png[16:24])  # the PNG header
    assert (width, height) == (charts.DISPLAY_WIDTH_PX * 2, charts.DISPLAY_HEIGHT_PX * 2)  # 2x the displayed size
    fig = charts.figure(image.data)
    assert fig.dpi == 2 * charts.SCREEN_DPI
    assert round(fig.get_size_inches()[0] * charts.SCREEN_DPI) == charts.DISPLAY_WIDTH_PX
    fig.canvas.draw()  # tick labels exist once drawn
    texts = [t for t in fig.findobj(match=lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_text().strip() and t.get_visible()]
    assert texts and min(t.get_fontsize() for t in texts) >= 10


def test_known_events_are_marked(session_factory):
    release = END - timedelta(days=60)  # outside the recent evidence: only the compact numbers are stored
    incident = END - timedelta(days=10)
    with session_factory.begin() as session:
        session.add_all(resolution_rows(annotated_day=release))
        annotate(session, workspace_id="default", day=incident, kind="incident", label="Login outage",
                 created_by="U0ADMIN")  # annotated after the rollup: read from the annotations table
    data = data_for(session_factory)
    assert [(e.day, e.kind, e.label) for e in data.events] == [(release, "release", "v2.3 release"),
                                                               (incident, "incident", "Login outage")]
    ax = charts.figure(data).axes[0]
    marks = [a for a in ax.get_children() if a.get_gid() == "event"]
    assert {t.get_text() for t in marks if hasattr(t, "get_text")} == {"v2.3 release", "Login outage"}
    assert "v2.3 release" in charts.alt_text(data)


def test_a_mute_window_is_shaded(session_factory):
    with session_factory.begin() as session:
        session.add_all(resolution_rows())
        session.add_all([
            Mute(workspace_id="default", metric="resolution_time", starts_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
                 until_at=datetime(2026, 11, 9, 0, tzinfo=UTC), reason="release week", created_by="U0LEAD"),
            Mute(workspace_id="default", metric="resolution_time", dimension="group", segment="Billing",
                 starts_at=datetime(2026, 11, 2, 9, tzinfo=UTC), until_at=datetime(2026, 11, 9, tzinfo=UTC),
                 reason="another series", created_by="U0LEAD"),
        ])
    data = data_for(session_factory)
    assert [(e.day, e.until, e.kind, e.label) for e in data.events] == [
        (date(2026, 11, 2), date(2026, 11, 8), "mute", "muted: release week")]
    ax = charts.figure(data).axes[0]
    assert any(p.get_gid() == "event" for p in ax.patches)


def test_each_chart_is_shared_right_after_the_item_it_shows(tmp_path, session_factory):
    monday = date(2026, 11, 23)
    with session_factory.begin() as session:
        f.seed_review_scenario(session, monday)
        seed_tickets(session, monday)
    with serve_slack() as slack, time_machine.travel(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), tick=False):
        client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack.api_url, retry_handlers=[])
        runner = Runner(scenario_settings(tmp_path), session_factory, SlackDelivery(client=client, sleep=lambda s: 0))
        runner.post("weekly_review", today=monday, period="2026-W48")
    parent = slack.in_channel("C0REVIEW")[0]
    thread = sorted([(m["ts"], "message", m["text"] + json.dumps(m.get("blocks"), ensure_ascii=False))
                     for m in slack.messages if m["thread_ts"] == parent["ts"]]
                    + [(u["ts"], "chart", u["title"]) for u in slack.uploads], key=lambda x: float(x[0]))
    kinds = [kind for _ts, kind, _text in thread]
    assert len(slack.uploads) >= 2 and all(u["thread_ts"] == parent["ts"] for u in slack.uploads)
    for index, (_ts, kind, title) in enumerate(thread):
        if kind == "chart":  # right after the message that shows its item
            before = thread[index - 1]
            assert before[1] == "message" and title in before[2], (title, before[2])
    texts = [text for _ts, kind, text in thread if kind == "message"]
    assert texts[0].startswith("1. What moved") and texts[len(slack.uploads) - 1].startswith("1. What moved")
    assert kinds.index("chart") < next(i for i, (_t, k, text) in enumerate(thread) if text.startswith("2. What we did"))


def test_the_reviews_charts_carry_bands_on_every_day_and_the_items_unit(tmp_path, session_factory):
    from bot.rituals import review
    from tests.rituals.test_review import TODAY, settings as review_settings

    with session_factory.begin() as session:
        f.seed_review_scenario(session, TODAY)
    with session_factory() as session:
        r = review.gather(session, settings=review_settings(tmp_path), today=TODAY, period="2026-W48")
    assert r.charts
    items = {m.title: m for m in r.moved}
    for chart in r.charts:
        item, data = items[chart.title], chart.data
        assert len(data.points) == 84 and all(p.watch_above is not None or p.watch_below is not None
                                              for p in data.points)
        assert item.value.endswith(" " + data.axis_unit)  # "61.0 %" on the item, "%" on the axis
