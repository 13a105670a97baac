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
