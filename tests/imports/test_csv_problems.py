"""CSV files and rows that used to abort an import or pass silently (issues 13 and 14): each is now a row
reported by line, or the whole file refused up front with a hint (exit 2 at the CLI)."""
from __future__ import annotations

import pytest

from integrations.csv_import import MappingError, RowError, RowNote, read_file, read_text

HEADER = "id,created_at,status,priority,organization,subject,reopens,replies\n"
GOOD = "1,2026-03-02T09:00:00Z,open,high,Acme,Hello,0,1\n"
LAST = "3,2026-03-02T11:00:00Z,open,low,Acme,Bye,0,1\n"


def _parse(row: str) -> tuple[list, list[RowError], list[RowNote]]:
    items = read_text(HEADER + GOOD + row + "\n" + LAST)
    tickets = [i for i in items if not isinstance(i, (RowError, RowNote))]
    return tickets, [i for i in items if isinstance(i, RowError)], [i for i in items if isinstance(i, RowNote)]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2,2026-03-02T10:00:00Z,open,,,,1e400,", "reopens: '1e400' is out of range"),
        ("2,2026-03-02T10:00:00Z,open,,,,99999999999,", "reopens: '99999999999' is out of range"),
        ("2,2026-03-02T10:00:00Z,open,,,,,4294967296", "replies: '4294967296' is out of range"),
        ("2,2026-03-02T10:00:00Z,open,,,,2.5,", "reopens: '2.5' is not a whole number"),
        ("2,9999-12-31T23:00:00-05:00,open,,,,,", "created_at: '9999-12-31T23:00:00-05:00' is out of range"),
        ("2" * 129 + ",2026-03-02T10:00:00Z,open,,,,,", "id: 129 characters, over 128"),
        ("2,2026-03-02T10:00:00Z,open,,,," + "x" * 140_000 + ",", "field larger than field limit"),
        ("2,2026-03-02T10:00:00Z," + "s" * 5000 + ",,,,,", "status: '" + "s" * 40 + "…' is not one of"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_the_others_import(row, reason):
    tickets, errors, _ = _parse(row)
    assert [t.external_id for t in tickets] == ["1", "3"]
    (error,) = errors
    assert error.line == 3 and reason in error.reason
    assert len(str(error)) < 300  # a huge cell is never echoed whole


@pytest.mark.parametrize(
    ("row", "field", "value", "note"),
    [
        ("2,2026-03-02T10:00:00Z,open," + "p" * 40 + ",,,,", "priority", "p" * 32,
         "priority: cut from 40 to 32 characters"),
        ("2,2026-03-02T10:00:00Z,open,," + "o" * 300 + ",,,", "organization", "o" * 254,
         "organization: cut from 300 to 254 characters"),
        ("2,2026-03-02T10:00:00Z,open,,,Re\x00fund,,", "subject", "Refund",
         "subject: 1 control or invalid character(s) removed"),
    ],
)
def test_a_value_storage_cannot_hold_is_cut_and_noted(row, field, value, note):
    tickets, errors, notes = _parse(row)
    assert not errors and len(tickets) == 3
    assert getattr(tickets[1], field) == value and note in tickets[1].raw["_cut"]
    (row_note,) = notes
    assert row_note.line == 3 and note in row_note.note


def test_duplicate_ids_are_reported_and_the_later_update_wins():
    text = ("id,created_at,updated_at,status\n"
            "7,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,open\n"
            "7,2026-03-02T09:00:00Z,2026-03-02T12:00:00Z,solved\n"
            "7,2026-03-02T09:00:00Z,2026-03-02T11:00:00Z,pending\n")
    items = read_text(text)
    tickets = [i for i in items if not isinstance(i, (RowError, RowNote))]
    notes = [i for i in items if isinstance(i, RowNote)]
    assert [t.status for t in tickets] == ["open", "solved"]  # the importer keeps the last of these
    assert [(n.line, n.external_id) for n in notes] == [(3, "7"), (4, "7")]
    assert "also on line 2" in notes[0].note and "is kept" in notes[0].note
    assert "also on line 3" in notes[1].note and "skipped" in notes[1].note


def test_duplicate_header_names_are_refused():
    text = "id,created_at,status,subject,id\n1,2026-03-02T09:00:00Z,open,a,2\n2,2026-03-02T09:00:00Z,open,b,2\n"
    with pytest.raises(MappingError, match=r"duplicate column name\(s\): 'id' \(columns 1, 5\)"):
        read_text(text)


def test_duplicates_of_a_column_never_read_are_harmless():
    text = "id,created_at,status,note,note\n1,2026-03-02T09:00:00Z,open,a,b\n"
    (ticket,) = read_text(text)
    assert ticket.external_id == "1"


def test_headers_in_another_case_are_read():
    (ticket,) = read_text("ID,Created_At,STATUS\n1,2026-03-02T09:00:00Z,open\n")
    assert ticket.external_id == "1" and ticket.status == "open"


def test_missing_columns_are_listed_with_the_columns_found():
    with pytest.raises(MappingError) as refused:
        read_text("ticket,opened,status\n1,2026-03-02T09:00:00Z,open\n")
    message = str(refused.value)
    assert "id (looked for 'id')" in message and "created_at (looked for 'created_at')" in message
    assert "the file has 3 column(s): 'ticket', 'opened', 'status'" in message and "--mapping" in message


def test_another_delimiter_gets_a_mapping_hint():
    with pytest.raises(MappingError, match="use --mapping with delimiter = ';'"):
        read_text("id;created_at;status\n1;2026-03-02T09:00:00Z;open\n")
    with pytest.raises(MappingError, match=r'delimiter = "\\t"'):
        read_text("id\tcreated_at\tstatus\n1\t2026-03-02T09:00:00Z\topen\n")


def test_a_stray_invalid_byte_costs_only_its_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(("id,created_at,status,subject\n1,2026-03-02T09:00:00Z,open,Café\n").encode()
                     + b"2,2026-03-02T09:00:00Z,open,Caf\xe9\n3,2026-03-02T09:00:00Z,open,ok\n")
    items = list(read_file(path))
    assert [i.external_id for i in items if not isinstance(i, RowError)] == ["1", "3"]
    (error,) = [i for i in items if isinstance(i, RowError)]
    assert error.line == 3 and "not valid UTF-8" in error.reason and "CSV UTF-8" in error.reason


def test_a_latin1_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("id,created_at,status,subject\n1,2026-03-02T09:00:00Z,open,Café\n"
                     "2,2026-03-02T09:00:00Z,open,Müller\n".encode("latin-1"))
    with pytest.raises(MappingError, match='not UTF-8 .*first on line 2.*save it as "CSV UTF-8"'):
        list(read_file(path))


def test_a_utf16_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("id,created_at,status\n1,2026-03-02T09:00:00Z,open\n".encode("utf-16"))
    with pytest.raises(MappingError, match='UTF-16.*CSV UTF-8'):
        list(read_file(path))


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("id,created_at,status\n1,2026-03-02T09:00:00Z,open\n".encode("utf-8-sig"))
    (ticket,) = list(read_file(path))
    assert ticket.external_id == "1"
