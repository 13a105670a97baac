"""CSV parsing: canonical columns, mappings, and bad rows reported with line numbers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from integrations.csv_cells import satisfied_on_scale
from integrations.csv_import import CsvMapping, MappingError, RowError, read_text

HEADER = "id,created_at,updated_at,status,priority,channel,group,assignee,requester,organization,subject,tags,first_response_at,solved_at,closed_at,reopens,replies,escalations,csat\n"


def test_canonical_row_becomes_a_ticket():
    text = HEADER + "42,2026-03-02T09:00:00Z,,solved,High,Email,Billing,Ana,a@x.example,Acme,Card declined,Billing; refund ;billing,2026-03-02T09:30:00Z,2026-03-03T09:00:00Z,,1,2,1,good\n"
    (ticket,) = read_text(text, source="legacy")
    assert ticket.source == "legacy" and ticket.external_id == "42"
    assert ticket.created_at == datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    assert ticket.first_response == timedelta(minutes=30)
    assert ticket.resolution == timedelta(days=1)
    assert ticket.updated_at == ticket.solved_at  # no updated_at: the latest known instant
    assert ticket.tags == ("billing", "refund")
    assert (ticket.priority, ticket.channel, ticket.group) == ("high", "email", "Billing")
    assert (ticket.reopens, ticket.agent_replies, ticket.escalated) == (1, 2, True)
    assert ticket.csat == "satisfied" and ticket.csat_scale == "good/bad"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",2026-03-02T09:00:00Z,,open", "id: empty"),
        ("7,yesterday,,open", "created_at: cannot read 'yesterday'"),
        ("7,2026-03-02T09:00:00Z,,sleeping", "status: 'sleeping' is not one of"),
        ("7,2026-03-02T09:00:00Z,,open,,,,,,,,,2026-03-01T09:00:00Z", "first_response_at: 2026-03-01T09:00:00Z is before created_at"),
        ("7,2026-03-02T09:00:00Z,,open,,,,,,,,,,,,-1", "reopens: '-1' is negative"),
        ("7,2026-03-02T09:00:00Z,,open,,,,,,,,,,,,,,,meh", "csat: 'meh' is neither good/bad nor a number"),
        ("7,2026-03-02T09:00:00Z,,open,,,,,,,,,,,,,,,4", "needs a csat_scale"),
    ],
)
def test_bad_rows_are_reported_with_line_and_reason(row, reason):
    good = "1,2026-03-02T09:00:00Z,,open\n"
    items = read_text(HEADER + good + row + "\n" + good.replace("1,", "2,", 1))
    errors = [i for i in items if isinstance(i, RowError)]
    assert len(items) == 3 and len(errors) == 1
    assert errors[0].line == 3
    assert reason in errors[0].reason


def test_multiline_field_keeps_line_numbers_true():
    text = HEADER + '1,2026-03-02T09:00:00Z,,open,,,,,,,"two\nlines"\n2,bad,,open\n'
    items = read_text(text)
    assert isinstance(items[1], RowError) and items[1].line == 4


def test_mapping_renames_columns_formats_and_values(tmp_path):
    mapping_path = tmp_path / "mapping.toml"
    mapping_path.write_text(
        'timestamp_format = "%d/%m/%Y %H:%M"\ntimezone = "Europe/Berlin"\ncsat_scale = 5\n'
        '[columns]\nid = "Ticket ID"\ncreated_at = "Opened"\nstatus = "State"\ncsat = "Rating"\n'
        '[values.status]\n"Erledigt" = "solved"\n"Offen" = "open"\n'
    )
    mapping = CsvMapping.load(mapping_path)
    text = "Ticket ID,Opened,State,Rating\nA-1,02/03/2026 10:00,Erledigt,4\nA-2,02/03/2026 10:00,Offen,2\n"
    first, second = read_text(text, mapping=mapping)
    assert first.status == "solved" and second.status == "open"
    assert first.created_at == datetime(2026, 3, 2, 9, tzinfo=timezone.utc)  # Berlin CET → UTC
    assert (first.csat, first.csat_score, first.csat_scale) == ("satisfied", 4.0, "1-5")
    assert second.csat == "unsatisfied"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\nticket = "ID"\n', "columns.ticket: not a canonical column"),
        ('timezone = "Atlantis"\n', "unknown IANA timezone"),
        ("surprise = 1\n", "unknown key 'surprise'"),
    ],
)
def test_bad_mapping_is_refused_whole(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message):
        CsvMapping.load(path)


def test_missing_required_column_is_refused():
    with pytest.raises(MappingError, match="created_at"):
        read_text("id,status\n1,open\n")


@pytest.mark.parametrize(
    ("score", "scale", "satisfied"),
    [(5, 5, True), (4, 5, True), (3, 5, False), (3, 3, True), (2, 3, False), (9, 10, True), (8, 10, False), (6, 7, True)],
)
def test_satisfied_on_scale(score, scale, satisfied):
    assert satisfied_on_scale(score, scale) is satisfied
