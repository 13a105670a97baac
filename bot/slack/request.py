"""What every Slack listener shares: the services, the per-request database session, the request a
handler works on, and how a lazy listener answers its user. The listener modules (commands, actions,
modals, home, mutes) import these from here, never from `app`, so `app` can import them at the top."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import UsageError
from bot.slack.notifier import Notifier
from bot.slack.present import error_message
from bot.storage.base import utcnow

log = logging.getLogger(__name__)


class RequestDb:
    """One database session per request, opened on first use, and the request's workspace settings.

    A lazy listener runs on a copy of the request context; its copy of this
    object gets its own session (sessions are not shared across threads) but
    shares the settings: `/metrics`'s ack and its lazy answer read them once.
    """

    def __init__(self, factory: sessionmaker, settings: _Once | None = None) -> None:
        self._factory = factory
        self._session: Session | None = None
        self.settings = settings if settings is not None else _Once()

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.session
        if session.in_transaction():
            session.commit()
        with session.begin():
            yield session

    def reads(self) -> Callable[[], Any]:
        """For a service function that takes `sessions` and only reads (`with sessions() as session`): hands
        it this request's session, left open, so a request (an App Home render) reads over one session."""
        return lambda: nullcontext(self.session)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __deepcopy__(self, memo: dict) -> RequestDb:
        return RequestDb(self._factory, self.settings)


class _Once:
    """A value worked out on first use and shared by the request's listeners (a `Settings` is immutable)."""

    def __init__(self) -> None:
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if self._value is None:
                self._value = compute()
            return self._value

    def set(self, value: Any) -> None:
        with self._lock:
            self._value = value


@dataclass(eq=False)
class Services:
    """What listeners need, shared by every request (so never copied)."""

    settings: Settings
    session_factory: sessionmaker
    oauth: bool = False
    now: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep
    _admin_cache: dict[tuple[str, str], tuple[float, bool]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    _notifiers: dict[str, Any] = field(default_factory=dict, repr=False)
    _settings_cache: Any = field(default=None, repr=False)

    def __deepcopy__(self, memo: dict) -> Services:
        return self

    def notifier(self, client: WebClient):
        """One Notifier per token, so per-channel pacing holds across requests."""
        key = client.token or ""
        with self._lock:
            notifier = self._notifiers.get(key)
            if notifier is None:
                notifier = self._notifiers[key] = Notifier(client, sleep=self.sleep)
            return notifier

    def today(self) -> date:
        return self.now().astimezone(self.settings.timezone).date()

    def settings_cache(self):
        """The workspaces' effective settings, re-used while they are unchanged (bot/workspaces/cache.py)."""
        from bot.workspaces.cache import SettingsCache

        with self._lock:
            if self._settings_cache is None:
                self._settings_cache = SettingsCache(self.settings)
            return self._settings_cache

    def is_admin(self, client: WebClient, workspace_id: str, user: str) -> bool:
        """Configured admin user ids, or members of the admin user group (cached for a minute)."""
        slack = self.settings.file.slack
        if user in slack.admins:
            return True
        if not slack.admin_usergroup:
            return False
        key = (workspace_id, user)
        with self._lock:
            cached = self._admin_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            members = client.usergroups_users_list(usergroup=slack.admin_usergroup).get("users", [])
        except Exception:  # noqa: BLE001 - a failed lookup means "not an admin", never a crash
            log.warning("could not read the admin user group", exc_info=True)
            return False
        result = user in members
        with self._lock:
            self._admin_cache[key] = (time.monotonic() + 60, result)
        return result


def workspace_of(services: Services, context: BoltContext) -> str:
    """Single workspace: the configured id. OAuth installs: the Slack team id, or the enterprise id for a
    request through an org-wide install (Enterprise Grid: the org is one tenant, bot/slack/installations.py)."""
    if not services.oauth:
        return services.settings.workspace_id
    if context.is_enterprise_install and context.enterprise_id:
        return context.enterprise_id
    return context.team_id or context.enterprise_id or services.settings.workspace_id


@dataclass
class Request:
    """What a command handler gets: one place to reach the session, the caller and Slack."""

    services: Services
    db: RequestDb
    workspace_id: str
    user: str
    channel: str | None
    client: WebClient
    trigger_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.services.is_admin(self.client, self.workspace_id, self.user)

    @property
    def settings(self) -> Settings:
        """The effective settings of the request's workspace (`team_settings`), read once per request (the
        ack and its lazy listener share them, `RequestDb.settings`)."""
        return self.read_settings()

    def read_settings(self, session: Session | None = None) -> Settings:
        """`settings`, read over `session` if they must be read: a lazy listener, which closes its db when
        done, passes the request's own (an ack's db is closed before its listener runs: never pass it)."""
        return self.db.settings.get(lambda: team_settings(self.services, self.workspace_id, session))

    def settings_changed(self, settings: Settings | None = None) -> None:
        """After a change of the workspace's settings or sources: the new settings (None: read them again)."""
        self.db.settings.set(settings)

    def today(self) -> date:
        """Today in the workspace's own timezone."""
        return self.services.now().astimezone(self.settings.timezone).date()


def team_settings(services: Services, workspace_id: str, session: Session | None = None) -> Settings:
    """What every Slack reader formats with: the config file with the workspace's stored changes on top
    (`bot.workspaces.settings.settings_for`: currency, working days, schedules, channels, timezone), read
    over `session` (the request's; None: a session of its own) in one statement while they are unchanged
    (`Services.settings_cache`). A workspace that installed the app and changed nothing yet has no row: the
    file's settings under its own id, without the file's sources and integration credentials (they are the
    file's own workspace's)."""
    from bot.workspaces.integrations import without_environment

    base = services.settings
    if session is None:
        with services.session_factory() as own:
            settings = services.settings_cache().known(own, workspace_id)
    else:
        settings = services.settings_cache().known(session, workspace_id)
    if settings is not None:
        return settings
    # nor the environment's Jira/Linear/HubSpot credentials (bot/workspaces/integrations.py)
    return without_environment(base.model_copy(update={"file": base.file.model_copy(
        update={"workspace_id": workspace_id, "sources": {}})}))


@contextmanager
def replying(context: BoltContext, respond: Callable[..., Any] | None) -> Iterator[RequestDb]:
    """For lazy listeners: yields the request's db; a UsageError becomes a short ephemeral
    reply, any other failure a generic one with a reference (details go to the log only).
    Without a response_url (App Home buttons) the reply goes to the user's app DM."""
    db: RequestDb = context["db"]
    try:
        yield db
    except UsageError as exc:
        db.session.rollback()
        answer_user(respond, error_message(str(exc)), context)
    except Exception:  # noqa: BLE001 - nothing reaches Slack but a reference
        ref = uuid.uuid4().hex[:8]
        log.exception("slack request failed (ref %s)", ref)
        answer_user(respond, error_message(f"Something went wrong on our side (ref {ref}). Nothing was lost; try again in a minute"),
                 context)
    finally:
        db.close()


def answer_user(respond: Callable[..., Any] | None, message: Any, context: BoltContext) -> None:
    try:
        if context.response_url and respond is not None:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
        elif context.user_id and context.client is not None:
            context["services"].notifier(context.client).post(context.user_id, message)
    except Exception:  # noqa: BLE001 - e.g. an expired response_url
        log.warning("could not answer the user", exc_info=True)
