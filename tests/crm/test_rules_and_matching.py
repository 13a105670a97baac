"""Table-driven: the high-value rule language, name/domain normalization, matching, the daily sync's timing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import ConfigError, load_settings
from bot.crm.match import CompanyRef, Organization, match, normalize_domain, normalize_name
from bot.crm.rule import RuleError, evaluate, parse
from bot.crm.sync import due

RULE = "arr >= 50000 or tier == 'enterprise'"


@pytest.mark.parametrize("rule, values, expected", [
    (RULE, {"arr": "50000"}, True),
    (RULE, {"arr": "49999.99"}, False),
    (RULE, {"arr": "1,250,000"}, True),
    (RULE, {"tier": "Enterprise "}, True),
    (RULE, {"tier": "growth", "arr": None}, False),
    (RULE, {"arr": "lots"}, False),
    (RULE, {}, False),
    ("arr >= 10_000 and lifecycle == 'customer'", {"arr": "20000", "lifecycle": "customer"}, True),
    ("arr >= 10_000 and lifecycle == 'customer'", {"arr": "20000", "lifecycle": "lead"}, False),
    ("not (tier == 'free') and arr > 0", {"tier": "pro", "arr": "1"}, True),
    ("not (tier == 'free') and arr > 0", {"tier": "FREE", "arr": "1"}, False),
    ("tier != 'free'", {"tier": "pro"}, True),
    ("tier != 'free'", {}, False),  # no value: never high-value
    ("arr < 1e6 or arr == 2e6", {"arr": "2000000"}, True),
    ("a == 1 or b == 1 and c == 1", {"a": "0", "b": "1", "c": "0"}, False),  # and binds tighter than or
    ("(a == 1 or b == 1) and c == 1", {"a": "1", "c": "0"}, False),
])
def test_rule(rule, values, expected):
    assert evaluate(parse(rule), values) is expected


@pytest.mark.parametrize("rule, problem", [
    ("", "empty"),
    ("arr >=", "ends too early"),
    ("arr => 5", "cannot read"),
    ("tier > 'b'", "only with == or !="),
    ("(arr > 5", "not closed"),
    ("arr > 5 tier == 'x'", "unexpected"),
    ("__import__('os') == 1", "not a property the rule can use"),
    ("arr > 5; drop", "cannot read"),
    ("revenue > 5", "not a property the rule can use"),
    ("and > 5", "expected a property name"),
])
def test_rule_errors(rule, problem):
    with pytest.raises(RuleError, match=problem):
        parse(rule, {"arr", "tier", "value"})


def test_no_calls_even_without_a_property_list():
    with pytest.raises(RuleError, match="expected one of"):
        parse("__import__('os') == 1")


def test_a_bad_rule_is_a_config_error_naming_the_key(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('[crm]\nhigh_value = "revenue >= 5"\n')
    with pytest.raises(ConfigError, match="high_value: 'revenue' is not a property"):
        load_settings({}, config_path=str(path))
    path.write_text('[crm]\nproperties = ["Annual Revenue"]\n')
    with pytest.raises(ConfigError, match="crm.properties"):
        load_settings({}, config_path=str(path))


@pytest.mark.parametrize("name, expected", [
    ("ACME, Inc.", "acme"), ("Acme Inc", "acme"), ("acme", "acme"), ("Globex Corporation", "globex"),
    ("Müller & Söhne GmbH", "muller and sohne"), ("Initech Ltd.", "initech"), ("A.B.C. LLC", "abc"),
    ("Inc", "inc"), ("The Company Co", "the company"), ("", ""), (None, ""),
])
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


@pytest.mark.parametrize("value, expected", [
    ("acme.com", "acme.com"), ("https://www.Acme.com/about?x=1", "acme.com"), ("WWW.ACME.COM.", "acme.com"),
    ("acme.com:8443", "acme.com"), ("ann@acme.com", "acme.com"), ("Acme Inc", None), ("localhost", None),
    ("", None), (None, None),
])
def test_normalize_domain(value, expected):
    assert normalize_domain(value) == expected


COMPANIES = [CompanyRef("1", "Acme, Inc.", "acme.com"), CompanyRef("2", "Globex Corp", None),
             CompanyRef("3", "Twin", "twin-a.com"), CompanyRef("4", "Twin LLC", "twin-b.com"),
             CompanyRef("5", "Shared A", "shared.com"), CompanyRef("6", "Shared B", "shared.com"),
             CompanyRef("7", "Nobody's", "nobody.example")]


@pytest.mark.parametrize("org, expected", [
    (Organization("z1", "Something else", ("acme.com",)), ("1", "domain")),
    (Organization("z2", "ACME corporation", ("eu.support.acme.com",)), ("1", "domain")),  # a subdomain
    (Organization("Acme Inc", "Acme Inc"), ("1", "name")),
    (Organization("acme.com", "acme.com"), ("1", "domain")),  # a CSV organization written as its domain
    (Organization("i2", "GLOBEX corp.", ("globex.io",)), ("2", "name")),  # the company has no domain
    (Organization("Twin", "Twin"), None),  # two companies normalize to "twin": ambiguous
    (Organization("s", "Shared A", ("shared.com",)), ("5", "name")),  # shared domain skipped, name decides
    (Organization("x", "Initech", ("initech.com",)), None),
])
def test_match(org, expected):
    result = match([org], COMPANIES)
    found = [(m.crm_id, m.method) for m in result.matches]
    assert found == ([expected] if expected else [])
    assert (result.unmatched_organizations == ()) is (expected is not None)


def test_unmatched_companies_are_the_ones_no_organization_took():
    result = match([Organization("z1", "Acme", ("acme.com",))], COMPANIES)
    assert [c.crm_id for c in result.unmatched_companies] == ["2", "3", "4", "5", "6", "7"]


@pytest.mark.parametrize("now, last, expected", [
    (datetime(2026, 11, 20, 5, tzinfo=UTC), None, True),  # never synced: now
    (datetime(2026, 11, 20, 5, tzinfo=UTC), datetime(2026, 11, 19, 4, 30, tzinfo=UTC), True),
    (datetime(2026, 11, 20, 3, tzinfo=UTC), datetime(2026, 11, 19, 4, 30, tzinfo=UTC), False),  # before 04:00
    (datetime(2026, 11, 20, 23, tzinfo=UTC), datetime(2026, 11, 20, 4, 1, tzinfo=UTC), False),  # done today
    (datetime(2026, 11, 21, 3, tzinfo=UTC), datetime(2026, 11, 19, 4, 30, tzinfo=UTC), True),  # missed a day
])
def test_daily_sync_due(now, last, expected):
    assert due(now, last_synced_at=last, sync_hour=4, timezone="UTC") is expected


def test_daily_sync_hour_is_local():
    # 04:00 in Berlin is 03:00 UTC in winter.
    last = datetime(2026, 11, 19, 3, 30, tzinfo=UTC)
    assert due(datetime(2026, 11, 20, 3, 1, tzinfo=UTC), last_synced_at=last, sync_hour=4, timezone="Europe/Berlin")
    assert not due(datetime(2026, 11, 20, 2, 59, tzinfo=UTC), last_synced_at=last, sync_hour=4,
                   timezone="Europe/Berlin")


def test_config_check_warns_about_half_set_up_hubspot(tmp_path, db_url):
    from bot.config_check import config_warnings

    path = tmp_path / "signalroom.toml"
    path.write_text('[crm]\nhigh_value = "value >= 50000"\n')
    settings = load_settings({"DATABASE_URL": db_url}, config_path=str(path))
    assert [w for w in config_warnings(settings) if w.startswith("crm")] == [
        "crm.high_value: set, but HUBSPOT_TOKEN is not: no company is synced, so only [accounts] high_value makes "
        "an account high-value (README: HubSpot)"]
    path.write_text("")
    settings = load_settings({"DATABASE_URL": db_url, "HUBSPOT_TOKEN": "pat-na1-x"}, config_path=str(path))
    assert [w.split(",")[0] for w in config_warnings(settings) if w.startswith("crm")] == [
        "crm.high_value: not set"]
