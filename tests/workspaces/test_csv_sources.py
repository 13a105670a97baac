"""Stored CSV sources of a workspace, end to end through the CLI on a real database:
`source add --type csv --url PATH` → `sync --workspace` → a changed file re-synced → a missing or unreadable
file named in `status` and `source list` without stopping the workspace's other sources → `source remove`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workspaces.test_cli import add_workspace, env, key, run  # noqa: F401 - the fixtures

TEAM = "T0CSV"
HEADER = "id,created_at,updated_at,status,subject,tags\n"
ROWS = [
    "1,2026-11-20T09:00:00Z,2026-11-20T09:00:00Z,open,Card declined,billing\n",
    "2,2026-11-20T10:00:00Z,2026-11-20T10:00:00Z,open,Password reset,login\n",
    "3,2026-11-21T09:00:00Z,2026-11-21T09:00:00Z,solved,Invoice copy,billing\n",
]


@pytest.fixture
def csv_workspace(env, capsys, tmp_path):  # noqa: F811
    add_workspace(env, capsys, TEAM)
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    code, out, err = run(["source", "add", "files", "--workspace", TEAM, "--type", "csv", "--url", str(path)],
                         env, capsys)
    assert code == 0, err
    assert "Added csv source files to workspace T0CSV (no connection to test; no secret)" in out
    return path


def sync(env, capsys) -> tuple[int, dict[str, str]]:  # noqa: F811
    code, out, _ = run(["sync", "--workspace", TEAM], env, capsys)
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line and not line.startswith("Synced"))
    return code, lines


def status(env, capsys) -> dict[str, dict]:  # noqa: F811
    _, out, _ = run(["status", "--workspace", TEAM, "--json"], env, capsys)
    return {s["name"]: s for s in json.loads(out)["sources"]}


def test_add_sync_and_a_changed_file_resynced(csv_workspace, env, capsys):  # noqa: F811
    code, lines = sync(env, capsys)
    assert code == 0 and lines["files"].startswith("3 fetched, 3 inserted, 0 updated")
    files = status(env, capsys)["files"]
    assert (files["type"], files["ok"], files["last_error"], files["tickets"]) == ("csv", True, None, 3)

    code, lines = sync(env, capsys)  # the same file again: nothing new
    assert code == 0 and lines["files"].startswith("3 fetched, 0 inserted, 0 updated")

    changed = "1,2026-11-20T09:00:00Z,2026-11-22T09:00:00Z,solved,Card declined,billing\n"
    added = "4,2026-11-22T11:00:00Z,2026-11-22T11:00:00Z,open,Refund please,billing\n"
    csv_workspace.write_text(HEADER + changed + "".join(ROWS[1:]) + added, encoding="utf-8")
    code, lines = sync(env, capsys)
    assert code == 0 and lines["files"].startswith("4 fetched, 1 inserted, 1 updated")
    assert status(env, capsys)["files"]["tickets"] == 4


UNREADABLE = Path("/proc/self/mem")  # a file whose read fails (EIO) even for root, who may read any mode


@pytest.mark.parametrize("broken", ["missing", "directory", "not_csv", "unreadable"])
def test_a_broken_file_is_named_and_the_other_sources_still_sync(csv_workspace, env, capsys, tmp_path,  # noqa: F811
                                                                 broken):
    path = tmp_path / f"{broken}.csv"
    if broken == "unreadable":
        if not UNREADABLE.is_file():
            pytest.skip("no /proc/self/mem here")
        path = UNREADABLE
    elif broken == "directory":
        path.mkdir()
    elif broken == "not_csv":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00")
    code, _, err = run(["source", "add", "broken", "--workspace", TEAM, "--type", "csv", "--url", str(path)],
                       env, capsys)
    assert code == 0, err

    code, lines = sync(env, capsys)
    assert code == 1  # one source failed
    assert lines["files"].startswith("3 fetched, 3 inserted")  # the good one synced anyway
    assert "FAILED" in lines["broken"] and str(path) in lines["broken"]
    health = status(env, capsys)
    assert health["files"]["ok"] is True and health["files"]["tickets"] == 3
    error = health["broken"]["last_error"]
    assert health["broken"]["ok"] is False and str(path) in error
    expected = {"missing": "CSV file not found", "directory": "is not a file", "not_csv": "UTF-8",
                "unreadable": "cannot read"}[broken]
    assert expected in error
    if broken != "not_csv":  # how to point a stored source at another file
        assert "sources.broken.path" not in error and "source add broken --workspace T0CSV" in error

    _, out, _ = run(["source", "list", "--workspace", TEAM, "--json"], env, capsys)
    listed = {s["name"]: s for s in json.loads(out)["sources"]}
    assert listed["broken"]["last_error"] == error and listed["files"]["last_error"] is None
    _, out, _ = run(["source", "list", "--workspace", TEAM], env, capsys)
    assert "failing" in out


def test_a_csv_source_needs_its_path(env, capsys):  # noqa: F811
    add_workspace(env, capsys, TEAM)
    code, _, err = run(["source", "add", "files", "--workspace", TEAM, "--type", "csv"], env, capsys)
    assert code == 2 and "a csv source needs --url, the path of its CSV file" in err


def test_remove(csv_workspace, env, capsys):  # noqa: F811
    sync(env, capsys)
    code, out, _ = run(["source", "remove", "files", "--workspace", TEAM], env, capsys)
    assert code == 0 and "Removed csv source files from workspace T0CSV" in out
    _, out, _ = run(["source", "list", "--workspace", TEAM, "--json"], env, capsys)
    assert json.loads(out)["sources"] == []
    assert status(env, capsys) == {}
    _, out, _ = run(["status", "--workspace", TEAM], env, capsys)
    assert "No sources: add one with `signalroom source add NAME --workspace T0CSV" in out
    code, _, err = run(["sync", "--workspace", TEAM], env, capsys)
    assert code == 2 and "has no sources" in err
