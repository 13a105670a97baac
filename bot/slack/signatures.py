"""Request verification: Slack's signature over a fresh timestamp, and no replays.

Takes the place of Bolt's RequestVerification, which answered 500 with a traceback for a
timestamp header that is not an integer (`int("abc")`, `int("1795795056.5")`) and logged every
refused request whole, body included, at INFO. Here any malformed header is a 401 and a refusal
is one short line.

A replay (the same signed request delivered again within its 5-minute window) is refused too.
Accepted signatures are remembered in the database so every web process sees them. Slack signs
each of its own retries afresh (they arrive up to minutes apart, each with a new timestamp), so
only a copy of an earlier delivery is caught; should a copy carry `X-Slack-Retry-Num`, it is
acknowledged without being handled again, which stops further retries.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from slack_bolt import App
from slack_bolt.middleware.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import delete, text
from sqlalchemy import insert as sa_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.storage.slack_models import SlackRequestSignature

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)
# Web processes' clocks may differ a little: remember a signature this much past its window.
CLOCK_SKEW = timedelta(minutes=1)
PRUNE_EVERY = timedelta(minutes=1)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: `int()` also takes '١٢' or ' 12 '
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_ADMITTED = "signalroom_signature_admitted"


def refusal(*, secret: str, body: str, timestamp: str | None, signature: str | None, now: float) -> str | None:
    """Pure: why this request is refused, or None when its signature is good and its timestamp fresh."""
    if timestamp is None or signature is None:
        return "missing signature headers"
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return "malformed signature headers"
    if abs(now - int(timestamp)) > WINDOW.total_seconds():
        return "stale timestamp"
    expected = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    return None


class ReplayGuard:
    """Remembers accepted signatures in the database until they can no longer pass the window.

    It sits before every ack, so the write is kept cheap: one `INSERT … ON CONFLICT DO NOTHING`
    (no exception round trip for a replay), on PostgreSQL committed with `synchronous_commit off`
    (losing the last few rows in a database crash only reopens a 5-minute replay window, while
    waiting for the WAL flush was most of the ack's database time), and expired rows are deleted
    by a background thread once a minute instead of inside a request.
    """

    def __init__(self, session_factory: sessionmaker, *, clock: Callable[[], float] = time.time) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._next_prune = 0.0
        self._pruner: threading.Thread | None = None

    def first_delivery(self, signature: str, timestamp: int) -> bool:
        """Record this signature; False when it was recorded before (by any process).

        Should the database fail, the request is let through with a warning: a replay needs a
        captured request, while refusing everything would take the app down with the database.
        """
        now = self._clock()
        values = {"digest": hashlib.sha256(signature.encode()).hexdigest(),
                  "seen_at": datetime.fromtimestamp(now, timezone.utc),
                  "expires_at": datetime.fromtimestamp(timestamp, timezone.utc) + WINDOW + CLOCK_SKEW}
        try:
            with self._sessions.begin() as session:
                dialect = session.get_bind().dialect.name
                if dialect == "postgresql":
                    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
                inserted = session.execute(_insert_new(dialect, values)).first() is not None
        except IntegrityError:  # a dialect without ON CONFLICT: the primary key still refuses a copy
            inserted = False
        except SQLAlchemyError as exc:
            log.warning("could not record a request signature (%s): replay check skipped", exc.__class__.__name__)
            return True
        if self._prune_due(now):
            self._pruner = threading.Thread(target=self._prune, args=(now,), name="replay-prune", daemon=True)
            self._pruner.start()
        return inserted

    def settle(self) -> None:
        """Wait for a prune in progress (tests, shutdown)."""
        if self._pruner is not None:
            self._pruner.join()

    def _prune(self, now: float) -> None:
        try:
            with self._sessions.begin() as session:
                session.execute(delete(SlackRequestSignature).where(
                    SlackRequestSignature.expires_at < datetime.fromtimestamp(now, timezone.utc)))
        except SQLAlchemyError as exc:
            log.warning("could not prune request signatures (%s)", exc.__class__.__name__)

    def _prune_due(self, now: float) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + PRUNE_EVERY.total_seconds()
            return True


def _insert_new(dialect: str, values: dict):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return sa_insert(SlackRequestSignature).values(**values).returning(SlackRequestSignature.digest)
    # RETURNING, not rowcount: an ORM-executed INSERT reports rowcount -1 on psycopg.
    return (insert(SlackRequestSignature).values(**values).on_conflict_do_nothing(index_elements=["digest"])
            .returning(SlackRequestSignature.digest))


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None


class SignatureCheck(Middleware):
    """Bolt middleware, run before authorization: 401 for anything not freshly signed by Slack."""

    def __init__(self, signing_secret: str, guard: ReplayGuard | None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret
        self._guard = guard
        self._clock = clock

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
        if req.mode == "socket_mode" or req.context.get(_ADMITTED):
            return next()
        refused = self.admit(req)
        return refused if refused is not None else next()

    def admit(self, req: BoltRequest) -> BoltResponse | None:
        """The check on its own: the response refusing this request, or None (and the request is
        marked, so the middleware does not check it twice). It may wait on the database: the
        server calls it off the event loop."""
        timestamp = _header(req, "x-slack-request-timestamp")
        signature = _header(req, "x-slack-signature")
        problem = refusal(secret=self._secret, body=req.raw_body, timestamp=timestamp, signature=signature,
                          now=self._clock())
        if problem is not None:
            # One line, never the body or the headers' values.
            log.info("refused a Slack request: %s (%d bytes)", problem, len(req.raw_body))
            return BoltResponse(status=401, body={"error": "invalid request"})
        if self._guard is not None and not self._guard.first_delivery(signature, int(timestamp)):
            if _header(req, "x-slack-retry-num") is not None:
                log.info("acknowledged a repeated Slack retry without handling it again")
                return BoltResponse(status=200, body="")
            log.warning("refused a replayed Slack request (a signature already used)")
            return BoltResponse(status=401, body={"error": "invalid request"})
        req.context[_ADMITTED] = True
        return None

    @property
    def name(self) -> str:
        return "SignatureCheck"


# The check each app was built with (`build_app` records it), so the server finds it without reading Bolt's
# private attributes.
_CHECKS: weakref.WeakKeyDictionary[App, SignatureCheck] = weakref.WeakKeyDictionary()


def record_check(app: App, check: SignatureCheck) -> None:
    _CHECKS[app] = check


def signature_check(app: App) -> SignatureCheck | None:
    """The app's SignatureCheck (None in Socket Mode), for the server to run ahead of dispatch."""
    return _CHECKS.get(app)
