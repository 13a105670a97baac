"""Terminal tables for `metrics`, `actions` and `themes`, laid out like the demo's scorecard.

Short fixed columns, one flexible column that takes the room left and wraps, and
an optional note printed under its row (the explanation) instead of a narrow
"why" column. Width comes from the terminal (`COLUMNS` wins, 80 when unknown).
Standard library only: the table does not wait for rich to import.
"""
from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

GAP = "  "
MIN_FLEX = 12  # below this a wrapped column is unreadable; the line overflows instead
# ANSI colours for a cell's text on a terminal (never when piped, or with NO_COLOR set).
RED, YELLOW, GREEN, DIM, BOLD = "1;31", "33", "32", "2", "1"


@dataclass(frozen=True)
class Column:
    header: str
    align: str = "<"  # ">" for numbers
    flex: bool = False  # at most one: takes the room left and wraps
    clip: bool = False  # with flex: cut to one line ("…") instead of wrapping (the whole text is in --json)
    colors: Mapping[str, str] = field(default_factory=dict)  # cell text -> ANSI colour code


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    note: str = ""  # printed under the row, indented to the flexible column


def terminal_width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def use_color(stream=None) -> bool:
    stream = stream or sys.stdout
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def render(columns: Sequence[Column], rows: Sequence[Row], *, width: int | None = None, color: bool = False,
           note_at: int | None = None) -> list[str]:
    """The table's lines: a header, a rule, then each row (wrapped) and its note, which starts
    under column `note_at` (default: the flexible column)."""
    width = width or terminal_width()
    widths = [max([len(c.header), *(len(r.cells[i]) for r in rows)]) for i, c in enumerate(columns)]
    flex = next((i for i, c in enumerate(columns) if c.flex), None)
    total = sum(widths) + len(GAP) * (len(columns) - 1)
    if flex is not None and total > width:
        widths[flex] = max(MIN_FLEX, widths[flex] - (total - width))
    at = flex if note_at is None else note_at
    indent = max(len(GAP), 0 if at is None else sum(widths[:at]) + len(GAP) * at)

    def line(cells: Sequence[str], paint: bool) -> list[str]:
        wrapped = [([clip(cell, widths[i])] if columns[i].clip else
                    textwrap.wrap(cell, widths[i], break_on_hyphens=False) or [""]) if i == flex else [cell]
                   for i, cell in enumerate(cells)]
        out = []
        for n in range(max(len(w) for w in wrapped)):
            parts = []
            for i, (column, lines) in enumerate(zip(columns, wrapped)):
                text = lines[n] if n < len(lines) else ""
                padded = f"{text:{column.align}{widths[i]}}"
                code = column.colors.get(text) if paint and n == 0 else None
                parts.append(f"\x1b[{code}m{padded}\x1b[0m" if code else padded)
            out.append(GAP.join(parts).rstrip())
        return out

    lines = line([c.header for c in columns], False)
    lines.append(GAP.join("-" * w for w in widths))
    for row in rows:
        lines += line(row.cells, color)
        if row.note:
            lines += textwrap.wrap(row.note, max(indent + MIN_FLEX * 2, width), initial_indent=" " * indent,
                                   subsequent_indent=" " * indent, break_on_hyphens=False)
    return lines


def clip(text: str, width: int) -> str:
    """`text` on one line of at most `width` characters: cut at a word when one ends in the last half, with "…"."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:max(width - 1, 0)]
    space = cut.rfind(" ")
    if text[len(cut)] != " " and space >= width // 2:  # not already at a word's end: back to the last one
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def echo(lines: Sequence[str], out=None) -> None:
    print("\n".join(lines), file=out or sys.stdout)
