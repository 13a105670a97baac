"""`[metrics].currency` is shown with cost per resolution wherever the figure is (scorecards, Slack, leadership)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from bot.config import load_settings
from bot.metrics.config_map import rollup_settings
from bot.metrics.reads import range_scorecard, scorecard
from bot.metrics.rollup import run_rollup
from bot.metrics.zones import format_value
from bot.rituals import leadership
from bot.slack import readings
from bot.storage.tickets import upsert_tickets
from tests.metrics.factories import make_tickets

END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)


def test_format_value():
    assert format_value(1234.5, "currency", currency="USD") == "1,234.50 USD"
    assert format_value(1234.5, "currency") == "1,234.50"
    assert format_value(90.0, "seconds", currency="USD") == "2 min"  # only money carries it


def test_leadership_figures():
    values = {"csat": 0.8, "fcr_rate": 0.7, "resolution_time": 3600.0, "cost_per_resolution": 12.4,
              "deflection_rate": None}
    (cost,) = [k for k in leadership.kpis(values, values, currency="EUR") if k.label == "Cost per resolution"]
    assert (cost.value, cost.previous) == ("12.40 EUR", "12.40 EUR")


def test_scorecards_show_the_currency(tmp_path, session_factory):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n[metrics]\nmonthly_support_cost = 31000\ncurrency = "GBP"\n')
    settings = rollup_settings(load_settings({}, config_path=str(path)))
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w1", tickets=make_tickets(days=40, per_day=20, end_at=END))
    run_rollup(session_factory, workspace_id="w1", settings=settings, now_at=END, full=True)
    with session_factory.begin() as session:
        card = scorecard(session, workspace_id="w1", settings=settings)
        cost = next(e for e in card.entries if e.key == "cost_per_resolution")
        assert cost.display_value.endswith(" GBP") and cost.to_dict()["display_value"].endswith(" GBP")
        assert " GBP" in cost.explanation  # the stored sentence, written at rollup time
        ranged = range_scorecard(session, workspace_id="w1", settings=settings, start=date(2024, 5, 1),
                                 end=date(2024, 5, 31))
        assert "GBP" in next(e for e in ranged.entries if e.key == "cost_per_resolution").explanation
        view = readings.scorecard(session, workspace_id="w1", currency="GBP")
        assert next(r for r in view.readings if r.metric == "cost_per_resolution").value.endswith(" GBP")
        csat = next(e for e in card.entries if e.key == "csat")
        assert "GBP" not in csat.display_value
