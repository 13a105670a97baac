"""`signalroom integration add|list|remove` and which credentials serve a workspace (issue 17 on issue 16's store).

Connection tests go over real HTTP to the fake Jira, Linear and HubSpot on loopback; nothing is mocked.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import load_settings
from bot.credentials import keyring_from_value, new_key
from bot.crm import sync as crm_sync
from bot.trackers import clients
from bot.workspaces.integrations import forget_workspace
from bot.workspaces.settings import settings_for
from tests.crm.fakes import TOKEN as HUBSPOT_TOKEN, FakeHubSpot
from tests.fakes.loopback import serve
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY, FakeJira, FakeLinear

OWN, OTHER = "T0001", "T0002"


@pytest.fixture
def env(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text(f'timezone = "Europe/Berlin"\nworkspace_id = "{OWN}"\n', encoding="utf-8")
    env = {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": new_key(),
           "J_TOKEN": JIRA_TOKEN, "L_KEY": LINEAR_KEY, "H_TOKEN": HUBSPOT_TOKEN, "BAD": "wrong-token"}
    for team in (OWN, OTHER):
        assert main(["workspace", "add", team], env=env) == 0
    return env


def run(argv, env, capsys):
    code = main(argv, env=env)
    out, err = capsys.readouterr()
    return code, out, err


def raw(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT workspace_id, kind, url, email, secret_ciphertext "
                                       "FROM integration_credentials ORDER BY workspace_id, kind")).all()


def test_add_tests_then_stores_encrypted_and_list_never_shows_the_secret(env, capsys, engine):
    jira, linear, hubspot = FakeJira(), FakeLinear(), FakeHubSpot()
    with serve(jira) as jira_url, serve(linear) as linear_url, serve(hubspot) as hubspot_url:
        code, out, err = run(["integration", "add", "jira", "--workspace", OTHER, "--url", jira_url,
                              "--email", JIRA_EMAIL, "--secret-env", "J_TOKEN"], env, capsys)
        assert code == 0, err
        assert "Added jira credentials to workspace T0002 (connection tested: Signalroom bot" in out
        assert run(["integration", "add", "linear", "--workspace", OTHER, "--url", linear_url,
                    "--secret-env", "L_KEY"], env, capsys)[0] == 0
        assert run(["integration", "add", "hubspot", "--workspace", OTHER, "--url", hubspot_url,
                    "--secret-env", "H_TOKEN"], env, capsys)[0] == 0
    assert [r.url.path for r in jira.requests] == ["/rest/api/3/myself"]  # one cheap call, nothing created
    assert any(r.url.path == "/crm/v3/objects/companies" and r.url.params["limit"] == "1" for r in hubspot.requests)
    rows = raw(engine)
    assert [(r.workspace_id, r.kind, r.email) for r in rows] == [
        (OTHER, "hubspot", None), (OTHER, "jira", JIRA_EMAIL), (OTHER, "linear", None)]
    ring = keyring_from_value(env["SIGNALROOM_SECRET_KEY"])
    for row, secret in zip(rows, (HUBSPOT_TOKEN, JIRA_TOKEN, LINEAR_KEY)):
        assert secret.encode() not in bytes(row.secret_ciphertext)
        assert ring.decrypt(row.secret_ciphertext).reveal() == secret
    code, out, _ = run(["integration", "list", "--json", "--workspace", OTHER], env, capsys)
    listed = json.loads(out)["integrations"]
    assert code == 0 and [(i["kind"], i["has_secret"]) for i in listed] == [
        ("hubspot", True), ("jira", True), ("linear", True)]
    assert all(s not in out for s in (JIRA_TOKEN, LINEAR_KEY, HUBSPOT_TOKEN))
    code, out, _ = run(["integration", "remove", "linear", "--workspace", OTHER], env, capsys)
    assert code == 0 and [r.kind for r in raw(engine)] == ["hubspot", "jira"]


def test_a_refused_token_saves_nothing_and_the_usage_errors_exit_2(env, capsys, engine):
    jira = FakeJira()
    with serve(jira) as url:
        code, _, err = run(["integration", "add", "jira", "--workspace", OTHER, "--url", url, "--email", JIRA_EMAIL,
                            "--secret-env", "BAD"], env, capsys)
        assert code == 1 and "connection test failed, nothing saved" in err and "authentication failed" in err
        assert "wrong-token" not in err
        code, _, err = run(["integration", "add", "jira", "--workspace", OTHER, "--secret-env", "J_TOKEN"], env, capsys)
        assert code == 2 and "--url" in err
        with pytest.raises(SystemExit) as refused:  # argparse refuses it before anything runs
            main(["integration", "add", "jira", "--workspace", OTHER, "--url", url, "--email", JIRA_EMAIL,
                  "--token", JIRA_TOKEN], env=env)
        assert refused.value.code == 2 and JIRA_TOKEN not in capsys.readouterr().err
        code, _, err = run(["integration", "add", "linear", "--workspace", "T9999", "--secret-env", "L_KEY"], env,
                           capsys)
        assert code == 2 and "unknown workspace T9999" in err
    assert raw(engine) == [] and jira.requests and all(r.url.path == "/rest/api/3/myself" for r in jira.requests)


def test_stored_credentials_serve_their_workspace_and_the_environment_only_the_files_own(env, capsys,
                                                                                        session_factory):
    base = load_settings({**env, "LINEAR_API_KEY": "lin_env_key", "HUBSPOT_TOKEN": "env-hubspot"},
                         config_path=env["SIGNALROOM_CONFIG"])
    sessions = session_factory
    with serve(FakeJira()) as url:
        assert run(["integration", "add", "jira", "--workspace", OTHER, "--url", url, "--email", JIRA_EMAIL,
                    "--secret-env", "J_TOKEN"], env, capsys)[0] == 0
    own, other = settings_for(sessions, base, OWN), settings_for(sessions, base, OTHER)
    assert clients.configured(own) == ("linear",) and crm_sync.configured(own)  # the environment's
    assert clients.configured(other) == ("jira",) and not crm_sync.configured(other)  # its own, none of the env's
    client = clients.make_client(other, "jira")
    try:
        assert client.base_url == url and "jira-token" not in repr(other)
    finally:
        client.close()
    with pytest.raises(Exception, match="HUBSPOT_TOKEN"):
        crm_sync.make_client(other)
    with sessions.begin() as session:
        assert forget_workspace(session, workspace_id=OTHER) == 1  # what an uninstall calls
    assert clients.configured(settings_for(sessions, base, OTHER)) == ()


def test_secrets_rotate_re_encrypts_integration_credentials(env, capsys, engine):
    with serve(FakeLinear()) as url:
        assert run(["integration", "add", "linear", "--workspace", OWN, "--url", url, "--secret-env", "L_KEY"],
                   env, capsys)[0] == 0
    old = env["SIGNALROOM_SECRET_KEY"]
    rotated = {**env, "SIGNALROOM_SECRET_KEY": f"{new_key()},{old}"}
    code, out, _ = run(["secrets", "rotate"], rotated, capsys)
    assert code == 0 and "Re-encrypted 1 stored secret" in out
    (row,) = raw(engine)
    new_only = keyring_from_value(rotated["SIGNALROOM_SECRET_KEY"].split(",")[0])
    assert new_only.decrypt(row.secret_ciphertext).reveal() == LINEAR_KEY


def test_the_queue_polls_trackers_and_checks_the_crm_for_each_workspace_with_credentials(env, capsys):
    from datetime import UTC, datetime

    from bot.context import Runtime
    from bot.queue.due import plan
    from bot.queue.tenants import Tenants

    with serve(FakeJira()) as jira_url, serve(FakeHubSpot()) as hubspot_url:
        assert run(["integration", "add", "jira", "--workspace", OTHER, "--url", jira_url, "--email", JIRA_EMAIL,
                    "--secret-env", "J_TOKEN"], env, capsys)[0] == 0
        assert run(["integration", "add", "hubspot", "--workspace", OWN, "--url", hubspot_url,
                    "--secret-env", "H_TOKEN"], env, capsys)[0] == 0
    process_env = {**env, "LINEAR_API_KEY": "lin_env_key",  # the config file's own workspace's only
                   "SLACK_BOT_TOKEN": "xoxb-test-not-a-real-token"}  # one team served: every workspace
    runtime = Runtime(load_settings(process_env, config_path=env["SIGNALROOM_CONFIG"]), env=process_env)
    try:
        planned = plan(Tenants(runtime), datetime(2026, 12, 1, 9, tzinfo=UTC))
    finally:
        runtime.close()
    assert sorted((p.task, p.kwargs["workspace_id"]) for p in planned if p.task in ("trackers", "crm")) == [
        ("crm", OWN), ("trackers", OWN), ("trackers", OTHER)]


def test_trackers_check_with_workspace_uses_its_stored_credentials(env, capsys):
    jira = FakeJira()
    with serve(jira) as url:
        assert run(["integration", "add", "jira", "--workspace", OTHER, "--url", url, "--email", JIRA_EMAIL,
                    "--secret-env", "J_TOKEN"], env, capsys)[0] == 0
        code, out, _ = run(["trackers", "check", "--workspace", OTHER], env, capsys)
        assert code == 0 and "jira: ok, as Signalroom bot" in out
        code, _, err = run(["trackers", "check", "--workspace", OWN], env, capsys)  # nothing stored, none in env
        assert code == 2 and "no issue tracker is set up for workspace T0001" in err
    assert len(jira.requests) == 2


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_a_terminal_is_asked_for_the_integrations_secret_not_a_sources(env, capsys, monkeypatch):
    import getpass

    asked = []
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or LINEAR_KEY)
    with serve(FakeLinear()) as linear_url:
        code, _, err = run(["integration", "add", "linear", "--workspace", OTHER, "--url", linear_url], env, capsys)
    assert code == 0, err
    assert asked == [f"Secret for the linear credentials of workspace {OTHER} (not echoed): "]


def test_refused_credentials_are_named_where_they_came_from(env, capsys):
    jira, linear = FakeJira(), FakeLinear()
    with serve(jira) as jira_url, serve(linear) as linear_url:
        code, _, err = run(["integration", "add", "linear", "--workspace", OTHER, "--url", linear_url,
                            "--secret-env", "BAD"], env, capsys)
        assert code == 1 and "check the secret given (--secret-env or stdin)" in err and "LINEAR_API_KEY" not in err
        assert run(["integration", "add", "jira", "--workspace", OTHER, "--url", jira_url, "--email", JIRA_EMAIL,
                    "--secret-env", "J_TOKEN"], env, capsys)[0] == 0
        jira.auth = "Basic revoked"  # the stored token is revoked at Atlassian
        code, out, _ = run(["trackers", "check", "--workspace", OTHER], env, capsys)
        assert code == 1 and "check the jira credentials stored for workspace T0002" in out
        assert "JIRA_API_TOKEN" not in out
        env_jira = {**env, "JIRA_URL": jira_url, "JIRA_EMAIL": JIRA_EMAIL, "JIRA_API_TOKEN": "revoked"}
        code, out, _ = run(["trackers", "check", "--workspace", OWN], env_jira, capsys)  # the environment's
        assert code == 1 and "check JIRA_EMAIL and JIRA_API_TOKEN" in out


def test_crm_check_with_workspace_uses_its_stored_token(env, capsys):
    hubspot = FakeHubSpot()
    with serve(hubspot) as url:
        assert run(["integration", "add", "hubspot", "--workspace", OTHER, "--url", url, "--secret-env", "H_TOKEN"],
                   env, capsys)[0] == 0
        code, out, _ = run(["crm", "check", "--workspace", OTHER], env, capsys)
        assert code == 0 and out.startswith("hubspot: ok, companies and owners readable")
        code, _, err = run(["crm", "check", "--workspace", OWN], env, capsys)  # nothing stored, none in env
        assert code == 2 and "HubSpot is not set up for workspace T0001" in err


def test_credentials_no_key_opens_serve_nothing_but_the_workspace_goes_on(env, capsys, session_factory, caplog):
    from bot.queue.tenants import Tenants
    from bot.context import Runtime

    with serve(FakeJira()) as url:
        assert run(["integration", "add", "jira", "--workspace", OTHER, "--url", url, "--email", JIRA_EMAIL,
                    "--secret-env", "J_TOKEN"], env, capsys)[0] == 0
    replaced = {**env, "SIGNALROOM_SECRET_KEY": new_key(),  # replaced, not rotated
                "JIRA_URL": "https://env.example.net", "JIRA_EMAIL": "env@example.com", "JIRA_API_TOKEN": "env",
                "SLACK_BOT_TOKEN": "xoxb-test-not-a-real-token"}  # one team served: every workspace
    base = load_settings(replaced, config_path=env["SIGNALROOM_CONFIG"])
    with caplog.at_level("WARNING", logger="bot.workspaces.integrations"):
        other = settings_for(session_factory, base, OTHER)
    assert other.workspace_id == OTHER and clients.configured(other) == ()  # neither its own nor the env's
    assert "workspace T0002: its stored jira credentials cannot be used" in caplog.text
    assert JIRA_TOKEN not in caplog.text
    runtime = Runtime(base, env=replaced)
    try:
        assert Tenants(runtime).tenant(OTHER) is not None  # its rituals and syncs still run
    finally:
        runtime.close()
