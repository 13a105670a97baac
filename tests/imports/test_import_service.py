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
