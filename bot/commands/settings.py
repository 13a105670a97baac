"""One workspace's settings, stored in the database over the config file's (issue 16.1).

  signalroom settings show [--workspace TEAM_ID] [--json]
  signalroom settings set KEY VALUE [--workspace TEAM_ID]
  signalroom settings unset KEY [--workspace TEAM_ID]
  signalroom settings history [--workspace TEAM_ID] [--limit N] [--json]

KEY is a dotted path as in signalroom.toml: slack.review_channel (or channels.review),
rituals.weekly_review.time, metrics.overrides.first_response_time.watch, product_areas.billing,
playbooks.frt.owner; [[rules]] and [[routing]] entries by name: rules.frt_spike.days,
rules.frt_spike.enabled, routing.billing (a channel id, or a table). VALUE is a TOML value:
'"C0123456789"', true, 30, 10:00:00, '["billing", "invoice"]', '{channel = "C0123", only_when_notable = false}'.
Without --workspace: the config file's workspace_id. `unset` goes back to the config file's value.
Every change is validated with the config file's rules before it is stored, and recorded (who, when,
old, new). `show --json` prints {"workspace", "overrides", "settings"}; `history --json` prints
{"workspace", "changes": [{"key", "old", "new", "who", "at"}]}, newest first.
Exit codes: 0 ok · 1 failure · 2 usage error (unknown workspace or key, invalid value).
"""
from __future__ import annotations

import json

HIDDEN = ("workspace_id", "data_dir", "log_level", "sources")  # the process's, or set with `source add`


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", help="the effective settings and what this workspace changed")
    setter = actions.add_parser("set", help="change one setting")
    setter.add_argument("key", metavar="KEY", help="a dotted path, e.g. channels.review")
    setter.add_argument("value", metavar="VALUE", help="a TOML value, e.g. '\"C0123456789\"', true, 30")
    unset = actions.add_parser("unset", help="go back to the config file's value")
    unset.add_argument("key", metavar="KEY")
    history = actions.add_parser("history", help="who changed what and when, newest first")
    history.add_argument("--limit", type=int, default=50, help="at most this many changes (default 50)")
    for sub in (show, setter, unset, history):
        sub.add_argument("--workspace", metavar="TEAM_ID", help="the workspace (default: the config file's)")
    for sub in (show, history):
        sub.add_argument("--json", action="store_true", help="machine-readable output")


def parse_value(text: str):
    """A TOML value from the command line, or `UsageError` saying how to write one."""
    import tomllib

    from bot.errors import UsageError

    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        raise UsageError(f"VALUE {text!r} is not a TOML value: quote text ('\"C0123456789\"'), or give true, 30, "
                         "10:00:00, [\"a\", \"b\"], {key = 1}") from None


def run(args, runtime) -> int:
    from bot.workspaces import overrides, settings as api

    sessions = runtime.session_factory()
    base = runtime.settings
    team = args.workspace or base.workspace_id
    if args.action == "show":
        return _show(api.settings_for(sessions, base, team), api.stored_overrides(sessions, team), args.json)
    if args.action == "history":
        _value(lambda: api.settings_for(sessions, base, team), ())  # an unknown workspace exits 2
        return _history(team, api.settings_history(sessions, team, limit=args.limit), args.json)
    value = parse_value(args.value) if args.action == "set" else None
    path = overrides.key_path(args.key)
    before = _value(lambda: api.settings_for(sessions, base, team), path)
    after = _value(lambda: api.change_settings(sessions, base, team, {args.key: value}, who="cli"), path)
    note = " (the config file's value)" if args.action == "unset" else ""
    print(f"{team}: {overrides.key_name(path)} {_text(before)} -> {_text(after)}{note}")
    return 0


def _value(settings_of, path):
    """The value at `path` of the settings `settings_of()` gives; None when the stored ones no longer fit
    the config file (a `set` or `unset` may be the repair)."""
    from bot.config import ConfigError
    from bot.workspaces import overrides

    try:
        settings = settings_of()
    except ConfigError:
        return None
    return overrides.value_at(overrides.named_form(settings.file.model_dump(mode="json")), path)


def _show(settings, overrides: dict, as_json: bool) -> int:
    effective = {k: v for k, v in settings.file.model_dump(mode="json").items() if k not in HIDDEN}
    if as_json:
        print(json.dumps({"workspace": settings.workspace_id, "overrides": overrides, "settings": effective},
                         indent=2))
        return 0
    print(f"Workspace {settings.workspace_id}, timezone {settings.file.timezone}.")
    changed = dict(_flatten(overrides))
    if not changed:
        print("No setting changed for this workspace: the config file's settings apply.")
    else:
        print(f"{len(changed)} setting(s) differ from the config file:")
        for key, value in changed.items():
            print(f"  {key} = {_text(value)}")
    print("All effective settings: `signalroom settings show --json`.")
    return 0


def _history(team: str, changes, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"workspace": team, "changes": [c.json() for c in changes]}, indent=2))
        return 0
    if not changes:
        print(f"No setting of {team} was changed yet.")
        return 0
    from bot.commands.layout import Column, Row, echo, render

    rows = [Row((c.json()["at"][:19].replace("T", " "), c.who, c.key, f"{_text(c.old)} -> {_text(c.new)}"))
            for c in changes]
    echo(render([Column("at (UTC)"), Column("who"), Column("key"), Column("change", flex=True)], rows))
    return 0


def _flatten(value, prefix: str = ""):
    """("rituals.weekly_review.time", "10:00:00") for each value the overrides hold."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}.")
    elif prefix:
        yield prefix.rstrip("."), value


def _text(value) -> str:
    return "(unset)" if value is None else json.dumps(value, ensure_ascii=False)
