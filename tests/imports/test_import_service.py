"""CSV import into a real database: idempotent, bad rows quarantined, subjects optional."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.imports import import_csv_file
from bot.storage.models import QuarantinedRecord, TicketRow

HEADER = "id,created_at,status,subject,tags,solved_at,csat\n"
ROWS = (
    "1,2026-03-02T09:00:00Z,solved,Card declined,billing,2026-03-02T12:00:00Z,good\n"
    "2,2026-03-02T10:00:00Z,open,Login loop,login,,\n"
    "3,not-a-date,open,Broken,login,,\n"
)


def count(session_factory, model, **where):
    with session_factory() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_import_twice_changes_nothing(tmp_path, session_factory):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + ROWS)
    first = import_csv_file(path, session_factory=session_factory, workspace_id="w1")
    assert (first.result.inserted, len(first.errors)) == (2, 1)
    assert first.errors[0].line == 4
    second = import_csv_file(path, session_factory=session_factory, workspace_id="w1")
    assert (second.result.inserted, second.result.updated, second.result.unchanged) == (0, 0, 2)
    assert count(session_factory, TicketRow) == 2
    assert count(session_factory, QuarantinedRecord, workspace_id="w1") == 2  # once per import run


def test_changed_row_updates_and_moves_changed_at(tmp_path, session_factory):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + ROWS)
    import_csv_file(path, session_factory=session_factory, workspace_id="w1")
    with session_factory() as session:
        before = session.scalar(select(TicketRow).where(TicketRow.external_id == "2"))
    path.write_text(HEADER + ROWS.replace("2,2026-03-02T10:00:00Z,open,Login loop,login,,", "2,2026-03-02T10:00:00Z,solved,Login loop,login,2026-03-03T10:00:00Z,bad"))
    summary = import_csv_file(path, session_factory=session_factory, workspace_id="w1")
    assert summary.result.updated == 1
    with session_factory() as session:
        after = session.scalar(select(TicketRow).where(TicketRow.external_id == "2"))
    assert after.status == "solved" and after.csat == "unsatisfied"
    assert after.changed_at > before.changed_at


def test_workspaces_are_isolated(tmp_path, session_factory):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + ROWS)
    import_csv_file(path, session_factory=session_factory, workspace_id="w1")
    import_csv_file(path, session_factory=session_factory, workspace_id="w2")
    assert count(session_factory, TicketRow, workspace_id="w1") == 2
    assert count(session_factory, TicketRow, workspace_id="w2") == 2


def test_privacy_switch_drops_subjects(tmp_path, session_factory):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + ROWS)
    import_csv_file(path, session_factory=session_factory, workspace_id="w1", store_subject=False)
    with session_factory() as session:
        assert session.scalars(select(TicketRow.subject)).all() == [None, None]
        raws = session.scalars(select(TicketRow.raw)).all()
    assert all("subject" not in raw and raw["id"] for raw in raws)


def test_every_poison_row_costs_only_itself_on_every_database(tmp_path, session_factory):
    """Issue 14's CSV triggers in one file: all imported that can be, each bad row quarantined by line."""
    header = "id,created_at,status,priority,organization,subject,reopens\n"
    rows = [
        "1,2026-03-02T09:00:00Z,open,high,Acme,Fine,0",
        "2,2026-03-02T09:00:00Z,open,,,,1e400",  # reopens 1e400
        "3,9999-12-31T23:00:00-05:00,open,,,,",  # past the last instant once in UTC
        "4,2026-03-02T09:00:00Z,open,,,," + "x" * 140_000,  # over the csv module's field limit
        "5,2026-03-02T09:00:00Z,open,,,,99999999999",  # integer overflow
        "6,2026-03-02T09:00:00Z,open,,,Nul\x00here,0",  # NUL: PostgreSQL refused it
        "7,2026-03-02T09:00:00Z,open," + "p" * 40 + ",,,0",  # priority over 32
        "8,2026-03-02T09:00:00Z,open,," + "o" * 300 + ",,0",  # organization over 254
        "9" * 129 + ",2026-03-02T09:00:00Z,open,,,,0",  # id over 128
        "10,2026-03-02T09:00:00Z,open,low,Acme,Last,0",
    ]
    path = tmp_path / "t.csv"
    path.write_bytes((header + "\n".join(rows) + "\n").encode() + b"11,2026-03-02T09:00:00Z,open,,,Caf\xe9,0\n")

    summary = import_csv_file(path, session_factory=session_factory, workspace_id="w1")

    assert [(e.line, e.external_id) for e in summary.errors] == [
        (3, "2"), (4, "3"), (5, None), (6, "5"), (10, "9" * 128), (12, "11")]
    assert summary.result.inserted == 5
    with session_factory() as session:
        stored = {row.external_id: row for row in session.scalars(select(TicketRow))}
    assert sorted(stored) == ["1", "10", "6", "7", "8"]
    assert stored["6"].subject == "Nulhere" and stored["7"].priority == "p" * 32
    assert stored["8"].organization == "o" * 254
    assert "organization: cut from 300 to 254 characters" in stored["8"].raw["_cut"]
    assert [n.line for n in summary.notes] == [7, 8, 9]
    assert count(session_factory, QuarantinedRecord, workspace_id="w1") == 6
