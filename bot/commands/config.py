"""Configuration: `config check` validates, lists warnings and prints the effective config with secrets masked.

An invalid file never gets here (loading the settings is the validation: exit 2 naming the key).
Warnings are settings that load but will not do what was meant (a ritual with no channel, a
source with no credentials …): exit 0 with warnings, 2 with `--strict`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

RECENT_TICKETS = 5000  # tickets whose tags a [[routing]] area is checked against


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True
    check = sub.add_parser("check", help="validate, list warnings and print the effective configuration")
    check.add_argument("--json", action="store_true", help="JSON instead of TOML-like text")
    check.add_argument("--strict", action="store_true", help="exit 2 when there are warnings")


def run(args, runtime) -> int:
    from bot.config import effective_config
    from bot.config_check import config_warnings

    warnings = config_warnings(runtime.settings) + unmatched_routes(runtime)
    data = effective_config(runtime.settings)
    if args.json:
        print(json.dumps({**data, "warnings": warnings}, indent=2, default=str))
    else:
        _print_toml_like(data)
        print(f"\n# warnings: {len(warnings) or 'none'}")
        for warning in warnings:
            print(f"#   {warning}")
    if warnings and args.strict:
        print(f"signalroom config check: {len(warnings)} warning(s), and --strict makes them errors", file=sys.stderr)
        return 2
    return 0


def unmatched_routes(runtime) -> list[str]:
    """[[routing]] rules whose product area's tags are on none of the recent tickets (a typo, or tags the
    helpdesk does not use). Only when the database already exists and holds tickets; never creates one."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import area_tags, database_backend
    from bot.storage.models import TicketRow

    settings = runtime.settings
    routes = [(i, r, area_tags(settings.file.product_areas.get(r.product_area, ())))
              for i, r in enumerate(settings.file.routing)]
    routes = [(i, r, tags) for i, r, tags in routes if tags]
    url = settings.database_url
    if not routes or database_backend(url) not in ("sqlite", "postgresql"):
        return []
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return []
    try:
        with runtime.engine().connect() as connection:
            rows = connection.execute(select(TicketRow.tags).where(
                TicketRow.workspace_id == settings.workspace_id, TicketRow.deleted.is_(False),
            ).order_by(TicketRow.created_at.desc()).limit(RECENT_TICKETS))
            seen = {tag for (tags,) in rows for tag in (tags or ())}
    except SQLAlchemyError:  # unreachable, or not migrated yet: nothing to compare with
        return []
    if not seen:
        return []
    return [f"routing.{i}: product area {r.product_area!r} matches no tag on the last {RECENT_TICKETS} tickets "
            f"(its tags: {', '.join(sorted(tags))}): check them against your helpdesk's tags"
            for i, r, tags in routes if not tags & seen]


def _print_toml_like(data: dict, prefix: str = "") -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix:
        print(f"\n[{prefix}]")
    for key, value in scalars.items():
        print(f"{key} = {json.dumps(value, default=str)}")
    for key, value in tables.items():
        _print_toml_like(value, f"{prefix}.{key}" if prefix else key)
