"""The distribution is self-contained: templates, migrations and the demo config ship inside the package."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_on_disk_is_listed_for_the_wheel():
    # `packages` is an explicit list (mapped folders defeat `packages.find`): a new subpackage must be added there.
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "integrations")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    mapped = {"bot._templates", "bot._migrations", "bot._migrations.versions"}
    assert set(SETUPTOOLS["packages"]) == on_disk | mapped


def test_source_folders_stay_at_the_top_and_map_into_the_package():
    assert SETUPTOOLS["package-dir"] == {"bot._templates": "templates", "bot._migrations": "migrations"}
    assert any((ROOT / "templates").glob("*.json.j2")) and any((ROOT / "migrations" / "versions").glob("*.py"))


@pytest.mark.slow
def test_wheel_holds_templates_migrations_and_demo_config_and_migrates_outside_the_checkout(tmp_path):
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("bot", "integrations", "templates", "migrations"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("signalroom-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    templates = {p.name for p in (ROOT / "templates").glob("*.json.j2")}
    versions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert {f"bot/_templates/{name}" for name in templates} <= names
    assert {f"bot/_migrations/versions/{name}" for name in versions} <= names
    assert {"bot/_migrations/env.py", "bot/demo/demo.toml"} <= names

    # The unpacked wheel first on the path, run from an unrelated directory: nothing may come from the checkout.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path / "site"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'wheel.db'}", "SIGNALROOM_LOG_LEVEL": "WARNING"}
    probe = (
        "import bot, bot.blocks as b; from bot.cli import main; "
        "assert bot.__file__.startswith(%r), bot.__file__; "
        "b.render('slack_error', problem='x'); "
        "raise SystemExit(main(['db', 'upgrade']))"
    ) % str(tmp_path / "site")
    ran = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert (tmp_path / "wheel.db").stat().st_size > 0
