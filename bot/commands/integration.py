"""Jira, Linear and HubSpot credentials per workspace, stored encrypted (SIGNALROOM_SECRET_KEY).

  signalroom integration add jira|linear|hubspot --workspace TEAM_ID [--url URL] [--email EMAIL]
                             [--secret-env VAR]
  signalroom integration list [--workspace TEAM_ID] [--json]
  signalroom integration remove jira|linear|hubspot --workspace TEAM_ID

jira needs --url (https://<site>.atlassian.net) and --email (the account the API token belongs to); linear
takes an API key and hubspot a private app's access token (--url only for a proxy or regional host). The
secret is read from the environment variable named by --secret-env, or from stdin (not echoed on a
terminal); never from the command line. Before anything is saved, one cheap authenticated call checks it
(Jira GET /rest/api/3/myself, Linear the viewer query, HubSpot a companies page of limit 1).

A workspace's stored credentials serve it; the environment's (JIRA_*, LINEAR_API_KEY, HUBSPOT_TOKEN) serve
only the config file's own workspace, so a single-team install needs none of this.
`list --json` prints {"integrations": [{"workspace", "kind", "url", "email", "has_secret", "created_at",
"created_by"}]}; secrets are never shown. Uninstalling the Slack app from a workspace deletes its credentials.
Exit codes: 0 ok · 1 the connection test failed · 2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import json
import sys

KINDS = ("jira", "linear", "hubspot")


def add_arguments(parser) -> None:
    from bot.commands.source import REFUSED, _RefuseSecret

    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="test and store a workspace's credentials")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("--workspace", metavar="TEAM_ID", required=True)
    add.add_argument("--url", help="jira: the site (https://<site>.atlassian.net); linear, hubspot: an API host")
    add.add_argument("--email", help="jira: the account the API token belongs to")
    add.add_argument("--secret-env", metavar="VAR", help="the environment variable holding the secret (default: stdin)")
    for option in REFUSED:
        add.add_argument(option, nargs="?", action=_RefuseSecret, help=argparse.SUPPRESS)
    listing = actions.add_parser("list", help="list stored credentials (never their secrets)")
    listing.add_argument("--workspace", metavar="TEAM_ID", help="only this workspace's")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = actions.add_parser("remove", help="forget a workspace's credentials")
    remove.add_argument("kind", choices=KINDS)
    remove.add_argument("--workspace", metavar="TEAM_ID", required=True)


def run(args, runtime) -> int:
    from bot.workspaces import integrations as service

    sessions = runtime.session_factory()
    if args.action == "add":
        return _add(args, runtime, sessions)
    if args.action == "remove":
        view = service.remove_integration(sessions, workspace_id=args.workspace, kind=args.kind)
        print(f"Removed the {view.kind} credentials of workspace {view.workspace_id}.")
        return 0
    views = service.list_integrations(sessions, workspace_id=args.workspace)
    if args.json:
        print(json.dumps({"integrations": [v.json() for v in views]}, indent=2))
        return 0
    if not views:
        where = f" for workspace {args.workspace}" if args.workspace else ""
        print(f"No stored integration credentials{where}: add them with "
              "`signalroom integration add jira|linear|hubspot --workspace TEAM_ID`.")
        return 0
    from bot.commands.layout import Column, Row, echo, render

    rows = [Row((v.workspace_id, v.kind, v.url or "", v.email or "", "stored")) for v in views]
    echo(render([Column("workspace"), Column("integration"), Column("url", flex=True), Column("email"),
                 Column("secret")], rows))
    return 0


def _add(args, runtime, sessions) -> int:
    import httpx

    from bot.commands.source import read_secret
    from bot.credentials import keyring
    from bot.workspaces import integrations as service

    secret = read_secret(kind=args.kind, label=f"the {args.kind} credentials of workspace {args.workspace}",
                         secret_env=args.secret_env, env=runtime.env)
    with httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)) as http:
        try:
            view, seen = service.add_integration(
                sessions, workspace_id=args.workspace, kind=args.kind, url=args.url, email=args.email, secret=secret,
                keyring=lambda: keyring(runtime.settings),
                check=lambda *a: service.check_credentials(*a, http=http))
        except service.IntegrationTestError as error:
            print(f"signalroom integration: connection test failed, nothing saved: {error}", file=sys.stderr)
            return 1
    print(f"Added {view.kind} credentials to workspace {view.workspace_id} (connection tested: {seen}; "
          "secret stored encrypted).")
    return 0
