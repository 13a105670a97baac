"""A fake Slack Web API (and response_url receiver), served over real HTTP on loopback by `serve_slack`.

`FakeSlack` is a stateful httpx handler (usable as `httpx.MockTransport(fake)` too):

- channels hold what was posted, thread replies included (`messages`, `in_channel`); `chat.update`
  edits a message that exists (else `message_not_found`) and is recorded in `updates`; `add_message`
  puts a message there that was posted before the test began;
- `outside` lists channels the bot is not in (posting answers `not_in_channel`); `conversations.join`
  takes a channel out of it unless it is in `private_channels`;
- DMs open per user (`D` + the user id); `users` maps ids to profiles for `users.info` and
  `users.lookupByEmail`; `usergroups` maps group ids to member ids;
- files go through Slack's two-step external upload and land in `uploads`;
- like Slack, a post or edit with more than 50 blocks is refused with `invalid_blocks`, one with more
  than 40,000 characters of text with `msg_too_long`, one with neither text nor blocks with `no_text`,
  one with a block past its type's limits (section text 3,000, header 150, a button's text 75…) with
  `invalid_blocks` naming the field (tests/fakes/blockkit.py);
  a view (`views.open/update/publish`) past Block Kit's limits with `invalid_arguments` (tests/fakes/blockkit.py);
- like Slack, every method checks the token's scopes against `bot/slack/scopes.py` (the app's one
  table) and answers `missing_scope` with `needed` and `provided`; a token without the scope the
  method needs gets nothing done. Tokens have the bot scopes of `slack-manifest.yml` unless a test
  says otherwise (`FakeSlack(scopes=...)` for every token, `grant(token, scopes)` for one); a method
  the table does not list is refused (`method_not_in_scope_table`) so the table cannot fall behind
  the code;
- like Slack after an uninstall, a token given to `revoke(token)` gets `token_revoked` from every method
  (HTTP 200, `ok: false`; `revoke(token, error="account_inactive")` for a deactivated workspace or bot,
  `"invalid_auth"` for a token Slack does not know), and a reinstall through `oauth.v2.access` is given a
  new token.

Every call is recorded (`calls`, `of(method)`, `wait_for(method, count)`). Faults are injected per method:
`fail("chat.postMessage", "msg_blocks_too_long")`, `rate_limit("chat.postMessage", retry_after=7, times=2)`
(429 with `Retry-After`), `server_error("chat.update", status=503)`; each fires `times` times, then the
call is answered normally (`channel=` limits a fault to calls to one channel). Two faults leave the
outcome unknown to the caller, as a real outage can:
`server_error(..., after_store=True)` does the work (the message is stored) and then answers 503, and
`slow(method, seconds)` does the work and holds the answer for `seconds` (past a client's timeout).
`on_answer(method, callback)` runs a test's callback once a call was carried out (a database outage
that starts right after Slack stored a post).

Messages keep their `metadata` (`{"event_type", "event_payload"}`, as chat.postMessage takes it), and
`conversations.history` / `conversations.replies` read them back like Slack: newest first (replies:
oldest first, parent included, file shares too), `oldest`/`latest` exclusive unless `inclusive`, `limit` with an opaque
`cursor` in `response_metadata.next_cursor`, metadata only with `include_all_metadata`, and the
`*:history` scope of the conversation's type (`channels:`, `groups:`, `im:`) checked per call.

`response_url(n)` is `<base>/respond/<n>`: posts there are recorded as "respond".
"""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.slack.scopes import METHOD_SCOPES, missing_scope
from tests.fakes.blockkit import blocks_refusal, invalid_arguments, view_refusal
from tests.fakes.loopback import serve

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 40_000
MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes an install from the manifest grants (what a real workspace token would carry)."""
    import yaml

    return frozenset(yaml.safe_load(path.read_text())["oauth_config"]["scopes"]["bot"])


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Fault:
    status: int
    error: str
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after_store: bool = False  # do the work first, then answer with this fault (or late: `delay`)
    delay: float = 0.0
    channel: str | None = None  # fires only for calls to this channel


@dataclass(frozen=True)
class Grid:
    """An Enterprise Grid org an install goes into: its workspace T0002 only, or the whole org (`org_wide`)."""

    enterprise_id: str = "E0001"
    org_wide: bool = False
    name: str = "Acme Grid"


class FakeSlack:
    def __init__(self, *, team_id: str = "T0001", bot_user_id: str = "UBOT", users: dict[str, dict] | None = None,
                 usergroups: dict[str, list[str]] | None = None, outside: set[str] | None = None,
                 private_channels: set[str] | None = None, scopes: Iterable[str] | None = None) -> None:
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.scopes = frozenset(manifest_scopes() if scopes is None else scopes)  # every token's, unless granted
        self.token_scopes: dict[str, frozenset[str]] = {}
        self.revoked: dict[str, str] = {}  # tokens of an uninstalled app (or revoked one by one) → Slack's error
        self.users: dict[str, dict[str, Any]] = dict(users or {})  # id → {"tz": ..., "profile": {"email": ...}}
        self.usergroups = dict(usergroups or {})
        self.outside = set(outside or ())  # channels the bot is not a member of
        self.private_channels = set(private_channels or ())  # of those, the ones it cannot join
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []  # every message posted, thread replies too, in order
        self.updates: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        self.faults: dict[str, list[Fault]] = {}
        self.listeners: dict[str, list[Any]] = {}
        self.base_url = ""
        self.grid: Grid | None = None  # the next oauth.v2.access installs into this Enterprise Grid org
        self._ids = itertools.count(1)
        self._last_us = 0
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)

    # --- fault injection ---------------------------------------------------------------------
    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(200, error, times=times))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(429, "ratelimited", {"Retry-After": str(retry_after)}, times))

    def server_error(self, method: str, *, status: int = 500, times: int = 1, after_store: bool = False,
                     channel: str | None = None) -> None:
        self.faults.setdefault(method, []).append(Fault(status, "internal_error", times=times,
                                                        after_store=after_store, channel=channel))

    def slow(self, method: str, seconds: float, *, times: int = 1, channel: str | None = None) -> None:
        """Do the work at once, answer `seconds` later (a client with a shorter timeout never hears)."""
        self.faults.setdefault(method, []).append(Fault(200, "", times=times, after_store=True, delay=seconds,
                                                        channel=channel))

    def on_answer(self, method: str, callback) -> None:
        """Call `callback(call)` after each `method` call was carried out (before its answer is sent)."""
        self.listeners.setdefault(method, []).append(callback)

    # --- state set up by a test ----------------------------------------------------------------
    def grant(self, token: str, scopes: Iterable[str]) -> None:
        """The scopes one token carries (others keep `scopes`)."""
        self.token_scopes[token] = frozenset(scopes)

    def revoke(self, *tokens: str, error: str = "token_revoked") -> None:
        """What an uninstall does to the workspace's tokens: every later call with them is refused."""
        with self._lock:
            self.revoked.update(dict.fromkeys(tokens, error))

    def scopes_of(self, token: str | None) -> frozenset[str]:
        return self.token_scopes.get(token or "", self.scopes)

    def add_message(self, channel: str, ts: str, text: str = "", *, thread_ts: str | None = None) -> None:
        """A message that was in the channel before the test began (so it can be edited)."""
        with self._lock:
            self.messages.append({"channel": channel, "ts": ts, "thread_ts": thread_ts, "text": text, "blocks": None,
                                  "metadata": None, "at": datetime.now(UTC)})

    # --- inspection ------------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait (on a condition, not a sleep) until `count` calls of `method` were recorded."""
        with self._recorded:
            self._recorded.wait_for(lambda: sum(c.method == method for c in self.calls) >= count, timeout=timeout)
            return [c for c in self.calls if c.method == method]

    def in_channel(self, channel: str, *, top_level: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages
                    if m["channel"] == channel and (not top_level or m["thread_ts"] is None)]

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, n: int = 1) -> str:
        return f"{self.base_url}/respond/{n}"

    # --- the HTTP handler ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/upload/"):
            method, args = "upload", {}
        else:
            method = "respond" if path.startswith("/respond/") else path.removeprefix("/api/")
            args = self._args(request)
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ") or args.get("token")
        with self._lock:
            self.calls.append(Call(method, args, token))
            self._recorded.notify_all()
            fault = self._take_fault(method, args)
            if fault and not fault.after_store:
                return httpx.Response(fault.status, json={"ok": False, "error": fault.error}, headers=fault.headers)
            response = self._answer(method, args, token, request, path)
        for listener in self.listeners.get(method, ()):
            listener(Call(method, args, token))
        if fault is None:
            return response
        if fault.delay:
            time.sleep(fault.delay)  # outside the lock: other calls (a history lookup) go on meanwhile
            return response
        return httpx.Response(fault.status, json={"ok": False, "error": fault.error}, headers=fault.headers)

    def _answer(self, method: str, args: dict[str, Any], token: str | None, request: httpx.Request,
                path: str) -> httpx.Response:
        """The normal answer (called with the lock held)."""
        if method == "upload":
            self._pending_files.setdefault(path.rsplit("/", 1)[-1], {})["bytes"] = len(request.content)
            return httpx.Response(200, text="OK")
        if method == "respond":
            return httpx.Response(200, text="ok")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return httpx.Response(200, json={"ok": False, "error": "unknown_method"})
        if token in self.revoked:
            return httpx.Response(200, json={"ok": False, "error": self.revoked[token]})
        if refusal := self._scope_refusal(method, token):
            return httpx.Response(200, json=refusal)
        return httpx.Response(200, json=handler(args, request))

    def _scope_refusal(self, method: str, token: str | None) -> dict[str, Any] | None:
        if method not in METHOD_SCOPES:
            return {"ok": False, "error": "method_not_in_scope_table",
                    "detail": f"add {method} and its scope to METHOD_SCOPES in bot/slack/scopes.py"}
        if METHOD_SCOPES[method] and not token:
            return {"ok": False, "error": "not_authed"}
        if method in ("conversations.history", "conversations.replies"):
            return None  # the scope depends on the conversation's type: `_history_refusal` checks it
        granted = self.scopes_of(token)
        if needed := missing_scope(method, granted):
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(granted))}
        return None

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        faults = [f for f in self.faults.get(method) or [] if f.channel in (None, args.get("channel"))]
        if not faults:
            return None
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            self.faults[method].remove(fault)
        return fault

    @staticmethod
    def _args(request: httpx.Request) -> dict[str, Any]:
        body = request.content or b""
        kind = request.headers.get("content-type", "")
        args: dict[str, Any] = dict(urllib.parse.parse_qsl(request.url.query.decode()))
        if body and "json" in kind:
            args.update(json.loads(body))
        elif body:
            args.update(dict(urllib.parse.parse_qsl(body.decode())))
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _next_ts(self) -> str:
        """Like Slack's: the post's Unix time in microseconds, unique and rising (reads by oldest/latest)."""
        self._last_us = max(int(time.time() * 1_000_000), self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    @staticmethod
    def _refusal(args: dict[str, Any]) -> dict[str, Any] | None:
        blocks, text = args.get("blocks"), args.get("text")
        if not blocks and not text:
            return {"ok": False, "error": "no_text"}
        if blocks and len(blocks) > MAX_BLOCKS:
            return {"ok": False, "error": "invalid_blocks"}
        if text and len(text) > MAX_TEXT_CHARS:
            return {"ok": False, "error": "msg_too_long"}
        return blocks_refusal(blocks) if blocks else None  # a block past its type's limits (section text 3,000…)

    # --- methods: each takes the call's arguments and the request, answers Slack's JSON -----------
    def _auth_test(self, args, request):
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "signalroom",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": "BFAKE", "is_enterprise_install": False}

    def _chat_postMessage(self, args, request):
        channel = args.get("channel", "")
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        if refusal := self._refusal(args):
            return refusal
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata is not None and not (isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
                                         and isinstance(metadata.get("event_payload"), dict)):
            return {"ok": False, "error": "invalid_metadata_format"}
        ts = self._next_ts()
        self.messages.append({"channel": channel, "ts": ts, "thread_ts": args.get("thread_ts"),
                              "text": args.get("text"), "blocks": args.get("blocks"), "metadata": metadata,
                              "at": datetime.now(UTC)})
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", ""), "ts": ts}}

    # --- reading history back --------------------------------------------------------------------
    HISTORY_SCOPES = {"C": "channels:history", "G": "groups:history", "D": "im:history"}

    def _history_refusal(self, channel: str, request: httpx.Request) -> dict[str, Any] | None:
        needed = self.HISTORY_SCOPES.get(channel[:1], "channels:history")
        granted = self.scopes_of(self._token(request))
        if needed not in granted:
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(granted))}
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _as_slack(self, message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        out = {"type": "message", "user": self.bot_user_id, "bot_id": "BFAKE", "ts": message["ts"],
               "text": message["text"] or ""}
        if message["thread_ts"]:
            out["thread_ts"] = message["thread_ts"]
        if message.get("blocks"):
            out["blocks"] = message["blocks"]
        if message.get("files"):
            out["files"] = message["files"]
        if message.get("metadata") and _flag(args.get("include_all_metadata")):
            out["metadata"] = message["metadata"]
        return out

    @staticmethod
    def _in_window(ts: str, args: dict[str, Any]) -> bool:
        inclusive = _flag(args.get("inclusive"))
        value = float(ts)
        if (oldest := args.get("oldest")) not in (None, ""):
            if value < float(oldest) or (value == float(oldest) and not inclusive):
                return False
        if (latest := args.get("latest")) not in (None, ""):
            if value > float(latest) or (value == float(latest) and not inclusive):
                return False
        return True

    def _page(self, messages: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        limit = min(int(args.get("limit") or 100), 999)
        start = 0
        if cursor := args.get("cursor"):
            try:
                start = int(base64.b64decode(cursor).decode().removeprefix("next:"))
            except ValueError:
                return {"ok": False, "error": "invalid_cursor"}
        page, rest = messages[start:start + limit], messages[start + limit:]
        answer: dict[str, Any] = {"ok": True, "messages": [self._as_slack(m, args) for m in page],
                                  "has_more": bool(rest)}
        answer["response_metadata"] = {"next_cursor": base64.b64encode(f"next:{start + limit}".encode()).decode()
                                       if rest else ""}
        return answer

    def _conversations_history(self, args, request):
        channel = args.get("channel", "")
        if refusal := self._history_refusal(channel, request):
            return refusal
        top = [m for m in self.messages if m["channel"] == channel and m["thread_ts"] in (None, m["ts"])
               and self._in_window(m["ts"], args)]
        return self._page(sorted(top, key=lambda m: float(m["ts"]), reverse=True), args)

    def _conversations_replies(self, args, request):
        channel, ts = args.get("channel", ""), args.get("ts", "")
        if refusal := self._history_refusal(channel, request):
            return refusal
        parent = next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        shares = [{"channel": u["channel"], "ts": u["ts"], "thread_ts": u["thread_ts"], "text": "", "blocks": None,
                   "files": [{"id": u["id"], "name": u.get("filename"), "title": u.get("title")}]}
                  for u in self.uploads if u.get("ts")]
        thread = [m for m in [*self.messages, *shares] if m["channel"] == channel
                  and (m["ts"] == ts or m["thread_ts"] == ts) and self._in_window(m["ts"], args)]
        return self._page(sorted(thread, key=lambda m: float(m["ts"])), args)

    def _chat_update(self, args, request):
        channel, ts = args.get("channel", ""), args.get("ts", "")
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        if refusal := self._refusal(args):
            return refusal
        message = next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=args.get("text"), blocks=args.get("blocks"))
        self.updates.append({"channel": channel, "ts": ts, "text": args.get("text")})
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text", ""),
                "message": {"text": args.get("text", ""), "ts": ts}}

    def _conversations_join(self, args, request):
        channel = args.get("channel", "")
        if channel in self.private_channels:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.outside.discard(channel)
        return {"ok": True, "channel": {"id": channel}}

    def _conversations_open(self, args, request):
        return {"ok": True, "channel": {"id": "D" + str(args.get("users", ""))}}

    def _view(self, args, *, surface: str | None = None, needs: tuple[str, ...]):
        if not any(args.get(name) for name in needs):  # like Slack: whom or what the view is for
            return invalid_arguments(f"missing required field: {' or '.join(needs)}")
        if problem := view_refusal(args.get("view"), surface):  # like Slack: a view past Block Kit's limits
            return problem
        return {"ok": True, "view": {"id": f"V{next(self._ids)}", **(args.get("view") or {})}}

    def _views_open(self, args, request):
        return self._view(args, surface="modal", needs=("trigger_id", "interactivity_pointer"))

    def _views_publish(self, args, request):
        return self._view(args, surface="home", needs=("user_id",))

    def _views_update(self, args, request):
        return self._view(args, needs=("view_id", "external_id"))

    def _users_info(self, args, request):
        user = args.get("user", "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        found = {"id": user, **self.users[user]}
        if "users:read.email" not in self.scopes_of(self._token(request)) and "profile" in found:
            # Like Slack: the email field needs users:read.email besides users:read.
            found["profile"] = {k: v for k, v in found["profile"].items() if k != "email"}
        return {"ok": True, "user": found}

    @staticmethod
    def _token(request: httpx.Request) -> str | None:
        return (request.headers.get("authorization") or "").removeprefix("Bearer ") or None

    def _users_lookupByEmail(self, args, request):
        email = str(args.get("email", "")).lower()
        for user_id, user in self.users.items():
            if str((user.get("profile") or {}).get("email", "")).lower() == email:
                return {"ok": True, "user": {"id": user_id, **user}}
        return {"ok": False, "error": "users_not_found"}

    def _usergroups_users_list(self, args, request):
        return {"ok": True, "users": self.usergroups.get(args.get("usergroup", ""), [])}

    def _files_getUploadURLExternal(self, args, request):
        # As Slack: both filename and length (the byte count) are required.
        if not args.get("filename") or not str(args.get("length", "")).isdigit() or int(args["length"]) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):06d}"
        self._pending_files[file_id] = {"filename": args.get("filename"), "alt_txt": args.get("alt_txt"),
                                        "length": int(args["length"])}
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args, request):
        channel = args.get("channel_id") or args.get("channel")
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        files = args.get("files") or []
        if not files or any(f["id"] not in self._pending_files for f in files):
            return {"ok": False, "error": "file_not_found"}
        if any(self._pending_files[f["id"]].get("bytes") != self._pending_files[f["id"]]["length"] for f in files):
            return {"ok": False, "error": "file_not_found"}  # the bytes never reached the upload URL
        if args.get("thread_ts") and not channel:
            return {"ok": False, "error": "invalid_arguments"}  # a thread needs its channel
        for f in files:  # shared at once, as a message of its own (`ts`) that conversations.replies lists
            self.uploads.append({"id": f["id"], "channel": channel, "thread_ts": args.get("thread_ts"),
                                 "title": f.get("title"), "ts": self._next_ts(), **self._pending_files.pop(f["id"])})
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _files_info(self, args, request):
        upload = next((u for u in self.uploads if u["id"] == args.get("file")), None)
        if upload is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": {"id": upload["id"], "title": upload["title"], "name": upload["filename"]}}

    def _oauth_v2_access(self, args, request):
        """An install of team T0002; inside an Enterprise Grid org when `grid` is set (`grid.org_wide`: the org's
        own install, as Slack answers it: no team, the enterprise, `is_enterprise_install`)."""
        grid = self.grid
        answer = {"ok": True, "app_id": "A0001", "authed_user": {"id": "UINSTALLER"}, "scope": ",".join(sorted(self.scopes)),
                  "token_type": "bot", "access_token": self._fresh_token("xoxb-installed-T0002"), "bot_user_id": "UBOT2",
                  "team": {"id": "T0002", "name": "Second"}, "enterprise": None, "is_enterprise_install": False}
        if grid is not None:
            answer["enterprise"] = {"id": grid.enterprise_id, "name": grid.name}
        if grid is not None and grid.org_wide:
            answer.update(team=None, is_enterprise_install=True,
                          access_token=self._fresh_token(f"xoxb-org-{grid.enterprise_id}"))
        return answer


    def _fresh_token(self, token: str) -> str:
        """The token an install is given: a new one once the last was revoked (called with the lock held)."""
        n = 1
        while token in self.revoked:
            n += 1
            token = f"{token.split('.')[0]}.{n}"
        return token


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


@contextmanager
def serve_slack(**kwargs: Any) -> Iterator[FakeSlack]:
    """A `FakeSlack` on an ephemeral loopback port; point a `WebClient` at `fake.api_url`."""
    fake = FakeSlack(**kwargs)
    with serve(fake) as base_url:
        fake.base_url = base_url
        yield fake
