"""The Bolt app, built once by `build_app`. Listeners live in commands/actions/modals/home.

Request flow: signature check (`signatures.SignatureCheck`: 5-minute window, no replays, 401
otherwise) → authorize
(one bot token, or the OAuth installation of the team) → our middleware puts
`services`, `workspace_id` and a per-request `db` into the context → a listener
acks at once and does slow work in a lazy listener (a thread), answering through
`response_url` or a message.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import UsageError
from bot.slack.scopes import required_scopes
from bot.storage.base import utcnow

log = logging.getLogger(__name__)

# What the OAuth install asks for: every scope in the method table of bot/slack/scopes.py (a test checks
# that slack-manifest.yml lists the same).
BOT_SCOPES = required_scopes()
INSTALL_PATH = "/slack/install"


class _QuietEnvironmentToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from os.environ even when it is handed a client (ours carries the token from
    the settings, which are the one source), then warns on every start that the environment's token is
    unused. That warning says nothing an operator can act on: drop exactly it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


class RequestDb:
    """One database session per request, opened on first use.

    A lazy listener runs on a copy of the request context; its copy of this
    object gets its own session (sessions are not shared across threads).
    """

    def __init__(self, factory: sessionmaker) -> None:
        self._factory = factory
        self._session: Session | None = None

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

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __deepcopy__(self, memo: dict) -> RequestDb:
        return RequestDb(self._factory)


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

    def __deepcopy__(self, memo: dict) -> Services:
        return self

    def notifier(self, client: WebClient):
        """One Notifier per token, so per-channel pacing holds across requests."""
        from bot.slack.notifier import Notifier

        key = client.token or ""
        with self._lock:
            notifier = self._notifiers.get(key)
            if notifier is None:
                notifier = self._notifiers[key] = Notifier(client, sleep=self.sleep)
            return notifier

    def today(self) -> date:
        return self.now().astimezone(self.settings.timezone).date()

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
    """Single workspace: the configured id. OAuth installs: the Slack team (or enterprise) id."""
    if not services.oauth:
        return services.settings.workspace_id
    return context.team_id or context.enterprise_id or services.settings.workspace_id


@contextmanager
def replying(context: BoltContext, respond: Callable[..., Any] | None) -> Iterator[RequestDb]:
    """For lazy listeners: yields the request's db; a UsageError becomes a short ephemeral
    reply, any other failure a generic one with a reference (details go to the log only).
    Without a response_url (App Home buttons) the reply goes to the user's app DM."""
    from bot.slack.present import error_message

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


def oauth_settings(settings: Settings, session_factory: sessionmaker, *, installation_store=None,
                   state_store=None) -> OAuthSettings:
    from bot.slack.installations import installation_store as make_installation_store
    from bot.slack.installations import state_store as make_state_store

    env = settings.env
    engine = session_factory.kw["bind"]
    return OAuthSettings(
        client_id=env.slack_client_id,
        client_secret=env.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        installation_store=installation_store or make_installation_store(env.slack_client_id, engine),
        state_store=state_store or make_state_store(engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )


def check_credentials(settings: Settings, *, socket_mode: bool = False) -> bool:
    """Raise UsageError naming the missing variable; True when running with OAuth installs."""
    env = settings.env
    oauth = bool(env.slack_client_id and env.slack_client_secret) and not socket_mode
    if not socket_mode and env.slack_signing_secret is None:
        raise UsageError("SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials → Signing Secret)")
    if not oauth and env.slack_bot_token is None:
        raise UsageError("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth installs)")
    if bool(env.slack_client_id) != bool(env.slack_client_secret) and not socket_mode:
        raise UsageError("OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    return oauth


def build_app(
    settings: Settings,
    session_factory: sessionmaker,
    *,
    client: WebClient | None = None,
    installation_store=None,
    state_store=None,
    socket_mode: bool = False,
    now: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    listener_executor: Executor | None = None,
) -> App:
    """The one Bolt app. OAuth (many workspaces) when SLACK_CLIENT_ID/SECRET are set, else SLACK_BOT_TOKEN.

    `listener_executor` runs the lazy listeners (acks run inline): a bounded pool of 3 threads unless given,
    so slow work cannot exhaust the database connection pool."""
    env = settings.env
    oauth = check_credentials(settings, socket_mode=socket_mode)
    signing_secret = env.slack_signing_secret.get_secret_value() if env.slack_signing_secret else None
    if client is None:
        from bot.slack.notifier import web_client

        client = web_client(settings)
    kwargs: dict[str, Any] = {
        "client": client,
        "signing_secret": signing_secret or "socket-mode",
        # Our own check instead of Bolt's (see bot/slack/signatures.py), still before authorization.
        "request_verification_enabled": False,
        # Every Bolt logger hangs under `slack_bolt`, so the configured levels reach them all.
        "logger": logging.getLogger("slack_bolt"),
        # Listeners run inline and only ack (cheap); slow work is always a lazy listener. This avoids
        # Bolt's executor hop and 10 ms ack polling per request, which dominated ack latency under load.
        "process_before_response": True,
        "raise_error_for_unhandled_request": False,
        "url_verification_enabled": True,
        "ignoring_self_events_enabled": True,
        # Bolt's public knob: with process_before_response its executor only ever runs lazy listeners.
        "listener_executor": listener_executor or ThreadPoolExecutor(max_workers=3, thread_name_prefix="slack-lazy"),
    }
    if not socket_mode:
        from bot.slack.signatures import ReplayGuard, SignatureCheck

        kwargs["before_authorize"] = SignatureCheck(signing_secret, ReplayGuard(session_factory))
    if oauth:
        kwargs["oauth_settings"] = oauth_settings(settings, session_factory, installation_store=installation_store,
                                                  state_store=state_store)
    else:
        client.token = env.slack_bot_token.get_secret_value()  # Bolt reads the token from its client
    bolt_logger = kwargs["logger"]
    if not any(isinstance(f, _QuietEnvironmentToken) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietEnvironmentToken())
    app = App(**kwargs)
    services = Services(settings=settings, session_factory=session_factory, oauth=oauth, now=now, sleep=sleep)

    @app.middleware
    def attach_services(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        context["workspace_id"] = workspace_of(services, context)
        context["db"] = RequestDb(session_factory)
        try:
            next()
        finally:
            context["db"].close()

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        # Synchronous listeners catch their own UsageErrors; anything here is a bug: log, never echo.
        logger.error("unhandled error in a Slack listener: %s", error.__class__.__name__, exc_info=error)

    from bot.slack import actions, commands, home, modals, mutes

    commands.register(app)
    actions.register(app)
    modals.register(app)
    home.register(app)
    mutes.register(app)
    return app
