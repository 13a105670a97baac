"""A fast CLI: --help, --version and usage errors answer without importing the heavy libraries.

Behaviour, not timing: each check runs in a fresh interpreter and lists which heavy
modules ended up in sys.modules (bench/cli_startup.py measures the time).
"""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from bot.actions import service
from bot.cli import command_named, main
from bot.commands import actions

# Each of these costs tenths of a second (scikit-learn and scipy seconds) to import.
HEAVY = ("sklearn", "scipy", "matplotlib", "numpy", "wordllama", "rich", "slack_bolt", "slack_sdk", "sqlalchemy",
         "alembic", "pydantic", "httpx", "jinja2", "apscheduler", "uvicorn")

PROBE = """
import json, sys
from bot.cli import command_named, main
try:
    code = main({argv!r}, env={env!r})
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "heavy": sorted(m for m in {heavy!r} if m in sys.modules)}}), file=sys.stderr)
"""


def probe(argv: list[str], env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, env=env or {}, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["--version"],
    ["frobnicate"],  # unknown command
    ["metrics", "--bogus"],  # unknown option of a command
    ["metrics", "--help"],
    ["digest", "--kind", "nope"],
    ["actions", "--status", "nope"],
])
def test_parser_answers_without_heavy_imports(argv):
    result = probe(argv)
    assert result["code"] in (0, 2)
    assert result["heavy"] == []


def test_the_whole_parser_imports_no_heavy_library():
    # build_parser() without argv wires every command (as the --help tests do): still light.
    done = subprocess.run([sys.executable, "-c", "import sys; from bot.cli import build_parser; build_parser(); "
                           f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr


@pytest.mark.parametrize("argv, command", [
    (["metrics", "--json"], "metrics"),
    (["--config", "metrics", "actions"], "actions"),  # a config file that happens to be called metrics
    (["--config=x.toml", "-v", "digest", "--kind", "all"], "digest"),
    (["--conf", "x.toml", "remind"], "remind"),  # argparse accepts a prefix of --config
    (["-v", "--help"], None),
    (["frobnicate", "metrics"], None),  # the first positional is the command: argparse refuses it
    ([], None),
])
def test_command_named(argv, command):
    assert command_named(argv) == command


def test_a_commands_own_usage_error_needs_only_the_settings(tmp_path):
    # Settings are validated (pydantic) before a command runs; the database, the themes and
    # the charts are not needed to say "--from and --to go together".
    result = probe(["metrics", "--from", "2026-01-01"], env={"SIGNALROOM_DATA_DIR": str(tmp_path)})
    assert result["code"] == 2
    assert [m for m in result["heavy"] if m != "pydantic"] == []


def test_version_is_the_installed_one(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"], env={})
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"signalroom {version('signalroom')}\n"


def test_the_actions_status_choices_are_the_services():
    # From bot.actions.statuses, which imports nothing: --help need not import SQLAlchemy.
    assert actions.STATUSES is service.STATUSES
