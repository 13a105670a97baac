"""Procfile, Dockerfile, compose.yaml and CI's wheel check run the same three processes.

No container runtime is available here, so the image's commands are kept identical to the ones
.ci/wheel runs from the installed wheel, and this test keeps them so.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CI_WHEEL = (ROOT / ".ci" / "wheel").read_text()


def final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM ", dockerfile, flags=re.M)[-1]


def test_procfile_has_the_three_processes():
    assert PROCFILE == {"release": "signalroom db upgrade", "web": "signalroom serve", "worker": "signalroom worker"}


def test_compose_runs_each_procfile_process_from_the_image():
    for process, command in PROCFILE.items():
        assert COMPOSE["services"][process]["command"] == shlex.split(command)
        assert COMPOSE["services"][process]["build"] == "."


def test_compose_migrates_once_before_web_and_worker_on_a_persistent_postgres():
    services = COMPOSE["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    assert services["release"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["release"]["restart"] == "no"
    for process in ("web", "worker"):
        assert services[process]["depends_on"] == {"release": {"condition": "service_completed_successfully"}}
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_image_is_slim_non_root_and_serves_by_default():
    stage = final_stage(DOCKERFILE)
    assert re.match(r"python:3\.\d+-slim\b", stage)
    users = re.findall(r"^USER (\S+)", stage, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    (cmd,) = re.findall(r"^CMD (.+)$", stage, flags=re.M)
    assert json.loads(cmd) == shlex.split(PROCFILE["web"])
    # Dependencies are installed before the wheel is copied in, so a code change reuses their layer.
    assert stage.index("pip install -r") < stage.index("COPY --from=wheel")


def test_ci_runs_the_same_commands_from_the_installed_wheel():
    for command in PROCFILE.values():
        assert re.search(rf"^(\S+=\S+ )*{re.escape(command)}\b", CI_WHEEL, flags=re.M), command
    assert "bash .ci/wheel" in (ROOT / ".ci" / "run").read_text()
