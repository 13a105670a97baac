"""Configuration: `config check` validates and prints the effective config with secrets masked."""
from __future__ import annotations

import json


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", parser_class=type(parser))
    sub.required = True
    check = sub.add_parser("check", help="validate and print the effective configuration")
    check.add_argument("--json", action="store_true", help="JSON instead of TOML-like text")


def run(args, runtime) -> int:
    # Loading the settings already validated them: an invalid file never gets here.
    from bot.config import effective_config

    data = effective_config(runtime.settings)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        _print_toml_like(data)
    return 0


def _print_toml_like(data: dict, prefix: str = "") -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix:
        print(f"\n[{prefix}]")
    for key, value in scalars.items():
        print(f"{key} = {json.dumps(value, default=str)}")
    for key, value in tables.items():
        _print_toml_like(value, f"{prefix}.{key}" if prefix else key)
