"""`signalroom sync --workspace TEAM_ID`: a workspace's stored sources sync into that workspace only.

Two workspaces, each with its own fake Zendesk (one with two Zendesk accounts), over loopback.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.credentials import new_key
from integrations.normalize import basic_auth_header
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

EMAIL = "agent@acme.example"


def fake_zendesk(token: str, ids: range) -> FakeZendesk:
    now = int(time.time())
    return FakeZendesk([zendesk_ticket(i, updated_ts=now - 86_400 + i * 60) for i in ids],
                       auth=basic_auth_header(f"{EMAIL}/token", token))


@pytest.fixture
def env(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    return {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": new_key(),
            "SIGNALROOM_LOG_LEVEL": "WARNING", "TOKEN_A": "token-a", "TOKEN_B": "token-b", "TOKEN_C": "token-c"}


def tickets(engine):
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT workspace_id, source, COUNT(*) FROM tickets "
                                       "GROUP BY workspace_id, source ORDER BY workspace_id, source")).all()
    return [tuple(row) for row in rows]


def test_each_workspace_syncs_its_own_stored_sources(env, engine, capsys):
    a, b, c = fake_zendesk("token-a", range(1, 4)), fake_zendesk("token-b", range(1, 3)), fake_zendesk("token-c", range(1, 6))
    with serve(a) as url_a, serve(b) as url_b, serve(c) as url_c:
        for team in ("T0001", "T0002"):
            assert main(["workspace", "add", team], env=env) == 0
        for team, name, url, var in (("T0001", "emea", url_a, "TOKEN_A"), ("T0001", "us", url_b, "TOKEN_B"),
                                     ("T0002", "emea", url_c, "TOKEN_C")):
            assert main(["source", "add", name, "--workspace", team, "--type", "zendesk", "--url", url,
                         "--email", EMAIL, "--secret-env", var], env=env) == 0
        capsys.readouterr()
        # The stored secrets are what the sync uses: the environment's copies are gone.
        env = {k: v for k, v in env.items() if not k.startswith("TOKEN_")}

        assert main(["sync", "--workspace", "T0001"], env=env) == 0
        out = capsys.readouterr().out
        assert "emea: 3 fetched" in out and "us: 2 fetched" in out
        assert tickets(engine) == [("T0001", "emea", 3), ("T0001", "us", 2)]
        assert [r.url.path for r in c.requests] == ["/api/v2/users/me.json"]  # T0002's: only its connection test

        assert main(["sync", "--workspace", "T0002", "--source", "emea"], env=env) == 0
        assert tickets(engine) == [("T0001", "emea", 3), ("T0001", "us", 2), ("T0002", "emea", 5)]

    # Health is recorded per workspace too.
    with engine.connect() as connection:
        health = connection.execute(text("SELECT workspace_id, source, consecutive_failures FROM source_health "
                                         "ORDER BY workspace_id, source")).all()
    assert [tuple(r) for r in health] == [("T0001", "emea", 0), ("T0001", "us", 0), ("T0002", "emea", 0)]


def test_a_secret_no_key_opens_stops_that_sync_with_advice(env, capsys):
    fake = fake_zendesk("token-a", range(1, 3))
    with serve(fake) as url:
        assert main(["workspace", "add", "T0001"], env=env) == 0
        assert main(["source", "add", "emea", "--workspace", "T0001", "--type", "zendesk", "--url", url,
                     "--email", EMAIL, "--secret-env", "TOKEN_A"], env=env) == 0
        capsys.readouterr()
        code = main(["sync", "--workspace", "T0001"], env={**env, "SIGNALROOM_SECRET_KEY": new_key()})
    err = capsys.readouterr().err
    assert code == 2 and "cannot be decrypted with any key in SIGNALROOM_SECRET_KEY" in err
    assert "token-a" not in err


@pytest.mark.parametrize("argv, message", [
    (["sync", "--workspace", "T0404"], "unknown workspace T0404"),
    (["sync", "--workspace", "T0001"], "workspace T0001 has no sources"),
    (["sync", "--workspace", "T0001", "--source", "nope"], "has no source named 'nope'"),
])
def test_sync_workspace_usage_errors(env, capsys, argv, message):
    assert main(["workspace", "add", "T0001"], env=env) == 0
    capsys.readouterr()
    assert main(argv, env=env) == 2
    assert message in capsys.readouterr().err
