"""Ticket themes with counts, labels and ticket ids (and stores them for the product digests)."""
from __future__ import annotations

import json
import textwrap
from datetime import date, datetime, time

from bot.commands.layout import Column, Row, echo, render, terminal_width
from bot.errors import UsageError
from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="first day (default: window_weeks ago)")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="last day, inclusive (default: today)")
    parser.add_argument("--clusters", type=int, metavar="K", help="number of themes (default: from the data)")
    add_workspace_option(parser)


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag}: expected a date like 2026-05-31, got {value!r}") from None


def run(args, runtime) -> int:
    from datetime import timedelta

    tz = runtime.settings.timezone
    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if start and end and start > end:
        raise UsageError("--from must not be after --to")
    if args.clusters is not None and not 2 <= args.clusters <= 1000:
        raise UsageError("--clusters: use a number from 2 to 1000")
    start_at = datetime.combine(start, time(0), tz) if start else None
    end_at = datetime.combine(end + timedelta(days=1), time(0), tz) if end else None
    from bot.themes.service import run_themes  # scikit-learn: only once the arguments are known good

    # Only the default window feeds the digests; an explicit range is a one-off look.
    report = run_themes(runtime.session_factory(), settings=runtime.settings, start_at=start_at, end_at=end_at,
                        clusters=args.clusters, store_result=start is None and end is None)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return 0
    from bot.rituals.windows import week_of
    from bot.themes.weekly import last_complete_week

    # The last whole week before the run's end: the week a digest posted now reports, with the same counts.
    week = last_complete_week(report.end_at.astimezone(tz).date())
    themes = report.run.themes
    last_day = (report.end_at - timedelta(microseconds=1)).astimezone(tz).date()  # end_at is exclusive (--to + 1 day)
    head = (f"{len(themes)} themes from {report.documents:,} tickets "
            f"({report.start_at.date()} to {last_day}, {report.run.embedder}); "
            f"weekly counts for the {week_of(week)}" + ("; all new: no earlier run to match" if all_new(themes) else ""))
    echo([*textwrap.wrap(head, terminal_width(), break_on_hyphens=False), *theme_lines(themes, week=week)])
    return 0


def all_new(themes) -> bool:
    """A first run (or a range no stored run covers): every theme is new, said once instead of under each row."""
    return bool(themes) and all(theme.status.value == "new" for theme in themes)


def theme_lines(themes, *, width: int | None = None, week: date | None = None) -> list[str]:
    """One line per theme (its name clipped to the room left), why it stands out below it.

    `week`: the Monday of the week the weekly columns show (default: each theme's last week)."""
    rows = []
    first_run = all_new(themes)
    for theme in themes:
        if week is None:
            shown = theme.weeks[-1] if theme.weeks else None
        else:
            shown = next((w for w in theme.weeks if w.week_start == week), None)
        change = "" if shown is None or shown.change is None else f"{shown.change * 100:+.0f} %"
        notes = []
        if theme.status.value == "new" and not first_run:
            notes.append("new theme" + (f", first seen {theme.first_seen}" if theme.first_seen else ""))
        elif theme.status.value == "emerging":
            notes.append("emerging")
        if shown is not None and shown.notable:
            usual = ("none in the 4 weeks before" if not shown.baseline
                     else f"a 4-week average of {shown.baseline:.0f}")
            notes.append(f"notably {shown.direction}: {shown.count} last week against {usual}")
        rows.append(Row((theme.id, theme.name, f"{theme.count:,}", f"{shown.count if shown else 0:,}",
                         change + (" !" if shown is not None and shown.notable else ""), theme.product_area or ""),
                        "; ".join(notes)))
    # One line per theme: a long name is clipped to the room left (`--json` has it whole).
    columns = [Column("id"), Column("theme", flex=True, clip=True), Column("tickets", ">"), Column("last wk", ">"),
               Column("vs 4-wk avg", ">"), Column("area")]
    return render(columns, rows, width=width)
