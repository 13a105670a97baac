"""`signalroom` / `python -m bot`: one registry of subcommands, exit codes 0 ok, 1 failure, 2 usage/config.

Start-up is kept fast on purpose: this module and every `bot.commands.*` module
import only the standard library and light `bot` modules at import time, so
`--help`, `--version` and a usage error answer without loading scikit-learn,
SQLAlchemy, pydantic or rich. Each command imports what it needs inside `run`.
tests/test_cli_startup.py keeps it that way; bench/cli_startup.py measures it.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence

from bot.errors import UsageError, describe_error, is_database_error

# (command, module under bot.commands, one-line help). The order is the --help order.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("demo", "demo", "run the whole pipeline offline on bundled sample data"),
    ("db", "db", "database schema (upgrade)"),
    ("config", "config", "validate the configuration and show it with secrets masked"),
    ("sync", "sync", "incremental sync of the configured helpdesks"),
    ("import", "import_csv", "import tickets from a CSV file"),
    ("metrics", "metrics", "the scorecard with zones, or one metric over a range"),
    ("rollup", "rollup", "recompute daily rollups, zones and triggers"),
    ("backtest", "backtest", "per-day zones over history, to calibrate thresholds"),
    ("themes", "themes", "ticket themes with counts, labels and ticket ids"),
    ("agenda", "agenda", "render or post the weekly review"),
    ("digest", "digest", "render or post the product-channel digests"),
    ("remind", "remind", "render or send owner reminders"),
    ("actions", "actions", "the action log"),
    ("serve", "serve", "serve the Slack HTTP endpoints"),
    ("socket", "socket", "connect to Slack in Socket Mode"),
    ("worker", "worker", "run the scheduler and pollers"),
    ("status", "status", "each source's health: last success, lag, last error, counts"),
    ("workspace", "workspace", "tenants of a multi-workspace install (add, list)"),
    ("source", "source", "helpdesk connections per workspace (add, list, remove)"),
    ("integration", "integration", "Jira, Linear and HubSpot credentials per workspace (add, list, remove)"),
    ("secrets", "secrets", "the key that encrypts stored credentials (new-key, rotate)"),
    ("settings", "settings", "one workspace's settings over the config file's (show, set, unset, history)"),
    ("trackers", "trackers", "issue trackers: check the credentials, poll the linked issues"),
    ("crm", "crm", "HubSpot account value: sync the companies, check the token, list what did not match"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default prints usage; keep it to one line
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def installed_version() -> str:
    """The version pip installed (the package metadata), not a constant that drifts from it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("signalroom")
    except PackageNotFoundError:
        return "unknown (not installed: pip install .)"


class _VersionAction(argparse.Action):
    """Like argparse's "version" action, but reads the metadata only when --version is given."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"signalroom {installed_version()}")  # stdout, as argparse's own version action does
        parser.exit(0)


def command_named(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names: its first positional token (the value of --config is not one)."""
    takes_value = False
    for token in argv:
        if takes_value:
            takes_value = False
        elif token.startswith("--c") and "--config".startswith(token):  # argparse accepts a prefix
            takes_value = True
        elif not token.startswith("-"):
            return token if any(token == name for name, _, _ in COMMANDS) else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given `argv`, only the command it names gets its arguments (and its
    module imported), so `signalroom --help` or a mistyped command imports no command module."""
    only = None if argv is None else command_named(argv)
    parser = _Parser(prog="signalroom", description="Support metrics that turn into decisions, in Slack.")
    parser.add_argument("--version", action=_VersionAction, help="show the installed version and exit")
    parser.add_argument("--config", help="path to signalroom.toml (default: $SIGNALROOM_CONFIG or ./signalroom.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, module_name, help_text in COMMANDS:
        if argv is not None and name != only:
            sub.add_parser(name, help=help_text)  # listed in --help; never parsed in this run
            continue
        module = importlib.import_module(f"bot.commands.{module_name}")
        command = sub.add_parser(name, help=help_text, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    # Only now that a command will run: logging, settings (pydantic) and the runtime (SQLAlchemy, lazily).
    import logging

    from bot import logs
    from bot.config import ConfigError, load_settings
    from bot.context import Runtime

    try:
        settings = load_settings(env, config_path=args.config)
    except ConfigError as exc:
        print(f"signalroom: config error: {exc}", file=sys.stderr)
        return 2
    logs.configure("DEBUG" if args.verbose else settings.file.log_level)
    runtime = Runtime(settings, env=env)
    try:
        if getattr(args, "_scoped", False):  # that workspace's rows, with its stored settings
            from bot.workspaces.scope import scoped_settings

            runtime.scope(lambda rt: scoped_settings(settings, rt.session_factory, args.workspace))
        return int(args._run(args, runtime) or 0)
    except UsageError as exc:
        print(f"signalroom {args.command}: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"signalroom: config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("signalroom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `signalroom metrics | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - the top level turns any failure into exit 1
        # A database error's text carries row values (SQL parameters, DETAIL lines): show its kind only.
        logging.getLogger("signalroom").debug("failure", exc_info=not is_database_error(exc))
        print(f"signalroom {args.command}: failed: {describe_error(exc)} (run with -v for details)", file=sys.stderr)
        return 1
    finally:
        runtime.close()


def entrypoint() -> None:
    sys.exit(main())
