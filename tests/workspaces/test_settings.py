"""Per-workspace settings (issue 16.1): the config file is the default, a workspace's stored overrides win,
every change is validated by the file's own model before it is written and recorded with who and when."""
from __future__ import annotations

import json
import threading

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.errors import UsageError
from bot.workspaces import service
from bot.workspaces.settings import change_settings, settings_for, settings_history, stored_overrides

A, B = "T0AAA", "T0BBB"
TOML = """
timezone = "Europe/Berlin"
[slack]
review_channel = "C0REVIEW"
[health]
failures = 5
[product_areas]
billing = ["billing"]
login = ["login"]
[playbooks.frt]
owner = "U0OWNER"
[[rules]]
name = "frt_spike"
metric = "first_response_time"
playbook = "frt"
[[rules]]
name = "csat_drop"
metric = "csat"
[[routing]]
product_area = "billing"
channel = "C0BILLING"
"""


@pytest.fixture
def env(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text(TOML, encoding="utf-8")
    return {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config)}


@pytest.fixture
def base(env):
    return load_settings(env)


@pytest.fixture
def teams(session_factory):
    service.add_workspace(session_factory, team_id=A, name="Alpha", timezone="Asia/Tokyo")
    service.add_workspace(session_factory, team_id=B, name="Bravo", timezone="America/New_York")


def cli(env, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), env=env)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_config_files_own_workspace_without_a_row_is_the_file_itself(session_factory, base):
    assert settings_for(session_factory, base, "default") is base
    assert settings_history(session_factory, "default") == []


def test_a_workspace_without_overrides_has_the_files_settings_its_id_and_timezone(session_factory, base, teams):
    s = settings_for(session_factory, base, A)
    assert (s.workspace_id, s.file.timezone) == (A, "Asia/Tokyo")
    assert s.file.model_copy(update={"workspace_id": "default", "timezone": "Europe/Berlin", "sources": {}}) \
        == base.file.model_copy(update={"sources": {}})


def test_changes_apply_to_one_workspace_only(session_factory, base, teams):
    after = change_settings(session_factory, base, A, {
        "channels.review": "C0AAAREVIEW", "rituals.weekly_review.time": "10:15", "rules.frt_spike.days": 4,
        "routing.billing": "C0AAABILL", "metrics.overrides.frt.watch": 1.5, "timezone": "Europe/Paris"}, who="U0ADMIN")
    f = after.file
    assert f.slack.review_channel == "C0AAAREVIEW" and str(after.timezone) == "Europe/Paris"
    # A ritual's other keys keep their defaults (Monday), not the empty table's.
    assert (f.rituals.weekly_review.day, f.rituals.weekly_review.time.isoformat()) == ("mon", "10:15:00")
    assert [(r.name, r.days, r.playbook) for r in f.rules] == [("frt_spike", 4, "frt"), ("csat_drop", 2, None)]
    assert [(r.product_area, r.channel) for r in f.routing] == [("billing", "C0AAABILL")]
    assert f.metrics.overrides["first_response_time"].watch == 1.5  # aliases become canonical keys
    assert f.health.failures == 5 and f.health.model_fields_set == {"failures"}  # the file's, as it set them
    other = settings_for(session_factory, base, B)
    assert other.file.slack.review_channel == "C0REVIEW" and other.file.rules == base.file.rules
    assert str(other.timezone) == "America/New_York"
    assert settings_for(session_factory, base, A) == after  # read back from the database


def test_rules_and_routes_by_name_switch_off_add_and_come_back(session_factory, base, teams):
    f = change_settings(session_factory, base, A, {"rules.csat_drop.enabled": False, "routing.billing.enabled": False,
                                                   "rules.login_slow": {"metric": "frt", "segment": {
                                                       "product_area": "login"}},
                                                   "routing.login": {"channel": "C0LOGIN"}}, who="cli").file
    assert [r.name for r in f.rules] == ["frt_spike", "login_slow"]
    assert [(r.product_area, r.channel) for r in f.routing] == [("login", "C0LOGIN")]
    f = change_settings(session_factory, base, A, {"rules.csat_drop.enabled": None, "routing.billing.enabled": None,
                                                   "rules.login_slow": None, "routing.login": None}, who="cli").file
    assert f.rules == base.file.rules and f.routing == base.file.routing
    assert stored_overrides(session_factory, A) == {}


@pytest.mark.parametrize(("changes", "message"), [
    ({"channels.review": "#support"}, "slack.review_channel: '#support' is not a Slack channel id"),
    ({"rules.frt_spike.days": 99}, "rules.frt_spike.days: Input should be less than or equal to 30"),
    ({"rules.csat_drop.enabled": False, "rules.csat_drop.days": 99}, "rules.csat_drop.days: Input should be less"),
    ({"rules.frt_spike.playbook": "nope"}, "rules.frt_spike.playbook: no playbook named 'nope'"),
    ({"rules.new_rule.days": 3}, "rules.new_rule.metric: Field required"),
    ({"routing.nowhere": "C0NOWHERE"}, "routing.nowhere.product_area: no product area named 'nowhere'"),
    ({"metrics.wacth": 2}, "metrics.wacth: unknown key"),
    ({"rituals.weekly_review.time": "25:00"}, "rituals.weekly_review.time:"),
    ({"timezone": "Mars/Base"}, "timezone: unknown IANA timezone 'Mars/Base'"),
    ({"sources.zendesk.type": "zendesk"}, "signalroom source add"),
    ({"workspace_id": "T0OTHER"}, "workspace_id: set for the whole process in the config file"),
    ({"chanels.review": "C0X"}, "did you mean 'channels.cs' or 'channels.review'"),
    ({"themes.rename.billing": "xoxb-1234-5678-abcdef"}, "looks like a secret"),
])
def test_an_invalid_change_names_its_key_and_writes_nothing(session_factory, base, teams, changes, message):
    change_settings(session_factory, base, A, {"channels.review": "C0FIRST"}, who="cli")
    with pytest.raises(UsageError) as caught:
        change_settings(session_factory, base, A, {"channels.alerts": "C0ALERTS", **changes}, who="cli")
    assert message in str(caught.value)
    assert stored_overrides(session_factory, A) == {"slack": {"review_channel": "C0FIRST"}}
    assert [c.key for c in settings_history(session_factory, A)][0] == "slack.review_channel"


def test_history_records_each_key_with_old_new_and_who_newest_first(session_factory, base, teams):
    change_settings(session_factory, base, A, {"channels.review": "C0ONE", "admins": ["U0ALICE"]}, who="U0ADMIN")
    change_settings(session_factory, base, A, {"channels.review": None}, who="cli")
    change_settings(session_factory, base, A, {"channels.review": None}, who="cli")  # nothing to change
    history = [c.json() for c in settings_history(session_factory, A)]
    assert [(h["key"], h["old"], h["new"], h["who"]) for h in history[:3]] == [
        ("slack.review_channel", "C0ONE", "C0REVIEW", "cli"),
        ("slack.admins", [], ["U0ALICE"], "U0ADMIN"),
        ("slack.review_channel", "C0REVIEW", "C0ONE", "U0ADMIN")]
    assert settings_history(session_factory, B)[0].key in ("name", "timezone")  # only its own `workspace add`
    assert len(settings_history(session_factory, A, limit=1)) == 1


def test_the_config_files_workspace_gets_a_row_on_its_first_change(session_factory, base):
    after = change_settings(session_factory, base, "default", {"channels.review": "C0DEFAULT"}, who="cli")
    assert (after.workspace_id, after.file.timezone, after.file.slack.review_channel) == \
        ("default", "Europe/Berlin", "C0DEFAULT")
    assert after.file.sources == base.file.sources  # the config file's sources stay its own workspace's
    assert [w.team_id for w in service.list_workspaces(session_factory)] == ["default"]


def test_unknown_workspace(session_factory, base, teams):
    for call in (lambda: settings_for(session_factory, base, "T0NOPE"),
                 lambda: change_settings(session_factory, base, "T0NOPE", {"channels.review": "C0X"}, who="cli")):
        with pytest.raises(UsageError, match="unknown workspace T0NOPE: known workspaces are default"):
            call()


def test_stored_settings_the_file_no_longer_allows_are_a_config_error_and_can_be_repaired(
        session_factory, env, base, teams, tmp_path):
    change_settings(session_factory, base, A, {"rules.csat_drop.playbook": "frt"}, who="cli")
    changed = load_settings(env, config_path=_write(tmp_path, TOML.replace('playbook = "frt"\n', "")
                                                    .replace("[playbooks.frt]\nowner = \"U0OWNER\"\n", "")))
    with pytest.raises(ConfigError, match="workspace T0AAA settings: rules.csat_drop.playbook: no playbook"):
        settings_for(session_factory, changed, A)
    repaired = change_settings(session_factory, changed, A, {"rules.csat_drop.playbook": None}, who="cli")
    assert [r.playbook for r in repaired.file.rules] == [None, None]


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "changed.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_concurrent_writers_both_land(session_factory, base, teams):
    errors = []

    def write(key: str, value: str) -> None:
        try:
            for _ in range(5):
                change_settings(session_factory, base, A, {key: value}, who="cli")
                change_settings(session_factory, base, A, {key: None}, who="cli")
            change_settings(session_factory, base, A, {key: value}, who="cli")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=args) for args in
               (("channels.alerts", "C0ALERTS"), ("channels.cs", "C0CUSTOMERS"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stored_overrides(session_factory, A) == {"slack": {"alerts_channel": "C0ALERTS",
                                                              "cs_channel": "C0CUSTOMERS"}}


def test_cli_set_show_unset_history(env, capsys, teams):
    code, out, err = cli(env, capsys, "settings", "set", "channels.review", '"C0AAAREVIEW"', "--workspace", A)
    assert (code, out, err) == (0, 'T0AAA: slack.review_channel "C0REVIEW" -> "C0AAAREVIEW"\n', "")
    assert cli(env, capsys, "settings", "set", "rituals.weekly_review.time", "10:15:00", "--workspace", A)[0] == 0
    assert cli(env, capsys, "settings", "set", "routing.billing", '{channel = "C0AB", only_when_notable = false}',
               "--workspace", A)[0] == 0
    code, out, _ = cli(env, capsys, "settings", "show", "--json", "--workspace", A)
    shown = json.loads(out)
    assert code == 0 and shown["workspace"] == A and shown["settings"]["timezone"] == "Asia/Tokyo"
    assert shown["settings"]["slack"]["review_channel"] == "C0AAAREVIEW"
    assert shown["settings"]["routing"] == [{"product_area": "billing", "channel": "C0AB", "only_when_notable": False}]
    assert shown["overrides"]["rituals"] == {"weekly_review": {"time": "10:15:00"}}
    assert "sources" not in shown["settings"] and "data_dir" not in shown["settings"]
    code, out, _ = cli(env, capsys, "settings", "show", "--workspace", A)
    assert code == 0 and '  slack.review_channel = "C0AAAREVIEW"' in out and "4 setting(s)" in out
    code, out, _ = cli(env, capsys, "settings", "unset", "channels.review", "--workspace", A)
    assert (code, out) == (0, 'T0AAA: slack.review_channel "C0AAAREVIEW" -> "C0REVIEW" (the config file\'s value)\n')
    code, out, _ = cli(env, capsys, "settings", "history", "--json", "--workspace", A)
    keys = [c["key"] for c in json.loads(out)["changes"]]
    assert code == 0 and keys[:4] == ["slack.review_channel", "routing.billing", "rituals.weekly_review.time",
                                      "slack.review_channel"]
    code, out, _ = cli(env, capsys, "settings", "history", "--workspace", A)
    assert code == 0 and "routing.billing" in out and "cli" in out
    code, out, _ = cli(env, capsys, "settings", "show", "--workspace", B)
    assert code == 0 and "No setting changed" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("set", "channels.review", "C0AAA"), "VALUE 'C0AAA' is not a TOML value"),
    (("set", "channels.review", '"#support"'), "slack.review_channel: '#support' is not a Slack channel id"),
    (("set", "rules.frt_spike.days", "99"), "rules.frt_spike.days: Input should be less than or equal to 30"),
    (("set", "nope.key", "1"), "nope.key: unknown key"),
    (("unset", "channels.review", "--workspace", "T0NOPE"), "unknown workspace T0NOPE"),
    (("show", "--workspace", "T0NOPE"), "unknown workspace T0NOPE"),
    (("history", "--workspace", "T0NOPE"), "unknown workspace T0NOPE"),
])
def test_cli_mistakes_exit_2_with_one_line(env, capsys, teams, argv, message):
    code, out, err = cli(env, capsys, "settings", *argv, *(() if "--workspace" in argv else ("--workspace", A)))
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("signalroom settings: ") and message in err


def test_a_change_leaves_every_other_setting_of_the_example_config_as_it_was(session_factory, db_url, teams):
    """Dates stay dates, defaults stay defaults (a `[health]` key the file left unset stays unset)."""
    from pathlib import Path

    example = str(Path(__file__).parents[2] / "signalroom.example.toml")
    base = load_settings({"DATABASE_URL": db_url}, config_path=example)
    after = change_settings(session_factory, base, A, {"rituals.digest.time": "11:00"}, who="cli").file
    assert after.rituals.digest.time.isoformat() == "11:00:00"
    same = after.model_copy(update={"rituals": base.file.rituals, "workspace_id": base.file.workspace_id,
                                    "timezone": base.file.timezone, "sources": base.file.sources})
    assert same == base.file
    assert after.health.model_fields_set == base.file.health.model_fields_set
