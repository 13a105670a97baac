"""HubSpot account value: `sync` the companies now, `check` the token, list what did not match.

`signalroom crm sync [--workspace T] [--json]` fetches every company with the `[crm]` properties and its owner,
judges it by the `[crm] high_value` rule and matches it to helpdesk organizations (domain first, then
normalized name), as the worker does daily at `[crm] sync_hour`. `signalroom crm check [--workspace T]` makes
one authenticated call per scope with the token serving that workspace (its stored one, or HUBSPOT_TOKEN). `signalroom crm unmatched [--workspace T] [--json]` lists the organizations no
company matched, and the companies that matched no organization. Exit codes: 0 ok · 1 HubSpot refused or
failed · 2 usage or configuration error (no HUBSPOT_TOKEN for sync/check).
"""
from __future__ import annotations

import json

from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="one authenticated call per scope (companies, owners)")
    add_workspace_option(check)
    sync = sub.add_parser("sync", help="sync the companies now and match them to organizations")
    sync.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_option(sync)
    listing = sub.add_parser("unmatched", help="organizations and companies that did not match")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    add_workspace_option(listing)


def run(args, runtime) -> int:
    settings = runtime.settings
    if args.action == "unmatched":
        return _unmatched(args, runtime)
    from integrations.crm.hubspot import HubSpotError
    from bot.crm.sync import make_client

    client = make_client(settings)  # UsageError (exit 2) without a token
    try:
        if args.action == "check":
            print(f"hubspot: ok, {client.check()}")
            return 0
        return _sync(args, runtime, client)
    except HubSpotError as error:
        print(str(error))
        return 1
    finally:
        client.client.close()


def _sync(args, runtime, client) -> int:
    import dataclasses
    from datetime import UTC, datetime

    from bot.crm.sync import sync_companies

    report = sync_companies(runtime.session_factory(), runtime.settings, client=client, now=datetime.now(UTC))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), indent=2))
    else:
        print(f"HubSpot: {report.companies} companies ({report.high_value} high-value), {report.quarantined} "
              f"quarantined; {report.matched} organizations matched, {report.unmatched_organizations} unmatched")
    return 0


def _unmatched(args, runtime) -> int:
    from bot.crm.status import unmatched_json

    with runtime.session_factory()() as session:
        data = unmatched_json(session, runtime.settings)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    orgs, companies = data["unmatched_organizations"], data["unmatched_companies"]
    print(f"{len(data['matched'])} organizations matched a HubSpot company; {len(orgs)} did not:")
    for org in orgs:
        domains = f" ({', '.join(org['domains'])})" if org["domains"] else ""
        print(f"  {org['name']}{domains}")
    print(f"{len(companies)} HubSpot companies matched no organization:")
    for company in companies:
        print(f"  {company['name'] or '(no name)'}{' (' + company['domain'] + ')' if company['domain'] else ''}"
              f" [{company['crm_id']}]")
    return 0
