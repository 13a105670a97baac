"""Issue trackers (Jira Cloud, Linear): `check` the credentials, `poll` the linked issues' status.

`signalroom trackers check [--workspace T]` makes one cheap authenticated call per configured tracker (Jira: GET
/rest/api/3/myself; Linear: the viewer query) and names the account. `signalroom trackers poll [--workspace T]`
refreshes the open linked issues that are due ([trackers] poll_minutes), as the worker would; digests then show
their status, and a fix verdict once resolved. Exit codes: 0 ok · 1 a tracker refused or failed · 2 usage or
configuration error (no tracker set up).
"""
from __future__ import annotations

import json

from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="one authenticated call per configured tracker")
    add_workspace_option(check)
    poll = sub.add_parser("poll", help="refresh the open linked issues that are due")
    poll.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_option(poll)


def run(args, runtime) -> int:
    from bot.errors import UsageError
    from bot.trackers import clients

    settings = runtime.settings
    configured = clients.configured(settings)
    if not configured:
        raise UsageError(f"no issue tracker is set up for workspace {settings.workspace_id}: set JIRA_URL, JIRA_EMAIL "
                         "and JIRA_API_TOKEN, or LINEAR_API_KEY, or store them with `signalroom integration add` "
                         "(README: Jira and Linear)")
    if args.action == "check":
        return _check(settings, configured)
    from bot.trackers.poll import poll_links

    report = poll_links(runtime.session_factory(), settings)  # that workspace's links: its credentials serve no other
    if args.json:
        print(json.dumps({"refreshed": report.refreshed, "resolved": report.resolved, "unlinked": report.unlinked,
                          "problems": report.problems}, indent=2))
    else:
        print(f"Linked issues: {report.refreshed} refreshed, {report.resolved} resolved, {report.unlinked} unlinked")
        for tracker, problem in sorted(report.problems.items()):
            print(f"  {problem}")  # the tracker's errors name it ("jira: ...")
    return 1 if report.problems else 0


def _check(settings, configured) -> int:
    from bot.trackers import clients
    from integrations.trackers.base import TrackerError

    failed = 0
    for tracker in configured:
        try:
            client = clients.make_client(settings, tracker)
            try:
                print(f"{tracker}: ok, as {client.check()}")
            finally:
                client.close()
        except TrackerError as exc:
            failed += 1
            print(exc)  # "jira: authentication failed ...": the errors name their tracker
    return 1 if failed else 0
