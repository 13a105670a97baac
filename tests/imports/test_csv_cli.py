"""`signalroom import` at the terminal (issue 13, item 7): file problems are usage errors with a hint, and
every bad row or note is printed once."""
from __future__ import annotations

import pytest

from bot.cli import main


def _env(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text('workspace_id = "T1"\n')
    return {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config)}


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        ("id,created_at,status,subject\n1,2026-03-02T09:00:00Z,open,Café\n2,2026-03-02T09:00:00Z,open,Müller\n"
         .encode("latin-1"), 'save it as "CSV UTF-8"'),
        ("id,created_at,status\n1,2026-03-02T09:00:00Z,open\n".encode("utf-16"), "UTF-16"),
        (b"id;created_at;status\n1;2026-03-02T09:00:00Z;open\n", "use --mapping with delimiter = ';'"),
        (b"ticket,opened,status\n1,2026-03-02T09:00:00Z,open\n", "the file has 3 column(s): 'ticket', 'opened', 'status'"),
        (b"id,created_at,status,id\n1,2026-03-02T09:00:00Z,open,2\n", "duplicate column name(s): 'id'"),
    ],
    ids=["latin-1", "utf-16", "semicolons", "missing columns", "duplicate header"],
)
def test_a_file_problem_is_a_usage_error_with_a_hint(tmp_path, db_url, capsys, content, hint):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert main(["import", str(path)], env=_env(tmp_path, db_url)) == 2
    out, err = capsys.readouterr()
    assert hint in err and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_each_bad_row_and_note_is_printed_once(tmp_path, db_url, capsys):
    path = tmp_path / "export.csv"
    path.write_text(
        "id,created_at,status,priority\n"
        "1,2026-03-02T09:00:00Z,open,high\n"
        "2,yesterday,open,\n"
        "1,2026-03-02T09:00:00Z,solved," + "p" * 40 + "\n"
    )
    assert main(["import", str(path)], env=_env(tmp_path, db_url)) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert sum("line 3 (id 2): created_at: cannot read 'yesterday'" in line for line in lines) == 1
    assert sum("line 4 (id 1): duplicate id (also on line 2)" in line for line in lines) == 1
    assert sum("line 4 (id 1): imported with changes: priority: cut from 40 to 32 characters" in line
               for line in lines) == 1
    assert len(lines) == 3
    assert "3 rows, 1 inserted" in out and "1 rejected, 2 note(s)" in out
