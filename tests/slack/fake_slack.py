"""A fake Slack Web API (and response_url receiver) over real HTTP on an ephemeral loopback port.

Every call is recorded (`calls`, `of(method)`); answers look like Slack's
(`ok`, `ts`, `channel`, `upload_url`, …). Faults are injected per method:
`fail("chat.postMessage", "not_in_channel")`, `rate_limit("chat.postMessage", retry_after=3)`,
`server_error("chat.update", status=503)`; each fires `times` times, then the call succeeds.
`response_url` is `<base>/respond/<n>`: posts there are recorded as method "respond".
"""
from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes.loopback import serve


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = 0.0


@dataclass
class Fault:
    status: int
    error: str | None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class FakeSlack:
    def __init__(self, *, team_id: str = "T0001", bot_user_id: str = "UBOT", users: dict[str, dict] | None = None,
                 usergroups: dict[str, list[str]] | None = None, outside: set[str] | None = None,
                 private_channels: set[str] | None = None) -> None:
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.users = users or {}
        self.usergroups = usergroups or {}
        self.outside = outside or set()  # channels the bot is not a member of
        self.private_channels = private_channels or set()  # of those, the ones it cannot join
        self.joined: set[str] = set()
        self.calls: list[Call] = []
        self.faults: dict[str, list[Fault]] = {}
        self.base_url = ""
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.responded = threading.Condition(self._lock)

    # --- fault injection ---------------------------------------------------------------------
    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(200, error, times=times))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(429, "ratelimited", {"Retry-After": str(retry_after)}, times))

    def server_error(self, method: str, *, status: int = 500, times: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(status, "internal_error", times=times))

    # --- inspection ------------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait (on a condition, not a sleep) until `count` calls of `method` were recorded."""
        with self.responded:
            self.responded.wait_for(lambda: sum(c.method == method for c in self.calls) >= count, timeout=timeout)
            return [c for c in self.calls if c.method == method]

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, n: int = 1) -> str:
        return f"{self.base_url}/respond/{n}"

    # --- the HTTP handler ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        args = self._args(request)
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ") or args.get("token")
        method = "respond" if path.startswith("/respond/") else path.removeprefix("/api/")
        with self._lock:
            self.calls.append(Call(method, args, token))
            self.responded.notify_all()
            faults = self.faults.get(method) or []
            fault = faults[0] if faults else None
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
        if fault:
            return httpx.Response(fault.status, json={"ok": False, "error": fault.error}, headers=fault.headers)
        if method == "respond":
            return httpx.Response(200, text="ok")
        return httpx.Response(200, json=self._answer(method, args, token))

    @staticmethod
    def _args(request: httpx.Request) -> dict[str, Any]:
        body = request.content or b""
        kind = request.headers.get("content-type", "")
        args: dict[str, Any] = dict(urllib.parse.parse_qsl(request.url.query.decode()))
        if body and "json" in kind:
            args.update(json.loads(body))
        elif body:
            args.update(dict(urllib.parse.parse_qsl(body.decode())))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _ts_next(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        ok = {"ok": True}
        if method == "auth.test":
            return {**ok, "url": "https://fake.slack.com/", "team": "Fake", "user": "signalroom",
                    "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": "BFAKE", "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.update"):
            channel = args.get("channel", "")
            if channel in self.outside and channel not in self.joined:
                return {"ok": False, "error": "not_in_channel"}
            ts = args.get("ts") or self._ts_next()
            return {**ok, "channel": channel, "ts": ts, "message": {"text": args.get("text", ""), "ts": ts}}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": self._ts_next()}
        if method == "conversations.join":
            channel = args.get("channel", "")
            if channel in self.private_channels:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            self.joined.add(channel)
            return {**ok, "channel": {"id": channel}}
        if method == "conversations.open":
            return {**ok, "channel": {"id": "D" + str(args.get("users", "X")).lstrip("UW")}}
        if method in ("views.open", "views.publish", "views.update"):
            return {**ok, "view": {"id": "V" + str(next(self._ts)), **(args.get("view") or {})}}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {**ok, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            email = str(args.get("email", "")).lower()
            found = [u for u in self.users.values() if str((u.get("profile") or {}).get("email", "")).lower() == email]
            return {**ok, "user": found[0]} if found else {"ok": False, "error": "users_not_found"}
        if method == "usergroups.users.list":
            return {**ok, "users": self.usergroups.get(args.get("usergroup", ""), [])}
        if method == "files.getUploadURLExternal":
            return {**ok, "upload_url": f"{self.base_url}/upload/{next(self._ts)}", "file_id": "F0001"}
        if method == "oauth.v2.access":
            return {**ok, "app_id": "A0001", "authed_user": {"id": "UINSTALLER"}, "scope": "commands,chat:write",
                    "token_type": "bot", "access_token": "xoxb-installed-T0002", "bot_user_id": "UBOT2",
                    "team": {"id": "T0002", "name": "Second"}, "enterprise": None, "is_enterprise_install": False}
        return ok


@contextmanager
def fake_slack(**kwargs: Any) -> Iterator[FakeSlack]:
    fake = FakeSlack(**kwargs)
    with serve(fake) as base_url:
        fake.base_url = base_url
        yield fake
