"""A rule written with an alias (`metric = "frt"`, as /metrics accepts) is stored canonically and fires."""
from __future__ import annotations

from datetime import UTC, date, datetime

from bot.config import load_settings
from bot.metrics.config_map import rollup_settings
from bot.metrics.rollup import run_rollup
from bot.storage.tickets import upsert_tickets
from tests.metrics.factories import make_tickets

END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)  # Saturday morning: Friday 31 May is the last full day

CONFIG = """
timezone = "Europe/Berlin"
[slack]
alerts_channel = "C0ALERTS"
[product_areas]
billing = ["billing"]
[[rules]]
name = "slow first replies"
metric = "frt"
zone = "act_now"
days = 2
[[rules]]
name = "slow billing replies"
metric = "First response time"
zone = "act_now"
days = 2
segment = { product_area = "billing" }
[metrics.overrides.frt_p90]
act_now_above = 999999
"""


def test_alias_rules_fire(tmp_path, session_factory):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG)
    settings = load_settings({}, config_path=str(path))
    assert {r.metric for r in settings.file.rules} == {"first_response_time"}
    rollup = rollup_settings(settings)
    assert rollup.metrics.for_metric("first_response_time_p90").absolute.act_now_above == 999999
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w1",
                       tickets=make_tickets(days=50, per_day=30, end_at=END, slow_last_days=3))
    report = run_rollup(session_factory, workspace_id="w1", settings=rollup, now_at=END, full=True,
                        alerts_channel="C0ALERTS")
    fired = {(e.rule, e.segment) for e in report.fired}
    assert ("slow first replies", "") in fired and ("slow billing replies", "billing") in fired
    assert {e.metric for e in report.fired} == {"first_response_time"}
    assert max(e.day for e in report.fired) == date(2024, 5, 30)  # two slow days in a row: 29 and 30 May
