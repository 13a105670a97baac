"""The Bolt app, built once by `build_app`. Listeners live in commands/actions/modals/home/mutes, each
wired by its `register(app)`; what they share (services, the request, the per-request db, answering the
user) lives in `bot.slack.request`, so none of them imports this module.

Request flow: signature check (`signatures.SignatureCheck`: 5-minute window, no replays, 401
otherwise) → authorize
(one bot token, or the OAuth installation of the team) → our middleware puts
`services`, `workspace_id` and a per-request `db` into the context → a listener
acks at once and does slow work in a lazy listener (a thread), answering through
`response_url` or a message.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.errors import UsageError
from bot.slack import actions, commands, home, modals, mutes, settings_listeners, tracker_listeners, uninstalls
from bot.slack.request import RequestDb, Services, workspace_of
from bot.slack.scopes import required_scopes
from bot.slack.signatures import ReplayGuard, SignatureCheck, record_check
from bot.storage.base import utcnow

log = logging.getLogger(__name__)

# What the OAuth install asks for: every scope in the method table of bot/slack/scopes.py (a test checks
# that slack-manifest.yml lists the same).
BOT_SCOPES = required_scopes()
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
EVENTS_PATH = "/slack/events"


class _QuietEnvironmentToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from os.environ even when it is handed a client (ours carries the token from
    the settings, which are the one source), then warns on every start that the environment's token is
    unused. That warning says nothing an operator can act on: drop exactly it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def oauth_settings(settings: Settings, session_factory: sessionmaker, *, installation_store=None,
                   state_store=None) -> OAuthSettings:
    from bot.credentials import keyring
    from bot.slack.installations import installation_store as make_installation_store
    from bot.slack.installations import state_store as make_state_store

    env = settings.env
    engine = session_factory.kw["bind"]
    return OAuthSettings(
        client_id=env.slack_client_id,
        client_secret=env.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        installation_store=installation_store or make_installation_store(env.slack_client_id, engine,
                                                                         keyring(settings)),
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
    if oauth and env.signalroom_secret_key is None:
        from bot.credentials import HOW_TO_SET

        raise UsageError(f"OAuth installs store each workspace's bot token encrypted: {HOW_TO_SET}")
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
    oauth = check_credentials(settings, socket_mode=socket_mode)
    if client is None:
        from bot.slack.notifier import web_client

        client = web_client(settings)
    kwargs = _bolt_options(settings, client, listener_executor)
    check = None
    if not socket_mode:
        secret = settings.env.slack_signing_secret.get_secret_value()  # check_credentials: set without socket mode
        kwargs["before_authorize"] = check = SignatureCheck(secret, ReplayGuard(session_factory))
    if oauth:
        kwargs["oauth_settings"] = oauth_settings(settings, session_factory, installation_store=installation_store,
                                                  state_store=state_store)
    else:
        client.token = settings.env.slack_bot_token.get_secret_value()  # Bolt reads the token from its client
    _quiet(kwargs["logger"])
    app = App(**kwargs)
    if check is not None:
        record_check(app, check)  # the server runs it ahead of dispatch
    services = Services(settings=settings, session_factory=session_factory, oauth=oauth, now=now, sleep=sleep)
    _attach(app, services)
    _register_listeners(app, oauth=oauth, session_factory=session_factory)
    return app


def _bolt_options(settings: Settings, client: WebClient, listener_executor: Executor | None) -> dict[str, Any]:
    """Bolt's options for our app: our signature check instead of Bolt's, acks inline, lazy work pooled."""
    secret = settings.env.slack_signing_secret
    return {
        "client": client,
        "signing_secret": secret.get_secret_value() if secret else "socket-mode",
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


def _quiet(bolt_logger: logging.Logger) -> None:
    if not any(isinstance(f, _QuietEnvironmentToken) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietEnvironmentToken())


def _attach(app: App, services: Services) -> None:
    """Our middleware (services, the workspace, a per-request db into the context) and the error handler."""

    @app.middleware
    def attach_services(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        context["workspace_id"] = workspace_of(services, context)
        context["db"] = RequestDb(services.session_factory)
        try:
            next()
        finally:
            context["db"].close()

    @app.error
    def on_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        # Synchronous listeners catch their own UsageErrors; anything here is a bug: log, never echo.
        logger.error("unhandled error in a Slack listener: %s", error.__class__.__name__, exc_info=error)


def _register_listeners(app: App, *, oauth: bool, session_factory: sessionmaker) -> None:
    commands.register(app)
    actions.register(app)
    modals.register(app)
    home.register(app)
    mutes.register(app)
    settings_listeners.register(app)
    tracker_listeners.register(app)  # Create issue in Jira or Linear (issue 17)
    uninstalls.register(app, oauth=oauth, session_factory=session_factory)
