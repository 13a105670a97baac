"""A workspace's setting overrides as data (pure: no database): key paths, the document, the merge.

The document is shaped like `signalroom.toml`, with one difference: the arrays of tables that have a
name are tables keyed by it, so one entry can be changed without restating the others:

    {"slack": {"review_channel": "C0REVIEW"},
     "rituals": {"weekly_review": {"time": "10:00:00"}},
     "rules": {"frt_spike": {"enabled": false}},          # [[rules]] by name; enabled = false drops it
     "routing": {"billing": {"channel": "C0BILLING"}}}    # [[routing]] by product area

A key is a dotted path into that document ("slack.review_channel", "rules.frt_spike.days"); the short
forms `channels.review|alerts|cs|leadership` and `admins` name the `[slack]` keys. `effective_file`
deep-merges the document over the file's own settings and validates the result with the file's model,
so a mistake names its key path exactly as a mistake in the file would.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from bot.errors import UsageError

ALIASES = {
    "channels.review": "slack.review_channel", "channels.alerts": "slack.alerts_channel",
    "channels.cs": "slack.cs_channel", "channels.leadership": "slack.leadership_channel",
    "admins": "slack.admins", "admin_usergroup": "slack.admin_usergroup",
}
# The file's keys a workspace may hold. Not: workspace_id (the team id), data_dir and log_level (the
# process's), sources (`signalroom source add`, credentials encrypted apart from settings).
SETTABLE = ("timezone", "slack", "privacy", "health", "metrics", "product_areas", "accounts", "annotations",
            "rules", "playbooks", "rituals", "routing", "themes")
NAMED = {"rules": "name", "routing": "product_area"}  # arrays of tables kept as tables keyed by this field
_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.:-]*$")
# Settings are never secrets: a value that looks like a token is refused before it is stored or shown.
_SECRET = re.compile(r"\b(xox[abpors]-|xapp-|xoxe\.)|-----BEGIN [A-Z ]*PRIVATE KEY-----")


def key_path(key: str) -> tuple[str, ...]:
    """The canonical path of a key, or `UsageError` saying what may be set."""
    key = ALIASES.get(key.strip(), key.strip())
    parts = tuple(key.split("."))
    if not key or not all(_PART.match(p) for p in parts) or len(parts) > 6 or len(key) > 128:
        raise UsageError(f"{key!r} is not a settings key: a dotted path like slack.review_channel")
    head = parts[0]
    if head == "sources":
        raise UsageError("sources: a workspace's helpdesks are set with `signalroom source add|remove`")
    if head in ("workspace_id", "data_dir", "log_level"):
        raise UsageError(f"{head}: set for the whole process in the config file, not per workspace")
    if head not in SETTABLE:
        from bot.config import _did_you_mean

        hint = _did_you_mean(head, [*SETTABLE, *ALIASES]) or f"one of {', '.join(SETTABLE)}"
        raise UsageError(f"{key}: unknown key ({hint})")
    if head in NAMED and len(parts) == 1:
        raise UsageError(f"{head}: name one entry, e.g. {head}.{'frt_spike' if head == 'rules' else 'billing'}")
    return parts


def key_name(path: tuple[str, ...]) -> str:
    return ".".join(path)


def check_not_secret(key: str, value: Any) -> None:
    for text in _strings(value):
        if _SECRET.search(text):
            raise UsageError(f"{key}: looks like a secret (a token or private key); settings never hold one")


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def jsonable(value: Any) -> Any:
    """A TOML value (times, dates, arrays, tables) as JSON data the model parses back."""
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def with_value(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `document` with `value` at `path`, or without it when `value` is None (empty tables pruned)."""
    out = copy.deepcopy(document)
    node = out
    trail = []
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is None:
                return out
            child = node[part] = {}
        trail.append((node, part))
        node = child
    if value is None:
        node.pop(path[-1], None)
        for parent, part in reversed(trail):
            if parent[part]:
                break
            parent.pop(part)
    else:
        node[path[-1]] = value
    return out


def value_at(named: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` in a document in named form (see `named_form`); None when absent."""
    if len(path) == 3 and path[0] in NAMED and path[2] == "enabled":
        return path[1] in (named.get(path[0]) or {})  # an entry that exists is enabled
    node: Any = named
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def named_form(file_json: dict[str, Any]) -> dict[str, Any]:
    """A dumped file config with its named arrays as tables keyed by name (routes: one per area)."""
    out = dict(file_json)
    for head, field in NAMED.items():
        table: dict[str, Any] = {}
        for entry in file_json.get(head) or ():
            rest = {k: v for k, v in entry.items() if k != field}
            name = entry[field]
            table[name] = rest if name not in table else [*_as_list(table[name]), rest]
        out[head] = table
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def merged_raw(base_file, overrides: dict[str, Any]) -> dict[str, Any]:
    """The file's settings as the file set them (`exclude_unset`, so defaults stay defaults), with the
    overrides merged in: tables deep-merged, anything else replaced, named arrays merged by name."""
    raw = base_file.model_dump(exclude_unset=True)  # python values: a date stays a date
    plain = {k: v for k, v in overrides.items() if k not in NAMED}
    raw = _merge(base_file, raw, plain)
    for head, field in NAMED.items():
        if overrides.get(head):
            raw[head] = _merge_named(raw.get(head) or [], overrides[head], field)
    return raw


def _merge(model: Any, raw: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    from pydantic import BaseModel

    out = dict(raw)
    for key, value in override.items():
        current = getattr(model, key, None) if isinstance(model, BaseModel) else (
            model.get(key) if isinstance(model, dict) else None)
        if isinstance(value, dict) and isinstance(current, (BaseModel, dict)):
            below = out.get(key)
            if not isinstance(below, dict):  # unset in the file: start from the model's own default
                below = _dump(current)
            out[key] = _merge(current, below, value)
        else:
            out[key] = value
    return out


def _dump(value: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return jsonable(value)


def _merge_named(entries: list[dict[str, Any]], override: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """Entries keyed by `field`: an override merges into the first entry of that name (and replaces any
    other: one route per product area), adds one when there is none, and `enabled = false` drops it."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in entries:
        name = entry.get(field)
        if name not in override:
            out.append(entry)
        elif name not in seen:
            seen.add(name)
            out.extend(_entry(name, field, override[name], entry))
    for name, change in override.items():
        if name not in seen:
            out.extend(_entry(name, field, change, {}))
    return out


def _entry(name: str, field: str, change: Any, entry: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(change, dict):  # `routing.billing = "C0BILLING"`: the channel
        if field != "product_area":
            raise UsageError(f"rules.{name}: set one key (rules.{name}.days) or give a table ({{days = 3}})")
        change = {"channel": change}
    change = dict(change)
    if change.pop("enabled", True) is False:
        return []
    return [{**entry, **change, field: name}]


def disabled_entries(base_file, document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The named entries switched off (`enabled = false`) as they would be when switched on again, so a
    change to a disabled rule is checked now rather than when it is enabled."""
    switched_on = {head: {name: {k: v for k, v in change.items() if k != "enabled"}
                          for name, change in (document.get(head) or {}).items()
                          if isinstance(change, dict) and change.get("enabled") is False}
                   for head in NAMED}
    if not any(switched_on.values()):
        return []
    raw = merged_raw(base_file, {**document, **switched_on})
    return [(head, entry[field], entry) for head, field in NAMED.items()
            for entry in raw.get(head) or () if entry.get(field) in switched_on[head]]


def named_error_key(key: str, raw: dict[str, Any]) -> str:
    """`rules.2.days` as `rules.frt_spike.days`: an error names the entry as the key did."""
    parts = key.split(".")
    if len(parts) >= 2 and parts[0] in NAMED and parts[1].isdigit():
        entries = raw.get(parts[0]) or []
        index = int(parts[1])
        if index < len(entries) and isinstance(entries[index], dict) and entries[index].get(NAMED[parts[0]]):
            parts[1] = str(entries[index][NAMED[parts[0]]])
    return ".".join(parts)
