"""The metrics, backtest and rollup commands through the CLI entry point."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.cli import main
from bot.storage.tickets import upsert_tickets
from tests.metrics.factories import make_tickets
from datetime import datetime, timezone

CONFIG = """
timezone = "Europe/Berlin"
workspace_id = "w1"
[slack]
alerts_channel = "C0ALERTS"
[[rules]]
name = "slow-frt"
metric = "first_response_time"
zone = "act_now"
days = 2
playbook = "staffing"
[playbooks.staffing]
owner = "U0OWNER"
steps = ["check the rota"]
"""


@pytest.fixture
def env(tmp_path, db_url, session_factory):
    cfg = tmp_path / "signalroom.toml"
    cfg.write_text(CONFIG)
    now = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=make_tickets(days=40, per_day=20, end_at=now, slow_last_days=3))
    return {"SIGNALROOM_CONFIG": str(cfg), "DATABASE_URL": db_url}


def test_rollup_then_metrics_json(env, capsys):
    assert main(["rollup", "--full"], env=env) == 0
    assert "rollups (full)" in capsys.readouterr().out
    assert main(["metrics", "--json"], env=env) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["timezone"] == "Europe/Berlin" and out["metrics"]
    assert out["metrics"][0]["zone"] in ("act_now", "watch")
    assert main(["metrics", "--json", "--by", "group"], env=env) == 0
    by = json.loads(capsys.readouterr().out)
    assert all(set(m["segment"]) == {"group"} for m in by["metrics"])
    today = date.today()
    assert main(["metrics", "--json", "--from", str(today - timedelta(days=7)), "--to", str(today)], env=env) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]
    assert main(["backtest", "--metric", "frt", "--json"], env=env) == 0
    days = json.loads(capsys.readouterr().out)["days"]
    assert any(d["rule"] == "slow-frt" for d in days)
    assert main(["metrics"], env=env) == 0  # the table renders


@pytest.mark.parametrize("argv", [
    ["metrics", "--by", "planet"],
    ["metrics", "--date", "yesterday"],
    ["metrics", "--from", "2024-01-01"],
    ["backtest"],
    ["backtest", "--metric", "nonsense"],
    ["backtest", "--series", "/nonexistent.csv"],
])
def test_usage_errors_exit_2_with_one_line(env, capsys, argv):
    assert main(argv, env=env) == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err


def test_backtest_series_file(env, tmp_path, capsys):
    path = tmp_path / "s.csv"
    rows = ["date,value"] + [f"{date(2024, 1, 1) + timedelta(days=i)},{100 + i % 3}" for i in range(40)] + ["2024-02-10,500"]
    path.write_text("\n".join(rows))
    assert main(["backtest", "--series", str(path), "--direction", "higher_is_worse", "--json"], env=env) == 0
    days = json.loads(capsys.readouterr().out)["days"]
    assert days[-1]["zone"] == "act_now" and days[0]["zone"] == "learning"


def test_backtest_verdicts_for_a_do_nothing_action(env, tmp_path, capsys):
    """A spike on day 60 that fades by itself: the do-nothing action after it reads as an ordinary recovery."""
    path = tmp_path / "s.csv"
    values = [100 + (i * 7) % 5 for i in range(120)]
    values[60:63] = [160, 170, 150]
    path.write_text("\n".join(["date,value"] + [f"{date(2024, 1, 1) + timedelta(days=i)},{v}"
                                                for i, v in enumerate(values)]))
    assert main(["backtest", "--series", str(path), "--verdicts", "--json"], env=env) == 0
    verdicts = json.loads(capsys.readouterr().out)["verdicts"]
    assert [(v["trigger_day"], v["verdict"]) for v in verdicts] == [("2024-03-02", "recovered_as_usual")]
    assert set(verdicts[0]) >= {"trigger_day", "done_day", "verdict", "explanation"}
    assert verdicts[0]["done_day"] == "2024-03-09" and verdicts[0]["explanation"].startswith("back to")
    assert main(["backtest", "--series", str(path), "--verdicts"], env=env) == 0
    assert "recovered_as_usual 1" in capsys.readouterr().out
