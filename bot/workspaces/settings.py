"""Per-workspace settings (issue 16.1): the config file is the default, a workspace's stored overrides win.

    settings_for(sessions, base, team_id)                  the effective `Settings` of one workspace
    known_settings_for(sessions, base, team_id)            the same, None for a workspace with no row
    change_settings(sessions, base, team_id, changes, who)  validate, store, record history; the new settings
    settings_history(sessions, team_id, limit=50)           who changed what and when, newest first
    stored_overrides(sessions, team_id)                     the workspace's own document (what it changed)
    compose(base, row, document, sources, credentials)     the effective settings from stored rows (no database;
                                                            bot/workspaces/cache.py re-uses them while unchanged)

`base` is the process's settings from `signalroom.toml` and the environment (`load_settings`). The
effective settings of a workspace are the file's, deep-merged with the workspace's overrides
(bot/workspaces/overrides.py) and validated by the file's own model, with `workspace_id` the team id,
`timezone` the workspaces row's and, for a workspace other than the file's own, its stored helpdesk
sources in place of the configured ones, and its integration credentials (bot/workspaces/integrations.py:
stored ones, the environment's only for the file's own workspace). The file's own workspace with no row is
`base` itself: a TOML-only install behaves exactly as before. Keys are dotted paths ("slack.review_channel",
"rituals.weekly_review.time", "rules.frt_spike.enabled", "routing.billing"); a value of None unsets.
Nothing is written unless every change is valid; an invalid one is a `UsageError` naming its key path.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.errors import UsageError
from bot.workspaces import overrides as doc
from bot.workspaces.integrations import with_credentials, with_integrations

if TYPE_CHECKING:
    from bot.config import FileConfig, Settings

ATTEMPTS = 5  # concurrent writers of one workspace's settings (SQLite): the loser re-reads and re-applies


@dataclass(frozen=True)
class SettingChangeView:
    key: str
    old: Any
    new: Any
    who: str
    at: datetime

    def json(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": self.new, "who": self.who,
                "at": self.at.isoformat().replace("+00:00", "Z")}


def settings_for(sessions, base: Settings, team_id: str) -> Settings:
    """The effective settings of `team_id`; `UsageError` naming the known workspaces for an unknown one,
    `ConfigError` when its stored overrides no longer fit the file (a playbook a rule names was removed)."""
    with sessions() as session:
        settings = _settings_of(session, base, team_id)
        if settings is None:
            raise _unknown(session, base, team_id)
        return settings


def known_settings_for(sessions, base: Settings, team_id: str) -> Settings | None:
    """`settings_for`, or None for a workspace with no row (a Slack request's hot path: one query, and no
    list of the known workspaces for an error nobody reads)."""
    with sessions() as session:
        return _settings_of(session, base, team_id)


def _settings_of(session, base: Settings, team_id: str) -> Settings | None:
    from bot.storage import workspace_settings as settings_store
    from bot.storage import workspaces as store

    row = store.get_workspace(session, team_id=team_id)
    if row is None:
        return base if team_id == base.workspace_id else None
    stored = settings_store.get_settings(session, workspace_id=team_id)
    composed = _compose(base, row, stored.overrides if stored is not None else {}, _sources(session, base, row))
    return with_integrations(session, base, composed, team_id)  # its Jira/Linear/HubSpot credentials


def compose(base: Settings, row, document: dict[str, Any], sources, credentials) -> Settings:
    """The effective settings from what is stored, without the database: `row` the workspaces row (team_id,
    timezone), `document` its overrides, `sources` its helpdesk_sources rows (name, type, url; only read for
    a workspace other than the file's own), `credentials` its integration_credentials rows in kind order
    (bot/workspaces/cache.py reads them all in one statement). `ConfigError` as `settings_for`."""
    return with_credentials(base, _compose(base, row, document, sources), row.team_id, credentials)


def stored_overrides(sessions, team_id: str) -> dict[str, Any]:
    """What `team_id` changed, as the stored document (empty when nothing)."""
    from bot.storage import workspace_settings as settings_store

    with sessions() as session:
        stored = settings_store.get_settings(session, workspace_id=team_id)
        return dict(stored.overrides) if stored is not None else {}


def change_settings(sessions, base: Settings, team_id: str, changes: dict[str, Any], who: str) -> Settings:
    """Apply `changes` (dotted key -> value; None unsets) to `team_id`'s settings, all or none, with one
    history row per key that changed. The config file's own workspace gets a workspaces row on its first
    change. Returns the new effective settings."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from bot.workspaces.service import check_team_id

    check_team_id(team_id)
    if not changes:
        raise UsageError("no setting to change")
    parsed = [_parse(key, value) for key, value in changes.items()]
    for attempt in range(ATTEMPTS):
        try:
            with sessions.begin() as session:
                _apply(session, base, team_id, parsed, who)
            break
        except (StaleDataError, IntegrityError):  # another writer got there first: read again
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))
    return settings_for(sessions, base, team_id)


def settings_history(sessions, team_id: str, limit: int = 50) -> list[SettingChangeView]:
    from bot.storage import workspace_settings as settings_store

    with sessions() as session:
        rows = settings_store.recent_changes(session, workspace_id=team_id, limit=max(1, min(limit, 1000)))
        return [SettingChangeView(r.key, r.old, r.new, r.who, r.at) for r in rows]


# -- internals ------------------------------------------------------------------------------------------

def _parse(key: str, value: Any) -> tuple[tuple[str, ...], Any]:
    path = doc.key_path(key)
    value = None if value is None else doc.jsonable(value)
    doc.check_not_secret(doc.key_name(path), value)
    if path == ("timezone",) and value is not None:
        from bot.workspaces.service import check_timezone

        if not isinstance(value, str):
            raise UsageError(f"timezone: {value!r} is not an IANA timezone name (e.g. \"Europe/Berlin\")")
        try:
            check_timezone(value)
        except UsageError as error:
            raise UsageError(f"timezone: {error}") from None
    return path, value


def _apply(session, base: Settings, team_id: str, parsed: list[tuple[tuple[str, ...], Any]], who: str) -> None:
    from bot.storage import workspace_settings as settings_store
    from bot.storage import workspaces as store
    from bot.storage.workspace_models import SettingsChange, Workspace
    from bot.storage.workspace_settings_models import WorkspaceSettings

    row = store.get_workspace(session, team_id=team_id)
    if row is None and team_id != base.workspace_id:
        raise _unknown(session, base, team_id)
    stored = settings_store.get_settings(session, workspace_id=team_id, for_update=True)
    document = dict(stored.overrides) if stored is not None else {}
    before = base.file if row is None else _lenient(session, base, row, document)
    timezone = row.timezone if row is not None else base.file.timezone
    for path, value in parsed:
        if path == ("timezone",):
            timezone = value if value is not None else base.file.timezone
        else:
            document = doc.with_value(document, path, value)
    after_file = _validated(base.file, document, team_id, error=UsageError)
    old, new = _named(before), _named(after_file.model_copy(update={"timezone": timezone}))
    changed = [(doc.key_name(p), doc.value_at(old, p), doc.value_at(new, p)) for p, _ in parsed]
    if document == (stored.overrides if stored is not None else {}) and all(o == n for _, o, n in changed):
        return  # nothing to write
    if row is None:
        row = store.add_workspace(session, Workspace(team_id=team_id, name=None, timezone=base.file.timezone,
                                                     paused=False))
    row.timezone = timezone
    if stored is None:
        stored = WorkspaceSettings(workspace_id=team_id, overrides={})
    stored.overrides, stored.updated_by = document, who
    settings_store.save_settings(session, stored)
    for key, was, now in changed:
        store.record_change(session, SettingsChange(workspace_id=team_id, key=key, old=was, new=now, who=who))


def _named(file: FileConfig | None) -> dict[str, Any]:
    return doc.named_form(file.model_dump(mode="json")) if file is not None else {}


def _lenient(session, base: Settings, row, document: dict[str, Any]) -> FileConfig | None:
    """The settings before a change; None when the stored ones no longer fit the file, so that a change
    (an unset) can still repair them."""
    from bot.config import ConfigError

    try:
        return _compose(base, row, document, _sources(session, base, row)).file
    except ConfigError:
        return None


def _sources(session, base: Settings, row) -> list[Any]:
    """The workspace's stored sources, where its settings use them (not the config file's own workspace)."""
    from bot.storage import workspaces as store

    return [] if row.team_id == base.workspace_id else list(store.list_sources(session, workspace_id=row.team_id))


def _compose(base: Settings, row, document: dict[str, Any], sources) -> Settings:
    """`base` serving the workspace `row`: its overrides, id, timezone and (not the file's own) sources."""
    from bot.config import ConfigError, SourceConfig

    file = _validated(base.file, document, row.team_id, error=ConfigError) if document else base.file
    update: dict[str, Any] = {"workspace_id": row.team_id, "timezone": row.timezone}
    if row.team_id != base.workspace_id:  # the config file's sources are its own workspace's
        update["sources"] = {s.name: SourceConfig(type=s.type, path=s.url if s.type == "csv" else None)
                             for s in sources}
    return base.model_copy(update={"file": file.model_copy(update=update)})


def _validated(base_file: FileConfig, document: dict[str, Any], team_id: str, *, error: type) -> FileConfig:
    """The file's settings with `document` merged in, validated by the file's model; `error` names the key."""
    from pydantic import ValidationError

    from bot.config import ConfigError, FileConfig, _first_error

    from bot.config import RouteConfig, RuleConfig

    raw = doc.merged_raw(base_file, document)
    checks = [(FileConfig, raw, "")]
    if error is UsageError:  # a write: entries switched off must still be valid when switched on
        checks += [(RuleConfig if head == "rules" else RouteConfig, entry, f"{head}.{name}.")
                   for head, name, entry in doc.disabled_entries(base_file, document)]
    validated = []
    for model, data, prefix in checks:
        try:
            validated.append(model.model_validate(data))
        except ValidationError as exc:
            key, problem = _first_error(exc)
            key = prefix + key if prefix else doc.named_error_key(key, raw)
            if error is ConfigError:
                raise ConfigError(f"workspace {team_id} settings", key, problem) from None
            raise UsageError(f"{key}: {problem}") from None
    return validated[0]  # the FileConfig


def _unknown(session, base: Settings, team_id: str) -> UsageError:
    from bot.storage import workspaces as store

    known = [w.team_id for w in store.list_workspaces(session) if w.team_id != base.workspace_id]
    return UsageError(f"unknown workspace {team_id}: known workspaces are "
                      f"{', '.join([f'{base.workspace_id} (config file)', *known])} "
                      f"(add one with `signalroom workspace add {team_id}`)")
