"""settings_from_mapping reads [metrics] like signalroom.toml does: aliases canonical, spikes' threshold, currency."""
from __future__ import annotations

import pytest

from bot.metrics.settings import MetricsConfigError, settings_from_mapping


def test_aliases_threshold_and_currency():
    s = settings_from_mapping({"spikes": {"threshold": 6.0, "channel": "C0SURGE"}, "currency": "USD",
                               "overrides": {"frt_p90": {"watch": 3.0}}}, rules=[{"metric": "frt"}])
    assert (s.spikes.watch, s.spikes.act_now) == (6.0, 6.0)
    assert s.definitions.currency == "USD"
    assert list(s.metrics.per_metric) == ["first_response_time_p90"]
    assert s.rules[0].metric == "first_response_time" and s.rules[0].name.startswith("first_response_time-")
    assert settings_from_mapping({}).definitions.currency is None


@pytest.mark.parametrize(("metrics", "rules", "message"), [
    ({}, [{"metric": "csta"}], "rules[0].metric: unknown metric 'csta'; did you mean csat"),
    ({"overrides": {"csta": {}}}, None, "metrics.overrides.csta: unknown metric 'csta'"),
    ({"overrides": {"frt": {}, "first_response_time": {}}}, None, "a second override for first_response_time"),
    ({"spikes": {"threshold": "high"}}, None, "metrics.spikes.threshold: expected float"),
])
def test_errors_name_the_key(metrics, rules, message):
    with pytest.raises(MetricsConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        settings_from_mapping(metrics, rules=rules)
