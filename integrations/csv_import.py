"""CSV import: canonical columns (ARCHITECTURE.md) or a TOML mapping onto them.

Pure parsing: rows in, `Ticket`s, `RowError`s and `RowNote`s out. Bad rows are reported
with their line number and reason; good rows go on; a row kept with a change (a value cut to
its column, a duplicate id) gets a note. Problems with the file as a whole (not UTF-8, another
delimiter, missing or duplicate columns) refuse it before anything is read, with a hint. Nothing
here writes SQL.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from integrations.base import MalformedRecordError, Ticket
from integrations.csv_cells import RowProblem, to_ticket
from integrations.csv_mapping import CANONICAL, OPTIONAL, REQUIRED, CsvMapping, MappingError
from integrations.normalize import CUT_KEY, TEXT_LIMITS, storable

# The mapping and its columns are read from here by the import command, the demo and tests.
__all__ = ["CANONICAL", "OPTIONAL", "REQUIRED", "CsvMapping", "Item", "MappingError", "RowError", "RowNote",
           "check_encoding", "numbered_items", "read_file", "read_file_numbered", "read_tickets", "read_text"]

# Bytes that are not UTF-8 are read as lone surrogates (errors="surrogateescape"), which valid text never holds.
_UNDECODED = re.compile("[\udc80-\udcff]")
_UTF8_HINT = 'save it as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8), or convert it, e.g. iconv -f windows-1252 -t utf-8'


def _where(line: int, external_id: str | None) -> str:
    return f"line {line}" + (f" (id {external_id})" if external_id else "")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    external_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{_where(self.line, self.external_id)}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RowNote:
    """A row imported with a change worth knowing (a value cut to its column, a duplicate id)."""

    line: int
    external_id: str | None
    note: str

    def __str__(self) -> str:
        return f"{_where(self.line, self.external_id)}: {self.note}"


Item = Ticket | RowError | RowNote


def read_tickets(stream: TextIO, *, source: str = "csv", mapping: CsvMapping | None = None) -> Iterator[Item]:
    """Yield a `Ticket` for every good row, a `RowError` for every bad one and a `RowNote` for a row kept with a
    change, in file order. Raises MappingError before the first row when the columns cannot be read."""
    for _, item in numbered_items(stream, source=source, mapping=mapping):
        yield item


def numbered_items(
    stream: TextIO, *, source: str = "csv", mapping: CsvMapping | None = None
) -> Iterator[tuple[int, Item]]:
    """`read_tickets` with each item's first line number (what names a row the database refuses later)."""
    mapping = mapping or CsvMapping()
    reader = csv.reader(stream, delimiter=mapping.delimiter)
    try:
        headers = [h.strip().lstrip("\ufeff").strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise MappingError(f"cannot read the header line: {exc}") from None
    if any(_UNDECODED.search(h) for h in headers):
        raise MappingError(f"the header line is not UTF-8: {_UTF8_HINT}")
    rows = _Rows(headers, _columns(headers, mapping), mapping, source)
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's limit: this row only
            start_line, line = line + 1, reader.line_num
            yield start_line, RowError(start_line, None, f"cannot read the row: {exc}")
            continue
        start_line, line = line + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        for item in rows.items(row, start_line):
            yield start_line, item


class _Rows:
    """Rows → items, remembering each id's line and update so a duplicate id is noted (and the later kept)."""

    def __init__(self, headers: list[str], index_for: dict[str, int], mapping: CsvMapping, source: str) -> None:
        self.headers, self.index_for, self.mapping, self.source = headers, index_for, mapping, source
        self.zone = ZoneInfo(mapping.timezone)
        self.seen: dict[str, tuple[int, datetime]] = {}

    def items(self, row: list[str], start_line: int) -> Iterator[Item]:
        ticket = self.ticket(row, start_line)
        if not isinstance(ticket, Ticket):
            yield ticket
            return
        previous = self.seen.get(ticket.external_id)
        if previous is not None:
            first_line, first_updated = previous
            if ticket.updated_at < first_updated:
                yield RowNote(start_line, ticket.external_id,
                              f"duplicate id (also on line {first_line}, updated later): this row is skipped")
                return
            yield RowNote(start_line, ticket.external_id,
                          f"duplicate id (also on line {first_line}): this row, updated at the same time or later, is kept")
        self.seen[ticket.external_id] = (start_line, ticket.updated_at)
        yield ticket
        if CUT_KEY in ticket.raw:
            yield RowNote(start_line, ticket.external_id, "imported with changes: " + "; ".join(ticket.raw[CUT_KEY]))

    def ticket(self, row: list[str], start_line: int) -> Ticket | RowError:
        values = {name: (row[i] if i < len(row) else "").strip() for name, i in self.index_for.items()}
        external_id = values.get("id") or None
        if external_id and len(external_id) > TEXT_LIMITS["external_id"]:
            external_id = external_id[: TEXT_LIMITS["external_id"]]
        joined = "".join(row)
        if not joined.isascii() and _UNDECODED.search(joined):
            return RowError(start_line, external_id if not _UNDECODED.search(external_id or "") else None,
                            f"not valid UTF-8; {_UTF8_HINT}")
        raw: dict[str, Any] = dict(zip(self.headers, row))
        if len(row) > len(self.headers):
            raw["_extra"] = row[len(self.headers):]
        try:
            return storable(to_ticket(values, raw, source=self.source, mapping=self.mapping, zone=self.zone))
        except RowProblem as exc:
            return RowError(start_line, external_id, str(exc))
        except MalformedRecordError as exc:
            return RowError(start_line, exc.external_id or external_id, exc.reason)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:  # never fatal, whatever the cell
            return RowError(start_line, external_id, f"unreadable row ({type(exc).__name__})")


def _columns(headers: Sequence[str], mapping: CsvMapping) -> dict[str, int]:
    """Canonical name -> column index. Exact header names first, then ignoring case; refuses missing
    required columns (listing what the file has) and duplicate names among the columns read."""
    header_for = {name: mapping.columns.get(name, name) for name in CANONICAL + OPTIONAL}
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        exact.setdefault(header, []).append(index)
        folded.setdefault(header.casefold(), []).append(index)
    index_for: dict[str, int] = {}
    duplicates: list[str] = []
    for name, header in header_for.items():
        found = exact.get(header) or folded.get(header.casefold())
        if not found:
            continue
        if len(found) > 1:
            duplicates.append(f"{header!r} (columns {', '.join(str(i + 1) for i in found)})")
        index_for[name] = found[0]
    if duplicates:
        raise MappingError(
            "duplicate column name(s): " + "; ".join(duplicates)
            + ". Rename all but one, or point --mapping at the one to use"
        )
    missing = [name for name in REQUIRED if name not in index_for]
    if missing:
        looked = ", ".join(f"{m} (looked for {header_for[m]!r})" for m in missing)
        shown = ", ".join(repr(h) for h in headers[:30]) + (", …" if len(headers) > 30 else "")
        message = f"missing required column(s): {looked}; the file has {len(headers)} column(s): {shown}"
        other = _other_delimiter(headers, mapping)
        if other:
            toml = '"\\t"' if other == "\t" else f"'{other}'"
            message += f". It looks {toml}-separated: use --mapping with delimiter = {toml}"
        else:
            message += ". Rename them, or map yours onto them with --mapping ([columns])"
        raise MappingError(message)
    return index_for


def _other_delimiter(headers: Sequence[str], mapping: CsvMapping) -> str | None:
    if len(headers) != 1:
        return None
    for candidate in (";", "\t", "|", ","):
        if candidate != mapping.delimiter and candidate in headers[0]:
            names = {h.strip().casefold() for h in headers[0].split(candidate)}
            wanted = {mapping.columns.get(name, name).casefold() for name in REQUIRED}
            if wanted <= names or len(names) > 2:
                return candidate
    return None


def read_file(path: Path, *, source: str = "csv", mapping: CsvMapping | None = None) -> Iterator[Item]:
    """Read a CSV file. A file that is not UTF-8 (UTF-16, or a legacy encoding throughout) is refused with a
    hint before anything is read; a stray invalid byte costs only its row."""
    for _, item in read_file_numbered(path, source=source, mapping=mapping):
        yield item


def read_file_numbered(
    path: Path, *, source: str = "csv", mapping: CsvMapping | None = None
) -> Iterator[tuple[int, Item]]:
    check_encoding(path)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        yield from numbered_items(handle, source=source, mapping=mapping)


def check_encoding(path: Path) -> None:
    """Raise MappingError when `path` is not a UTF-8 text file, naming the first bad line."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise MappingError(f"{path.name} is UTF-16 text (Excel's \"Unicode Text\"): {_UTF8_HINT}")
    bad_lines, first_bad, utf8_seen = 0, 0, False
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for number, text in enumerate(handle, 1):
            if text.isascii():
                continue
            if _UNDECODED.search(text):
                bad_lines += 1
                first_bad = first_bad or number
            else:
                utf8_seen = True
    if bad_lines > 1 and not utf8_seen:
        raise MappingError(f"{path.name} is not UTF-8 ({bad_lines} lines, the first on line {first_bad}): {_UTF8_HINT}")


def read_text(text: str, *, source: str = "csv", mapping: CsvMapping | None = None) -> list[Item]:
    return list(read_tickets(io.StringIO(text), source=source, mapping=mapping))


