"""The Slack scorecard shows the value a zone was judged on."""
from __future__ import annotations

from datetime import date

from bot.slack import readings
from bot.storage.models import DailyMetric


def test_rates_show_the_pooled_value_from_the_evidence(session_factory):
    with session_factory.begin() as session:
        session.add(DailyMetric(
            workspace_id="w", day=date(2026, 5, 4), metric="csat", dimension="", segment="",
            value=0.5, n=4, zone="act_now", expected=0.9,
            evidence={"value": 0.82, "n": 640, "explanation": "CSAT was 82 % over the 7 days …"},
        ))
        session.add(DailyMetric(workspace_id="other", day=date(2026, 5, 5), metric="csat", dimension="",
                                segment="", value=0.1, n=1, zone="act_now"))
    with session_factory() as session:
        card = readings.scorecard(session, workspace_id="w")
    (csat,) = card.readings
    assert card.as_of == date(2026, 5, 4)
    assert csat.value == "82.0 %" and csat.n == 640  # not the raw day (50 %, n=4)
