"""Import tickets from a CSV file with the canonical columns, or a --mapping TOML onto them.

Bad rows are reported with line numbers and reasons; good rows import; importing
the same file again changes nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

from bot.errors import UsageError


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--mapping", metavar="FILE.toml", help="column renames, timestamp format, value maps")
    parser.add_argument("--source", default="csv", help="source name stored with the tickets (default: csv)")


def run(args, runtime) -> int:
    from integrations.csv_import import CsvMapping, MappingError
    from bot.imports import import_csv_file

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        mapping = CsvMapping.load(Path(args.mapping)) if args.mapping else None
        summary = import_csv_file(
            path,
            session_factory=runtime.session_factory(),
            workspace_id=runtime.workspace_id,
            source=args.source,
            mapping=mapping,
            store_subject=runtime.settings.file.privacy.store_subject,
            log_rows=False,  # printed below, once each
        )
    except MappingError as exc:
        raise UsageError(str(exc)) from None
    _print_each(path, summary.errors, "bad rows")
    _print_each(path, summary.notes, "notes")
    r = summary.result
    notes = f", {len(summary.notes)} note(s)" if summary.notes else ""
    print(
        f"imported {path.name}: {summary.rows} rows, {r.inserted} inserted, {r.updated} updated, "
        f"{r.deleted} deleted, {r.unchanged} unchanged, {len(summary.errors)} rejected{notes}"
    )
    return 1 if summary.errors and not (r.inserted + r.updated + r.unchanged + r.deleted) else 0


def _print_each(path: Path, items, what: str, limit: int = 50) -> None:
    for item in items[:limit]:
        print(f"{path}: {item}", file=sys.stderr)
    if len(items) > limit:
        print(f"{path}: … and {len(items) - limit} more {what}", file=sys.stderr)
