"""The scorecard with zones; with --from/--to, each metric over that range."""
from __future__ import annotations

import json
import sys
from datetime import date

from bot.commands.layout import RED, DIM, GREEN, YELLOW, Column, Row, echo, render, use_color
from bot.errors import UsageError
from bot.metrics import zone_names as zn
from bot.metrics.catalogue import DIMENSIONS
from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--by", metavar="DIM", help=f"one of {', '.join(DIMENSIONS)}")
    parser.add_argument("--from", dest="date_from", metavar="DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE")
    parser.add_argument("--date", metavar="DATE", help="the scorecard of this day (default: the latest)")
    add_workspace_option(parser)


def parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag}: expected a date like 2024-05-31, got {value!r}") from None


def run(args, runtime) -> int:
    if args.by is not None and args.by not in DIMENSIONS:
        raise UsageError(f"--by: unknown dimension {args.by!r}; use one of {', '.join(DIMENSIONS)}")
    day = parse_day(args.date, "--date")
    start = parse_day(args.date_from, "--from")
    end = parse_day(args.date_to, "--to")
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together")
    if start is not None and end is not None and start > end:
        raise UsageError("--from must not be after --to")
    if day is not None and start is not None:
        raise UsageError("use either --date or --from/--to")
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.readings import computed_span
    from bot.metrics.reads import range_scorecard, scorecard

    settings = rollup_settings(runtime.settings)
    with runtime.session_factory().begin() as session:
        if start is not None and end is not None:
            start, end = _covered(computed_span(session, workspace_id=runtime.workspace_id), start, end)
            card = range_scorecard(session, workspace_id=runtime.workspace_id, settings=settings,
                                   start=start, end=end, dimension=args.by)
        else:
            card = scorecard(session, workspace_id=runtime.workspace_id, settings=settings, day=day,
                             dimension=args.by)
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, default=str))
        return 0
    if not card.entries:
        print("no metrics yet: import or sync tickets, then run `signalroom rollup`")
        return 0
    from bot.weekdays import NAMES as WEEKDAYS

    title = (f"Scorecard for {WEEKDAYS[card.as_of.weekday()]} {card.as_of} ({card.timezone})" if start is None
             else f"Metrics from {start} to {end} ({card.timezone})")
    span = (start, end) if start is not None and end is not None else None
    echo([title, *scorecard_lines(card, by=args.by, span=span, color=use_color())])
    return 0


def _covered(computed: tuple[date | None, date | None], start: date, end: date) -> tuple[date, date]:
    """The part of [start, end] that has rollups. None of it: a usage error (exit 2, one line);
    part of it: a one-line note on stderr, and the figures are for that part."""
    first, last = computed
    if first is None or last is None:
        raise UsageError(f"no rollups from {start} to {end}: none computed yet; "
                         "import or sync tickets, then run `signalroom rollup`")
    if end < first or start > last:
        raise UsageError(f"no rollups from {start} to {end}: computed days are {first} to {last}; "
                         "import or sync that period, then run `signalroom rollup`")
    if start < first or end > last:
        lo, hi = max(start, first), min(end, last)
        print(f"note: rollups cover {first} to {last}; figures are for {lo} to {hi}", file=sys.stderr)
        return lo, hi
    return start, end


# The zone column's words: `zone_names.WORDS`, but "too few" fits the column ("n/a": a range has no zones).
ZONES = {**zn.WORDS, zn.INSUFFICIENT_DATA: "too few", "n/a": ""}
ZONE_COLORS = {ZONES[zn.ACT_NOW]: RED, ZONES[zn.WATCH]: YELLOW, ZONES[zn.HEALTHY]: GREEN,
               ZONES[zn.INSUFFICIENT_DATA]: DIM, ZONES[zn.LEARNING]: DIM}
EXPLAINED = (zn.ACT_NOW, zn.WATCH, zn.INSUFFICIENT_DATA)  # healthy and learning rows are summed up in the footer


def scorecard_lines(card, *, by: str | None = None, span: tuple[date, date] | None = None, color: bool = False,
                    width: int | None = None) -> list[str]:
    """The scorecard in the demo's layout: one short row per metric, and under each row that
    needs a look its explanation (without the label and value the row already shows).
    Labels, not keys: the keys are in --json. With a range (`span`), the note says how the
    value was pooled and there are no zones."""
    from bot.metrics.zones import format_value
    from bot.weekdays import NAMES as WEEKDAYS

    rows = []
    for e in card.entries:
        label = e.label + (f" · {', '.join(e.segment.values())}" if e.segment else "")
        expected = format_value(e.expected, e.unit) if e.expected is not None else ""
        if span is not None:
            note = _after(e.explanation, f"{e.label} from {span[0]} to {span[1]}: {e.display_value} (", ").")
        elif e.zone in EXPLAINED:
            subject = e.label + "".join(f" for {dim.replace('_', ' ')} {seg}" for dim, seg in e.segment.items())
            note = _after(e.explanation, f"{e.label} was {e.display_value} ".replace(e.label, subject, 1))
            if card.as_of is not None:  # the title names the day
                note = _after(note, f"on {WEEKDAYS[card.as_of.weekday()]} {card.as_of}, ")
        else:
            note = ""
        rows.append(Row((ZONES.get(e.zone, e.zone), label, e.display_value, expected, f"{e.n:,}"), note))
    metric = Column("metric" + (f" · {by.replace('_', ' ')}" if by else ""), flex=True)
    if span is not None:
        columns = [metric, Column("value", ">"), Column("n", ">")]
        return render(columns, [Row((r.cells[1], r.cells[2], r.cells[4]), r.note) for r in rows],
                      color=color, width=width)
    # No n column: a flagged row's note ends with its n, and the rest are in --json.
    columns = [Column("zone", colors=ZONE_COLORS), metric, Column("value", ">"), Column("usual", ">")]
    lines = render(columns, [Row(r.cells[:4], r.note) for r in rows], color=color, width=width)
    quiet = [f"{n} {what}" for zone, what in ((zn.HEALTHY, "healthy (within the usual range)"),
                                                (zn.LEARNING, "learning (too little history to judge)"))
             if (n := sum(e.zone == zone for e in card.entries))]
    if quiet:
        lines.append(", ".join(quiet) + "; every explanation: --json")
    return lines


def _after(text: str, lead: str, tail: str = "") -> str:
    """`text` without a known lead (and tail); the whole text when it does not start that way."""
    if not text.startswith(lead):
        return text
    rest = text[len(lead):]
    return rest.removesuffix(tail) if tail else rest
