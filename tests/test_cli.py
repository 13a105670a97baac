"""The CLI contract: subcommands, --help, exit codes 0/1/2 and one-line errors."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import COMMANDS, main


def test_every_contract_command_is_registered_with_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"], env={})
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "db", "config", "sync", "import", "metrics", "rollup", "backtest", "themes",
                 "agenda", "digest", "remind", "actions", "serve", "socket", "worker"):
        assert name in out
    for name, _, _ in COMMANDS:
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"], env={})
        assert exited.value.code == 0


def test_broken_config_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Nowhere/Land"\n')
    assert main(["config", "check"], env={"SIGNALROOM_CONFIG": str(path)}) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and "timezone" in err and "unknown IANA timezone" in err


def test_config_check_prints_masked_effective_config(tmp_path, capsys):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n')
    code = main(["config", "check", "--json"], env={"SIGNALROOM_CONFIG": str(path), "SLACK_BOT_TOKEN": "xoxb-9-9-topsecrettoken"})
    assert code == 0
    out = capsys.readouterr().out
    assert '"timezone": "Europe/Berlin"' in out and "topsecrettoken" not in out


def test_usage_error_exit_2(capsys, tmp_path):
    assert main(["import", str(tmp_path / "missing.csv")], env={"SIGNALROOM_DATA_DIR": str(tmp_path)}) == 2
    assert "no such file" in capsys.readouterr().err


def test_unknown_subcommand_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"], env={})
    assert exited.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_python_dash_m_bot_works():
    done = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "signalroom" in done.stdout
