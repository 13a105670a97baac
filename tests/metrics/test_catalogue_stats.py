import math

import pytest

from bot.metrics.catalogue import CANONICAL_KEYS, CATALOGUE, UnknownMetricError, resolve_metric
from bot.metrics.stats import mad, median, p90, quantile, robust_sd, wilson_interval

ARCHITECTURE_KEYS = (
    "ticket_volume", "first_response_time", "first_response_time_p90", "resolution_time",
    "resolution_time_p90", "csat", "fcr_rate", "reopen_rate", "escalation_rate", "backlog",
    "backlog_age", "tickets_per_agent", "repeat_contact_rate", "deflection_rate",
    "sla_first_response_met", "sla_resolution_met",
)


def test_catalogue_has_the_contract_keys_and_cost():
    assert CANONICAL_KEYS == ARCHITECTURE_KEYS
    assert "cost_per_resolution" in CATALOGUE
    for m in CATALOGUE.values():
        assert m.definition and m.denominator and m.unit
        assert m.direction in ("higher_is_worse", "lower_is_worse", "both")
        assert m.category in ("operational", "experience", "business_impact")


@pytest.mark.parametrize(("name", "key"), [
    ("frt", "first_response_time"),
    ("First Response", "first_response_time"),
    ("first_response_time_p90", "first_response_time_p90"),
    ("FRT p90", "first_response_time_p90"),
    ("CSAT", "csat"),
    ("sla", "sla_first_response_met"),
    ("SLA FRT", "sla_first_response_met"),
    ("sla_resolution", "sla_resolution_met"),
    ("resolution SLA", "sla_resolution_met"),
    ("reopens", "reopen_rate"),
    ("fcr", "fcr_rate"),
    ("escalation rate", "escalation_rate"),
    ("backlog-age", "backlog_age"),
    ("volume", "ticket_volume"),
    ("cost", "cost_per_resolution"),
])
def test_resolve_metric_is_forgiving(name, key):
    assert resolve_metric(name).key == key


def test_resolve_metric_suggests():
    with pytest.raises(UnknownMetricError) as err:
        resolve_metric("resolutoin tme")
    assert "resolution_time" in err.value.suggestions
    assert "did you mean" in str(err.value)


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([], 0.5, math.nan),
    ([7], 0.9, 7.0),
    ([1, 2, 3, 4], 0.5, 2.5),
    ([3, 1, 2], 0.5, 2.0),
    (list(range(1, 11)), 0.9, 9.1),  # pos = 0.9 * 9 = 8.1 → 9 + 0.1 * (10 - 9)
    ([10, 20], 0.9, 19.0),
    ([0, 0, 0, 100], 0.9, 70.0),  # pos 2.7 → 0 + 0.7 * 100
])
def test_quantile_table(values, q, expected):
    got = quantile(values, q)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_median_p90_mad():
    assert median([5, 1, 3]) == 3
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(9.1)
    # |x - 3| = 2, 1, 0, 1, 97 → median 1
    assert mad([1, 2, 3, 4, 100]) == 1
    assert robust_sd([1, 2, 3, 4, 100]) == pytest.approx(1.4826)


@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    (0, 0, 0.0, 1.0),
    (8, 10, 0.4902, 0.9433),   # textbook Wilson 95 % for 8/10
    (0, 10, 0.0, 0.2775),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_table(k, n, lo, hi):
    a, b = wilson_interval(k, n)
    assert a == pytest.approx(lo, abs=1e-4)
    assert b == pytest.approx(hi, abs=1e-4)


def test_wilson_rejects_bad_counts():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
