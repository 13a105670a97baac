"""A helpdesk connection as an operator enters it, its adapter, and the test it must pass before it is saved.

The test is one cheap authenticated call through the vendor's own adapter
(`check_connection`: Zendesk `GET /api/v2/users/me.json`, Freshdesk
`GET /api/v2/agents/me`, Intercom `GET /me`), with at most two tries so a
typo answers within seconds. A failure says what failed — the token rejected,
the permission missing, the address wrong or unreachable — and never quotes the
secret or the server's body.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx

from bot.credentials import Secret
from integrations.base import SourceAuthError, SourceFatalError
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import DEFAULT_URL as INTERCOM_URL
from integrations.intercom import IntercomAdapter
from integrations.retry import RetryPolicy
from integrations.zendesk import ZendeskAdapter

# A connection test answers fast: one retry of a 5xx or a dropped connection, short waits.
CHECK_POLICY = RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=5.0, max_wait=10.0)


class ConnectionTestError(Exception):
    """The helpdesk refused or could not be reached: nothing was saved."""


@dataclass(frozen=True)
class Connection:
    name: str
    type: str  # zendesk | freshdesk | intercom | csv
    url: str | None = None
    email: str | None = None
    secret: Secret | None = None  # masked in repr, so the dataclass's repr is safe too

    @property
    def base_url(self) -> str | None:
        if self.type == "intercom" and not self.url:
            return INTERCOM_URL
        return self.url.rstrip("/") if self.url else None


def build_adapter(connection: Connection, *, client: httpx.Client, policy: RetryPolicy = RetryPolicy(),
                  sleep: Callable[[float], None] = time.sleep, lookback: timedelta = timedelta(0),
                  store_free_text: bool = True):
    """The vendor adapter for a connection (None for csv, which has no API)."""
    if connection.type == "csv":
        return None
    if connection.secret is None or not connection.base_url:
        raise ValueError(f"{connection.name}: a {connection.type} connection needs its URL and secret")
    secret = connection.secret.reveal()
    common = {"name": connection.name, "policy": policy, "sleep": sleep, "lookback": lookback,
              "store_free_text": store_free_text}
    if connection.type == "zendesk":
        if connection.email:  # an API token belongs to an agent's email; without one it is an OAuth token
            return ZendeskAdapter(client, base_url=connection.base_url, email=connection.email, api_token=secret,
                                  **common)
        return ZendeskAdapter(client, base_url=connection.base_url, oauth_token=secret, **common)
    if connection.type == "freshdesk":
        return FreshdeskAdapter(client, base_url=connection.base_url, api_key=secret, **common)
    if connection.type == "intercom":
        return IntercomAdapter(client, base_url=connection.base_url, access_token=secret, **common)
    raise ValueError(f"{connection.name}: unknown source type {connection.type!r}")


def check_connection(connection: Connection, *, client: httpx.Client,
                     sleep: Callable[[float], None] = time.sleep) -> None:
    """One authenticated call to the helpdesk, or `ConnectionTestError` saying what failed."""
    adapter = build_adapter(connection, client=client, policy=CHECK_POLICY, sleep=sleep)
    if adapter is None:
        return  # csv: nothing to call
    where = f"{connection.type} at {connection.base_url}"
    try:
        adapter.check_connection()
    except SourceAuthError as error:
        if error.status == 403:
            raise ConnectionTestError(
                f"{where}: the API token was accepted but lacks permission (HTTP 403); it needs agent or admin access"
            ) from None
        hint = " and --email (the agent the token belongs to)" if connection.email else ""
        raise ConnectionTestError(f"{where}: the API token was rejected (HTTP 401); check the token{hint}") from None
    except SourceFatalError as error:
        reason = str(error).removeprefix(f"{connection.name}: ")
        hint = ""
        if "HTTP 404" in reason:
            hint = f"; is {connection.base_url} the account's address?"
        elif "Connect" in reason or "Timeout" in reason:
            hint = "; the host could not be reached"
        raise ConnectionTestError(f"{where}: {reason}{hint}") from None
