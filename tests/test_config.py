"""Config: the TOML shape, environment precedence, and one clear error per problem."""
from __future__ import annotations

import pytest

from bot.config import ConfigError, effective_config, load_settings


def write(tmp_path, text: str) -> str:
    path = tmp_path / "signalroom.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('timezone = "Mars/Olympus"', "timezone", "unknown IANA timezone"),
        ("[metrics]\nwatchh = 3", "metrics.watchh", "unknown key"),
        ('[metrics]\nwatch = "two"', "metrics.watch", "valid number"),
        ("[metrics]\nwatch = 4\nact_now = 3", "metrics", "act_now must be at least watch"),
        ('[slack]\nreview_channel = "#support"', "slack.review_channel", "not a Slack channel id"),
        ('[slack]\nadmins = ["bob"]', "slack.admins", "not a Slack user id"),
        ('[[rules]]\nname = "x"\nmetric = "csat"\nplaybook = "nope"', "rules.0.playbook", "no playbook named 'nope'"),
        ('[[rules]]\nname = "x"\nmetric = "csat"\n[[rules]]\nname = "x"\nmetric = "csat"', "rules.1.name", "duplicate rule name"),
        ('[[rules]]\nname = "x"\nmetric = "csat"\nby = "planet"', "rules.0.by", "unknown dimension"),
        ("[sources.helpscout]\n", "sources.helpscout.type", "set type"),
        ('[sources.legacy]\ntype = "csv"', "sources.legacy.path", "needs the path"),
        ("[rituals.weekly_review]\nday = \"someday\"", "rituals.weekly_review.day", "Input should be"),
        ("[metrics\n", "", "not valid TOML"),
        ('[metrics.business_hours]\ndays = ["mon", "funday"]', "metrics.business_hours", "unknown weekday 'funday'"),
        ('[metrics.business_hours]\nopens = "18:00"\ncloses = "09:00"', "metrics.business_hours",
         "closes must be after opens"),
        # metric keys: the aliases /metrics accepts, anything else with "did you mean"
        ('[[rules]]\nname = "x"\nmetric = "csta"', "rules.0.metric", "unknown metric 'csta'; did you mean csat"),
        ("[metrics.overrides.csta]\nwatch = 3", "metrics.overrides.csta", "did you mean csat"),
        ("[metrics.overrides.frt]\nwatch = 3\n[metrics.overrides.first_response_time]\nwatch = 4",
         "metrics.overrides.first_response_time", "a second override for first_response_time"),
        # product areas must exist
        ('[product_areas]\nbilling = ["refund"]\n[[rules]]\nname = "x"\nmetric = "csat"\nsegment = {product_area = "biling"}',
         "rules.0.segment.product_area", "no product area named 'biling' in [product_areas] (did you mean 'billing'?)"),
        ('[[routing]]\nproduct_area = "billing"\nchannel = "C0BILLING"', "routing.0.product_area",
         "no product area named 'billing' in [product_areas] (none defined yet)"),
        ('[product_areas]\nlogin = ["login"]\n[themes.product_area]\nt3 = "payments"', "themes.product_area.t3",
         "(known: login)"),
        ('[[themes.pin]]\nid = "p"\nname = "Refunds"\nproduct_area = "billing"', "themes.pin.0.product_area",
         "no product area named 'billing'"),
        # small items: currency and surge alerts
        ('[metrics]\ncurrency = "euro"', "metrics.currency", "String should match pattern"),
        ('[metrics.spikes]\nchannel = "#alerts"', "metrics.spikes.channel", "not a Slack channel id"),
        ("[metrics.spikes]\nthreshold = 0", "metrics.spikes.threshold", "greater than 0"),
        ("[metrics.spikes]\nwindow = 60", "metrics.spikes.window", "unknown key"),
    ],
)
def test_invalid_config_names_key_and_problem(tmp_path, toml, key, problem):
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config_path=path)
    assert caught.value.file == path
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert "\n" not in str(caught.value)


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings({"SIGNALROOM_CONFIG": str(tmp_path / "absent.toml")})


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert not settings.config_found
    assert settings.database_url == "sqlite:///.signalroom/signalroom.db"
    assert settings.file.metrics.watch == 2.0 and settings.file.metrics.act_now == 3.5


def test_environment_wins_over_file(tmp_path):
    path = write(tmp_path, 'data_dir = "/var/lib/a"\nlog_level = "INFO"\n')
    settings = load_settings(
        {"SIGNALROOM_DATA_DIR": "/srv/b", "SIGNALROOM_LOG_LEVEL": "debug", "DATABASE_URL": "postgres://u@h/db"},
        config_path=path,
    )
    assert settings.data_dir.as_posix() == "/srv/b"
    assert settings.file.log_level == "DEBUG"
    assert settings.database_url == "postgres://u@h/db"


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORT": "eighty"}, config_path=write(tmp_path, ""))
    assert caught.value.file == "environment" and caught.value.key == "PORT"
    with pytest.raises(ConfigError) as caught:
        load_settings({"DATABASE_URL": "not a url"}, config_path=write(tmp_path, ""))
    assert caught.value.key == "DATABASE_URL"


def test_secrets_never_appear_in_repr_or_effective_config(tmp_path):
    token = "xoxb-1111-2222-supersecretvalue"
    settings = load_settings(
        {"SLACK_BOT_TOKEN": token, "ZENDESK_API_TOKEN": "zdtoken123456789", "DATABASE_URL": "postgres://u:hunter2@h/db"},
        config_path=write(tmp_path, ""),
    )
    assert token not in repr(settings)
    shown = str(effective_config(settings))
    assert token not in shown and "zdtoken123456789" not in shown and "hunter2" not in shown
    assert effective_config(settings)["environment"]["SLACK_BOT_TOKEN"].startswith("set (")
    assert settings.env.slack_bot_token.get_secret_value() == token


@pytest.mark.parametrize(
    ("env", "zendesk", "freshdesk"),
    [
        ({"ZENDESK_SUBDOMAIN": "acme", "FRESHDESK_DOMAIN": "acme"}, "https://acme.zendesk.com", "https://acme.freshdesk.com"),
        ({"ZENDESK_URL": "http://127.0.0.1:9/", "FRESHDESK_DOMAIN": "help.acme.io"}, "http://127.0.0.1:9", "https://help.acme.io"),
        ({}, None, None),
    ],
)
def test_vendor_base_urls(tmp_path, env, zendesk, freshdesk):
    settings = load_settings(env, config_path=write(tmp_path, ""))
    assert settings.env.zendesk_base_url == zendesk
    assert settings.env.freshdesk_base_url == freshdesk


def test_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "signalroom.example.toml"
    settings = load_settings({}, config_path=str(example))
    assert settings.file.rules and settings.file.playbooks


def test_metric_aliases_are_stored_canonically(tmp_path):
    settings = load_settings({}, config_path=write(tmp_path, (
        '[metrics.overrides.frt_p90]\nact_now_above = 14400\n'
        '[[rules]]\nname = "slow first replies"\nmetric = "frt"\n'
        '[[rules]]\nname = "unhappy"\nmetric = "CSAT"\n')))
    assert [r.metric for r in settings.file.rules] == ["first_response_time", "csat"]
    assert list(settings.file.metrics.overrides) == ["first_response_time_p90"]
    assert effective_config(settings)["rules"][0]["metric"] == "first_response_time"


def test_currency_and_spikes_are_accepted(tmp_path):
    settings = load_settings({}, config_path=write(tmp_path, (
        '[metrics]\ncurrency = "USD"\n[metrics.spikes]\nenabled = false\nthreshold = 4.5\nchannel = "C0SURGE"\n')))
    metrics = settings.file.metrics
    assert metrics.currency == "USD"
    assert (metrics.spikes.enabled, metrics.spikes.threshold, metrics.spikes.channel) == (False, 4.5, "C0SURGE")


WARNED = """
[slack]
review_channel = "C0REVIEW"
[product_areas]
billing = ["group:Billing"]
[sources.zendesk]
[sources.legacy]
type = "csv"
path = "/nonexistent/tickets.csv"
[playbooks.slow]
owner = "Ana from billing"
[playbooks.fine]
owner = "ana@example.com"
[playbooks.also_fine]
owner = "U0ANA"
[[routing]]
product_area = "billing"
channel = "C0BILLING"
[rituals.account_risk]
enabled = true
"""


def test_warnings_name_each_key_and_the_fix(tmp_path):
    from bot.config_check import config_warnings

    settings = load_settings({"DATABASE_URL": "mysql://u@h/db"}, config_path=write(tmp_path, WARNED))
    warnings = config_warnings(settings)
    by_key = {w.split(":")[0]: w for w in warnings}
    assert set(by_key) == {"rituals.account_risk", "metrics.spikes", "sources.zendesk", "sources.legacy.path",
                           "playbooks.slow.owner", "DATABASE_URL", "routing.0"}, warnings
    assert "[slack].cs_channel" in by_key["rituals.account_risk"]
    assert "ZENDESK_SUBDOMAIN" in by_key["sources.zendesk"]
    assert "neither a Slack user id" in by_key["playbooks.slow.owner"]
    assert "mysql is not supported" in by_key["DATABASE_URL"]
    assert "names no tag" in by_key["routing.0"]
    assert "Ana" not in by_key["sources.zendesk"]


def test_no_warnings_for_a_complete_config(tmp_path):
    from bot.config_check import config_warnings

    settings = load_settings(
        {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "ops@acme.io", "ZENDESK_API_TOKEN": "t" * 20},
        config_path=write(tmp_path, (
            '[slack]\nreview_channel = "C0REVIEW"\nalerts_channel = "C0ALERTS"\ncs_channel = "C0CS"\n'
            '[sources.zendesk]\n[product_areas]\nbilling = ["billing"]\n'
            '[[routing]]\nproduct_area = "billing"\nchannel = "C0BILLING"\n')))
    assert config_warnings(settings) == []


def test_config_check_exit_codes(tmp_path, capsys):
    from bot.cli import main

    bad = write(tmp_path, '[[rules]]\nname = "x"\nmetric = "csta"\n')
    assert main(["--config", bad, "config", "check"], env={}) == 2
    assert "rules.0.metric: unknown metric 'csta'; did you mean csat" in capsys.readouterr().err

    (tmp_path / "warned").mkdir()
    warned = write(tmp_path / "warned", '[[rules]]\nname = "slow"\nmetric = "frt"\n')
    assert main(["--config", warned, "config", "check"], env={}) == 0
    out = capsys.readouterr().out
    assert "# warnings: " in out and "rituals.account_risk" in out
    assert main(["--config", warned, "config", "check", "--strict"], env={}) == 2
    assert "--strict" in capsys.readouterr().err
    assert main(["--config", warned, "config", "check", "--json"], env={}) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["rules"][0]["metric"] == "first_response_time" and data["warnings"]


def test_config_check_names_a_routed_area_whose_tags_no_ticket_carries(tmp_path, db_url, session_factory, capsys):
    """Once the database holds tickets, a [[routing]] area is checked against the tags they carry."""
    from datetime import UTC, datetime

    from bot.cli import main
    from bot.storage.tickets import upsert_tickets
    from integrations.base import Ticket

    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="default", tickets=[
            Ticket(source="csv", external_id=str(n), status="open", created_at=at, updated_at=at, tags=tags)
            for n, tags in enumerate([("billing",), ("login", "sso")])])
    path = write(tmp_path, '[slack]\nreview_channel = "C0REVIEW"\nalerts_channel = "C0ALERTS"\ncs_channel = "C0CS"\n'
                           '[product_areas]\nbilling = ["billing"]\npayments = ["payment", "invoice"]\n'
                           '[[routing]]\nproduct_area = "billing"\nchannel = "C0BILLING"\n'
                           '[[routing]]\nproduct_area = "payments"\nchannel = "C0PAY"\n')
    assert main(["--config", path, "config", "check", "--json"], env={"DATABASE_URL": db_url}) == 0
    import json

    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert [w.split(":")[0] for w in warnings] == ["routing.1"], warnings
    assert "'payments' matches no tag" in warnings[0] and "invoice, payment" in warnings[0]
