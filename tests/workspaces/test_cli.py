"""`signalroom workspace|source|secrets`: the CLI contract of issue 16, end to end on a real database.

Connection tests go over real HTTP to the fake helpdesks served on loopback; nothing is mocked.
"""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.credentials import keyring_from_value, new_key
from integrations.normalize import basic_auth_header
from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.intercom import FakeIntercom
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk

TOKEN = "zd-Token-9f8e7d6c5b4a"
EMAIL = "agent@acme.example"
ZENDESK_AUTH = basic_auth_header(f"{EMAIL}/token", TOKEN)


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def env(tmp_path, db_url, key):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    return {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": key,
            "ZD_TOKEN": TOKEN}


@pytest.fixture
def zendesk():
    fake = FakeZendesk(auth=ZENDESK_AUTH)
    with serve(fake) as url:
        yield fake, url


def run(argv, env, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv, env=env)
    out, err = capsys.readouterr()
    return code, out, err


def raw_sources(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT workspace_id, name, type, url, email, secret_ciphertext "
                                       "FROM helpdesk_sources ORDER BY workspace_id, name")).all()


def add_workspace(env, capsys, team_id="T0001", *extra):
    code, out, err = run(["workspace", "add", team_id, *extra], env, capsys)
    assert code == 0, err
    return out


# -- workspaces ---------------------------------------------------------------------------------------------

def test_workspace_add_and_list_json(env, capsys):
    out = add_workspace(env, capsys, "T0001", "--name", "Acme support", "--timezone", "America/New_York")
    assert "Added workspace T0001 (Acme support), timezone America/New_York" in out
    add_workspace(env, capsys, "T0002")  # the config file's timezone by default
    code, out, _ = run(["workspace", "list", "--json"], env, capsys)
    assert code == 0
    listed = json.loads(out)["workspaces"]
    assert [(w["team_id"], w["name"], w["timezone"], w["paused"], w["sources"]) for w in listed] == [
        ("T0001", "Acme support", "America/New_York", False, 0), ("T0002", None, "Europe/Berlin", False, 0)]
    assert all(w["created_at"].endswith("Z") for w in listed)
    code, out, _ = run(["workspace", "list"], env, capsys)
    assert code == 0 and "T0001" in out and "Acme support" in out


def test_workspace_add_records_who_set_what(env, capsys, session_factory):
    from bot.storage.workspaces import list_changes

    add_workspace(env, capsys, "T0001", "--timezone", "Asia/Tokyo")
    with session_factory() as session:
        changes = [(c.key, c.old, c.new, c.who) for c in list_changes(session, workspace_id="T0001")]
    assert changes == [("name", None, None, "cli"), ("timezone", None, "Asia/Tokyo", "cli")]


@pytest.mark.parametrize("argv, message", [
    (["workspace", "add", "T0001", "--timezone", "Mars/Olympus"], "unknown IANA timezone 'Mars/Olympus'"),
    (["workspace", "add", "not a team"], "is not a workspace id"),
])
def test_workspace_validation_exits_2_with_one_line(env, capsys, argv, message):
    code, _, err = run(argv, env, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_workspace_is_added_once(env, capsys):
    add_workspace(env, capsys)
    code, _, err = run(["workspace", "add", "T0001"], env, capsys)
    assert code == 2 and "workspace T0001 already exists" in err


# -- sources: secrets in, never out -------------------------------------------------------------------------

def test_source_add_from_env_tests_the_connection_and_stores_ciphertext(env, capsys, zendesk, engine, key):
    fake, url = zendesk
    add_workspace(env, capsys)
    code, out, err = run(["source", "add", "support", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                          "--email", EMAIL, "--secret-env", "ZD_TOKEN"], env, capsys)
    assert code == 0, err
    assert "Added zendesk source support to workspace T0001 (connection tested; secret stored encrypted)" in out
    assert [r.url.path for r in fake.requests] == ["/api/v2/users/me.json"]
    (row,) = raw_sources(engine)
    ciphertext = bytes(row.secret_ciphertext)
    assert TOKEN.encode() not in ciphertext and TOKEN not in out + err
    assert keyring_from_value(key).decrypt(ciphertext).reveal() == TOKEN
    assert (row.workspace_id, row.name, row.type, row.url, row.email) == ("T0001", "support", "zendesk", url, EMAIL)


@pytest.mark.parametrize("kind, fake, secret, identity", [
    ("freshdesk", FakeFreshdesk(auth=basic_auth_header("fd-key-123456", "X")), "fd-key-123456\n", "/api/v2/agents/me"),
    ("intercom", FakeIntercom(auth="Bearer ic-token-abc"), "ic-token-abc", "/me"),
])
def test_source_add_reads_the_secret_from_stdin(env, capsys, engine, key, monkeypatch, kind, fake, secret, identity):
    add_workspace(env, capsys)
    with serve(fake) as url:
        code, _, err = run(["source", "add", kind, "--workspace", "T0001", "--type", kind, "--url", url],
                           env, capsys, stdin=secret, monkeypatch=monkeypatch)
    assert code == 0, err
    assert [r.url.path for r in fake.requests] == [identity]
    (row,) = raw_sources(engine)
    assert keyring_from_value(key).decrypt(bytes(row.secret_ciphertext)).reveal() == secret.strip()


def test_a_rejected_token_saves_nothing_and_says_so(env, capsys, zendesk, engine):
    fake, url = zendesk
    add_workspace(env, capsys)
    env = {**env, "ZD_TOKEN": "wrong-token"}
    code, out, err = run(["source", "add", "support", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                          "--email", EMAIL, "--secret-env", "ZD_TOKEN"], env, capsys)
    assert code == 1
    assert "connection test failed, nothing saved" in err and "the API token was rejected (HTTP 401)" in err
    assert "wrong-token" not in out + err
    assert len(fake.requests) == 1  # a 401 is not retried
    assert raw_sources(engine) == []


def test_an_address_that_is_not_the_helpdesk_saves_nothing(env, capsys, engine, monkeypatch):
    fake = FakeZendesk()  # answers 404 to what it does not know
    fake.handle = lambda request: __import__("httpx").Response(404, json={"error": "InvalidEndpoint"})
    add_workspace(env, capsys)
    with serve(fake) as url:
        code, _, err = run(["source", "add", "zd", "--workspace", "T0001", "--type", "zendesk", "--url", url],
                           env, capsys, stdin="oauth-token", monkeypatch=monkeypatch)
    assert code == 1 and "HTTP 404" in err and "the account's address" in err
    assert raw_sources(engine) == []


@pytest.mark.parametrize("option", ["--secret", "--token", "--api-token", "--api-key", "--password"])
def test_a_secret_on_the_command_line_is_refused_without_echo(env, capsys, option):
    with pytest.raises(SystemExit) as exited:
        main(["source", "add", "zd", "--workspace", "T0001", "--type", "zendesk", "--url", "https://a.zendesk.com",
              option, "s3cret-on-argv"], env=env)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "secrets are never taken from the command line" in err and "s3cret-on-argv" not in err


def test_secret_env_takes_a_name_and_never_echoes_a_secret_given_instead(env, capsys, zendesk):
    _, url = zendesk
    add_workspace(env, capsys)
    base = ["source", "add", "zd", "--workspace", "T0001", "--type", "zendesk", "--url", url, "--email", EMAIL]
    code, _, err = run([*base, "--secret-env", "a/b+c=="], env, capsys)
    assert code == 2 and "takes the NAME of an environment variable" in err and "a/b+c" not in err
    code, _, err = run([*base, "--secret-env", "MISSING_TOKEN"], env, capsys)
    assert code == 2 and "MISSING_TOKEN is not set" in err
    code, _, err = run([*base, "--secret-env", "zdTokenLooking123"], env, capsys)
    assert code == 2 and "named by --secret-env is not set" in err and "zdTokenLooking123" not in err


def test_empty_stdin_is_a_usage_error(env, capsys, monkeypatch):
    add_workspace(env, capsys)
    code, _, err = run(["source", "add", "zd", "--workspace", "T0001", "--type", "zendesk", "--url",
                        "https://acme.zendesk.com"], env, capsys, stdin="\n", monkeypatch=monkeypatch)
    assert code == 2 and "no secret on stdin" in err


@pytest.mark.parametrize("extra, message", [
    (["--type", "zendesk"], "needs --url"),
    (["--type", "zendesk", "--url", "http://acme.zendesk.com"], "must use https"),
    (["--type", "zendesk", "--url", "ftp://acme"], "is not an http(s) address"),
    (["--type", "freshdesk", "--url", "https://acme.freshdesk.com", "--email", "a@b.co"], "--email is only for zendesk"),
    (["--type", "zendesk", "--url", "https://acme.zendesk.com", "--email", "nope"], "is not an email address"),
    (["--type", "csv", "--secret-env", "ZD_TOKEN"], "a csv source has no secret"),
])
def test_source_validation_exits_2_before_any_call(env, capsys, extra, message, monkeypatch):
    add_workspace(env, capsys)
    code, _, err = run(["source", "add", "zd", "--workspace", "T0001", *extra], env, capsys, stdin="tok",
                       monkeypatch=monkeypatch)
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_source_needs_a_known_workspace_and_a_free_name(env, capsys, zendesk):
    _, url = zendesk
    argv = ["source", "add", "support", "--workspace", "T0001", "--type", "zendesk", "--url", url, "--email", EMAIL,
            "--secret-env", "ZD_TOKEN"]
    code, _, err = run(argv, env, capsys)
    assert code == 2 and "unknown workspace T0001: add it with `signalroom workspace add T0001`" in err
    add_workspace(env, capsys)
    assert run(argv, env, capsys)[0] == 0
    code, _, err = run(argv, env, capsys)
    assert code == 2 and "already has a source named 'support'" in err


def test_a_missing_key_is_reported_before_the_helpdesk_is_called(env, capsys, zendesk, engine):
    fake, url = zendesk
    add_workspace(env, capsys)
    env = {k: v for k, v in env.items() if k != "SIGNALROOM_SECRET_KEY"}
    code, _, err = run(["source", "add", "support", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                        "--email", EMAIL, "--secret-env", "ZD_TOKEN"], env, capsys)
    assert code == 2
    assert "set SIGNALROOM_SECRET_KEY; generate one with `signalroom secrets new-key`" in err
    assert fake.requests == [] and raw_sources(engine) == []


def test_a_malformed_key_exits_2(env, capsys, zendesk):
    _, url = zendesk
    add_workspace(env, capsys)
    code, _, err = run(["source", "add", "support", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                        "--email", EMAIL, "--secret-env", "ZD_TOKEN"], {**env, "SIGNALROOM_SECRET_KEY": "short"}, capsys)
    assert code == 2 and "key 1 is not a Fernet key" in err and "short" not in err.split("key 1")[0]


def test_two_sources_of_one_vendor_list_and_remove_scoped_by_workspace(env, capsys, zendesk, monkeypatch):
    _, url = zendesk
    add_workspace(env, capsys, "T0001")
    add_workspace(env, capsys, "T0002")
    for team, name in (("T0001", "emea"), ("T0001", "us"), ("T0002", "emea")):
        code, _, err = run(["source", "add", name, "--workspace", team, "--type", "zendesk", "--url", url,
                            "--email", EMAIL, "--secret-env", "ZD_TOKEN"], env, capsys)
        assert code == 0, err
    assert run(["source", "add", "files", "--workspace", "T0002", "--type", "csv", "--url", "/data/export.csv"],
               env, capsys)[0] == 0

    code, out, _ = run(["source", "list", "--workspace", "T0001", "--json"], env, capsys)
    sources = json.loads(out)["sources"]
    assert [(s["workspace"], s["name"]) for s in sources] == [("T0001", "emea"), ("T0001", "us")]
    assert set(sources[0]) == {"workspace", "name", "type", "url", "email", "has_secret", "created_at", "created_by",
                               "health", "last_success_at", "last_error"}
    assert sources[0]["has_secret"] is True and sources[0]["created_by"] == "cli"
    code, out, _ = run(["source", "list", "--json"], env, capsys)
    everything = json.loads(out)["sources"]
    assert [(s["workspace"], s["name"], s["has_secret"]) for s in everything] == [
        ("T0001", "emea", True), ("T0001", "us", True), ("T0002", "emea", True), ("T0002", "files", False)]
    assert TOKEN not in out
    code, out, _ = run(["source", "list"], env, capsys)
    assert code == 0 and TOKEN not in out and "stored" in out

    code, out, _ = run(["source", "remove", "emea", "--workspace", "T0002"], env, capsys)
    assert code == 0 and "Removed zendesk source emea from workspace T0002" in out
    code, out, _ = run(["source", "list", "--json"], env, capsys)
    assert [(s["workspace"], s["name"]) for s in json.loads(out)["sources"]] == [
        ("T0001", "emea"), ("T0001", "us"), ("T0002", "files")]
    code, _, err = run(["source", "remove", "emea", "--workspace", "T0002"], env, capsys)
    assert code == 2 and "workspace T0002 has no source named 'emea'" in err
    code, _, err = run(["source", "list", "--workspace", "T9999"], env, capsys)
    assert code == 2 and "unknown workspace T9999" in err
    code, out, _ = run(["workspace", "list", "--json"], env, capsys)
    assert [(w["team_id"], w["sources"]) for w in json.loads(out)["workspaces"]] == [("T0001", 2), ("T0002", 1)]


# -- secrets ------------------------------------------------------------------------------------------------

def test_new_key_prints_a_usable_key(env, capsys):
    code, out, _ = run(["secrets", "new-key"], env, capsys)
    assert code == 0
    keyring_from_value(out.strip()).encrypt("x")


def test_rotate_re_encrypts_every_secret_onto_the_first_key(env, capsys, zendesk, engine, key):
    _, url = zendesk
    add_workspace(env, capsys, "T0001")
    add_workspace(env, capsys, "T0002")
    for team in ("T0001", "T0002"):
        assert run(["source", "add", "zd", "--workspace", team, "--type", "zendesk", "--url", url, "--email", EMAIL,
                    "--secret-env", "ZD_TOKEN"], env, capsys)[0] == 0
    before = [bytes(r.secret_ciphertext) for r in raw_sources(engine)]
    fresh = new_key()
    code, out, err = run(["secrets", "rotate"], {**env, "SIGNALROOM_SECRET_KEY": f"{fresh},{key}"}, capsys)
    assert code == 0, err
    assert "Re-encrypted 2 stored secrets" in out and "other keys can now be removed" in out
    after = [bytes(r.secret_ciphertext) for r in raw_sources(engine)]
    assert all(a != b for a, b in zip(after, before))
    assert [keyring_from_value(fresh).decrypt(c).reveal() for c in after] == [TOKEN, TOKEN]
    # The old key alone no longer opens them: rotating with it is refused, and says why.
    code, _, err = run(["secrets", "rotate"], env, capsys)
    assert code == 2 and "cannot be decrypted with any key in SIGNALROOM_SECRET_KEY" in err
    assert [bytes(r.secret_ciphertext) for r in raw_sources(engine)] == after  # all or nothing


def test_the_service_hands_a_sync_its_decrypted_connections_per_workspace(env, capsys, zendesk, session_factory, key):
    from bot.workspaces.service import source_connections

    _, url = zendesk
    add_workspace(env, capsys, "T0001")
    add_workspace(env, capsys, "T0002")
    assert run(["source", "add", "zd", "--workspace", "T0001", "--type", "zendesk", "--url", url, "--email", EMAIL,
                "--secret-env", "ZD_TOKEN"], env, capsys)[0] == 0
    (connection,) = source_connections(session_factory, workspace_id="T0001", keyring=lambda: keyring_from_value(key))
    assert (connection.name, connection.type, connection.email, connection.secret.reveal()) == ("zd", "zendesk", EMAIL,
                                                                                                 TOKEN)
    assert TOKEN not in repr(connection)
    assert source_connections(session_factory, workspace_id="T0002", keyring=lambda: keyring_from_value(key)) == []
