from datetime import UTC, datetime

import httpx
import pytest

from bot.cli import main
from bot.config import load_settings
from bot.errors import UsageError
from bot.sync.sources import plan_sources
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter
from tests.fakes.intercom import FakeIntercom, intercom_conversation
from tests.fakes.loopback import serve

CONFIG = """
workspace_id = "T1"
[privacy]
store_subject = false
[sources.zendesk]
page_size = 50
lookback_minutes = 0
[sources.eu]
type = "intercom"
backfill_days = 3650
[sources.fd]
type = "freshdesk"
enabled = false
"""


def settings(tmp_path, env, text=CONFIG):
    path = tmp_path / "signalroom.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"SIGNALROOM_CONFIG": str(path), **env})


def test_plan_builds_adapters_from_config_and_environment(tmp_path):
    env = {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "a@b.c", "ZENDESK_API_TOKEN": "t",
           "INTERCOM_ACCESS_TOKEN": "i", "INTERCOM_URL": "https://api.eu.intercom.io",
           "FRESHDESK_DOMAIN": "acme", "FRESHDESK_API_KEY": "k"}
    with httpx.Client() as client:
        planned = plan_sources(settings(tmp_path, env), client=client)
        assert [p.name for p in planned] == ["zendesk", "eu"]  # fd is disabled
        zd, eu = planned
        assert isinstance(zd.adapter, ZendeskAdapter) and zd.adapter.page_size == 50
        assert zd.adapter.url == "https://acme.zendesk.com/api/v2/incremental/tickets/cursor.json"
        assert zd.adapter.store_free_text is False
        assert isinstance(eu.adapter, IntercomAdapter) and eu.adapter.url.startswith("https://api.eu.intercom.io")
        now = datetime(2024, 1, 1, tzinfo=UTC)
        assert (now - eu.start(now)).days == 3650 and (now - zd.start(now, backfill_days=7)).days == 7
        (fd,) = plan_sources(settings(tmp_path, env), client=client, only="fd")  # explicitly asked for
        assert isinstance(fd.adapter, FreshdeskAdapter)
        with pytest.raises(UsageError, match="unknown source 'nope'"):
            plan_sources(settings(tmp_path, env), client=client, only="nope")


def test_missing_credentials_are_named(tmp_path):
    with httpx.Client() as client:
        zd, eu = plan_sources(settings(tmp_path, {}), client=client)
    assert zd.problem == "zendesk: set ZENDESK_SUBDOMAIN or ZENDESK_URL"
    assert eu.problem == "eu: set INTERCOM_ACCESS_TOKEN"


def test_cli_exit_codes(tmp_path, db_url, capsys):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG, encoding="utf-8")
    base = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url, "SIGNALROOM_LOG_LEVEL": "WARNING"}
    assert main(["sync"], env=base) == 2  # nothing can run: a configuration error
    assert "set ZENDESK_SUBDOMAIN" in capsys.readouterr().err
    assert main(["sync", "--source", "nope"], env=base) == 2
    assert main(["sync", "--backfill", "0"], env=base) == 2

    fake = FakeIntercom([intercom_conversation(i) for i in range(1, 4)], auth="Bearer ic")
    with serve(fake) as url:
        env = {**base, "INTERCOM_ACCESS_TOKEN": "ic", "INTERCOM_URL": url}
        capsys.readouterr()
        assert main(["sync"], env=env) == 1  # eu synced, zendesk is misconfigured
        out = capsys.readouterr().out
        assert "eu: 3 fetched, 3 inserted" in out and "zendesk: 0 fetched" in out and "failed: zendesk" in out
        assert main(["sync", "--source", "eu", "--backfill", "3"], env=env) == 0
        assert "eu: 0 fetched" in capsys.readouterr().out  # the fake's conversations are older than 3 days


def test_a_refused_csv_file_fails_its_source_only(tmp_path, db_url, capsys):
    (tmp_path / "semi.csv").write_bytes(b"id;created_at;status\n1;2026-03-02T09:00:00Z;open\n")
    (tmp_path / "good.csv").write_bytes(b"id,created_at,status\n1,2026-03-02T09:00:00Z,open\n")
    path = tmp_path / "signalroom.toml"
    path.write_text(f'[sources.semi]\ntype = "csv"\npath = "{tmp_path / "semi.csv"}"\n'
                    f'[sources.good]\ntype = "csv"\npath = "{tmp_path / "good.csv"}"\n', encoding="utf-8")
    env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url}
    assert main(["sync"], env=env) == 1
    out = capsys.readouterr().out
    assert "semi: 0 fetched" in out and "use --mapping with delimiter = ';'" in out
    assert "good: 1 fetched, 1 inserted" in out and "failed: semi" in out
