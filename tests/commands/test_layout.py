"""The terminal table: short columns, one column that wraps, notes under their row, within the width."""
from __future__ import annotations

from bot.commands.layout import RED, Column, Row, clip, render, terminal_width

COLUMNS = [Column("zone", colors={"act now": RED}), Column("metric", flex=True), Column("value", ">")]
ROWS = [
    Row(("act now", "First response time (median)", "76 min"),
        "above the usual 44 min for a Thursday by 6.7 robust deviations (watch from 54 min, act now from 61 min)."),
    Row(("healthy", "Reopen rate", "6.0 %")),
]


def test_fits_the_width_wrapping_only_the_flexible_column():
    lines = render(COLUMNS, ROWS, width=40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].split() == ["zone", "metric", "value"]
    assert lines[2].startswith("act now  First response time ") and lines[2].endswith("76 min")
    assert lines[3] == " " * 9 + "(median)"  # the label wraps inside its column
    assert lines[-1].split() == ["healthy", "Reopen", "rate", "6.0", "%"]


def test_note_sits_under_its_row_indented_to_the_flexible_column():
    lines = render(COLUMNS, ROWS, width=80)
    assert lines[2].split()[:2] == ["act", "now"]
    note = lines[3:-1]
    assert note and all(line.startswith(" " * 9) and not line[9].isspace() for line in note)
    assert " ".join(line.strip() for line in note) == ROWS[0].note
    assert all(len(line) <= 80 for line in lines)


def test_wide_terminal_keeps_one_line_per_cell():
    lines = render(COLUMNS, ROWS, width=200)
    assert len(lines) == 2 + 1 + 1 + 1  # header, rule, row, its note, row


def test_colour_only_when_asked_and_padding_unchanged():
    plain = render(COLUMNS, ROWS, width=80)
    painted = render(COLUMNS, ROWS, width=80, color=True)
    assert "\x1b[" not in "".join(plain)
    assert painted[2].startswith(f"\x1b[{RED}mact now\x1b[0m")
    assert painted[2].replace(f"\x1b[{RED}m", "").replace("\x1b[0m", "") == plain[2]
    assert painted[5] == plain[5]  # "healthy" has no colour


def test_width_comes_from_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    assert terminal_width() == 123


def test_a_clipped_column_keeps_one_line_per_row():
    columns = [Column("zone"), Column("metric", flex=True, clip=True), Column("value", ">")]
    lines = render(columns, [Row(r.cells) for r in ROWS], width=30)
    assert lines[2:] == ["act now  First respon…  76 min", "healthy  Reopen rate     6.0 %"]  # never wrapped


def test_clip_cuts_at_a_word_in_the_last_half_else_mid_word():
    assert clip("Password reset", 20) == "Password reset"
    assert clip("Payment failed on the new billing page", 20) == "Payment failed on…"
    assert clip("Supercalifragilisticexpialidocious", 10) == "Supercali…"
    assert clip("A  b\tc", 10) == "A b c"
