"""Helpdesk connections per workspace, stored with their secret encrypted (SIGNALROOM_SECRET_KEY).

  signalroom source add NAME --workspace TEAM_ID --type zendesk|freshdesk|intercom|csv
                        [--url URL] [--email EMAIL] [--secret-env VAR]
  signalroom source list [--workspace TEAM_ID] [--json]
  signalroom source remove NAME --workspace TEAM_ID

The secret (API token, API key or access token) is read from the environment
variable named by --secret-env, or from stdin when that flag is omitted (typed
without echo on a terminal). It is never taken from the command line, where
shell history and `ps` would keep it. A zendesk source with --email uses an API
token (Basic auth), without one an OAuth token. A csv source has no secret.

Before a source is saved its connection is tested with one authenticated call
(Zendesk /api/v2/users/me.json, Freshdesk /api/v2/agents/me, Intercom /me); if
it fails, nothing is saved and the reason is printed.

`list --json` prints {"sources": [{"workspace", "name", "type", "url", "email",
"has_secret", "created_at", "created_by", "health", "last_success_at", "last_error"}]}
(health: ok | failing | never synced, from its last sync); secrets are never shown.
Exit codes: 0 ok · 1 the connection test failed · 2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import json
import re
import sys

TYPES = ("zendesk", "freshdesk", "intercom", "csv")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
SHOWN_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")  # looks like a variable name, not a token: safe to echo
REFUSED = ("--secret", "--token", "--api-token", "--api-key", "--password", "--access-token")


class _RefuseSecret(argparse.Action):
    """A secret on the command line is refused (without echoing it): exit 2."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string}: secrets are never taken from the command line (shell history and `ps` "
                     "keep them); name an environment variable with --secret-env VAR, or pipe the secret on stdin")


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="test and store a helpdesk connection")
    add.add_argument("name", metavar="NAME", help="the source's name, unique in its workspace")
    add.add_argument("--workspace", metavar="TEAM_ID", required=True)
    add.add_argument("--type", required=True, choices=TYPES)
    add.add_argument("--url", help="the account's address (zendesk, freshdesk; intercom's regional host)")
    add.add_argument("--email", help="zendesk: the agent an API token belongs to (omit for an OAuth token)")
    add.add_argument("--secret-env", metavar="VAR", help="the environment variable holding the secret (default: stdin)")
    for option in REFUSED:
        add.add_argument(option, nargs="?", action=_RefuseSecret, help=argparse.SUPPRESS)
    listing = actions.add_parser("list", help="list sources (never their secrets)")
    listing.add_argument("--workspace", metavar="TEAM_ID", help="only this workspace's sources")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = actions.add_parser("remove", help="remove a source and its stored secret")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--workspace", metavar="TEAM_ID", required=True)


def read_secret(*, kind: str, label: str, secret_env: str | None, env, stdin=None):
    """The secret from the named environment variable, or stdin (a terminal is asked "Secret for <label>");
    None for csv. UsageError when absent."""
    from getpass import getpass

    from bot.credentials import Secret
    from bot.errors import UsageError

    if kind == "csv":
        if secret_env is not None:
            raise UsageError("a csv source has no secret: drop --secret-env")
        return None
    if secret_env is not None:
        if not ENV_NAME.match(secret_env):
            raise UsageError("--secret-env takes the NAME of an environment variable holding the secret, "
                             "not the secret itself")
        value = env.get(secret_env)
        if not value or not value.strip():
            shown = secret_env if SHOWN_ENV_NAME.match(secret_env) else "named by --secret-env"
            raise UsageError(f"the environment variable {shown} is not set or empty")
        return Secret(value.strip())
    stdin = stdin or sys.stdin
    if stdin.isatty():
        value = getpass(f"Secret for {label} (not echoed): ")
    else:
        value = stdin.read()
    if not value.strip():
        raise UsageError("no secret on stdin: pipe it in, or name an environment variable with --secret-env VAR")
    return Secret(value.strip())


def run(args, runtime) -> int:
    from bot.workspaces import service

    sessions = runtime.session_factory()
    if args.action == "add":
        return _add(args, runtime, sessions)
    if args.action == "remove":
        view = service.remove_source(sessions, workspace_id=args.workspace, name=args.name)
        print(f"Removed {view.type} source {view.name} from workspace {view.workspace_id} (its stored secret too).")
        return 0
    views = service.list_sources(sessions, workspace_id=args.workspace)
    if args.json:
        print(json.dumps({"sources": [v.json() for v in views]}, indent=2))
        return 0
    if not views:
        where = f" in workspace {args.workspace}" if args.workspace else ""
        print(f"No sources{where}: add one with `signalroom source add NAME --workspace TEAM_ID --type T`.")
        return 0
    from bot.commands.layout import Column, Row, echo, render

    rows = [Row((v.workspace_id, v.name, v.type, v.url or "", "stored" if v.has_secret else "-", v.health))
            for v in views]
    echo(render([Column("workspace"), Column("source"), Column("type"), Column("url", flex=True),
                 Column("secret"), Column("last sync")], rows))
    for view in views:
        if view.last_error:
            echo([f"{view.workspace_id}/{view.name}: {view.last_error}"])
    return 0


def _add(args, runtime, sessions) -> int:
    from bot.credentials import keyring
    from bot.sync.sources import make_client
    from bot.workspaces import service
    from bot.workspaces.connections import ConnectionTestError

    secret = read_secret(kind=args.type, label=f"{args.type} source {args.name}", secret_env=args.secret_env,
                         env=runtime.env)
    with make_client() as client:
        try:
            view = service.add_source(sessions, workspace_id=args.workspace, name=args.name, type=args.type,
                                      url=args.url, email=args.email, secret=secret,
                                      keyring=lambda: keyring(runtime.settings), client=client)
        except ConnectionTestError as error:
            print(f"signalroom source: connection test failed, nothing saved: {error}", file=sys.stderr)
            return 1
    tested = "connection tested" if view.type != "csv" else "no connection to test"
    print(f"Added {view.type} source {view.name} to workspace {view.workspace_id} ({tested}; "
          f"{'secret stored encrypted' if view.has_secret else 'no secret'}).")
    return 0
