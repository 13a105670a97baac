"""Done-when of issue 11.1: a Zendesk account backfilled through the CLI (on loopback) reads with names
through `metrics --json --from … --to … --by group|agent`. A shorter span than the issue's 2014-2023 keeps
the test quick (and `backfill_days` stops at 3650)."""
import json
from datetime import UTC, datetime

from bot.cli import main
from tests.fakes import reference as fr
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

CONFIG = """
workspace_id = "T1"
timezone = "UTC"
[sources.zendesk]
backfill_days = 3650
lookback_minutes = 0
"""


def test_backfilled_zendesk_history_reads_with_names(tmp_path, db_url, capsys):
    first = int(datetime(2022, 10, 3, tzinfo=UTC).timestamp())  # years back: older than the old 400-day horizon
    last = int(datetime(2023, 6, 1, tzinfo=UTC).timestamp())
    step = (last - first) // 199
    tickets = [zendesk_ticket(i, updated_ts=first + i * step, status="solved") for i in range(1, 200)]
    fake = FakeZendesk(tickets, auth="Bearer zd")
    fake.references.groups = [fr.zendesk_group(100 + i, name) for i, name in
                              enumerate(["Billing", "Tech", "Onboarding", "Enterprise"])]
    fake.references.agents = [fr.zendesk_user(200 + i, f"Agent {chr(65 + i)}", f"agent{i}@example.com")
                              for i in range(7)]
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with serve(fake) as url:
        env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url, "SIGNALROOM_LOG_LEVEL": "WARNING",
               "ZENDESK_URL": url, "ZENDESK_OAUTH_TOKEN": "zd"}
        assert main(["sync"], env=env) == 0
        assert main(["rollup"], env=env) == 0
        capsys.readouterr()
        assert main(["metrics", "--json", "--from", "2022-01-01", "--to", "2023-12-31", "--by", "group"], env=env) == 0
        volume = [m for m in json.loads(capsys.readouterr().out)["metrics"] if m["key"] == "ticket_volume"]
        assert {m["segment"]["group"]: m["value"] for m in volume} == {
            "Billing": 49, "Tech": 50, "Onboarding": 50, "Enterprise": 50}
        assert {m["segment_id"]["group"] for m in volume} == {"100", "101", "102", "103"}
        assert main(["metrics", "--json", "--from", "2022-01-01", "--to", "2023-12-31", "--by", "agent"], env=env) == 0
        agents = {m["segment"]["agent"] for m in json.loads(capsys.readouterr().out)["metrics"]}
        assert agents == {f"Agent {chr(65 + i)}" for i in range(7)}
        assert main(["backtest", "--metric", "ticket_volume", "--by", "group", "--json"], env=env) == 0
        segments = json.loads(capsys.readouterr().out)["segments"]
        assert {(s["segment"]["group"], s["segment_id"]["group"]) for s in segments} == {
            ("Billing", "100"), ("Tech", "101"), ("Onboarding", "102"), ("Enterprise", "103")}
