"""A minimal fake Slack Web API (an httpx handler; serve it with tests.fakes.loopback.serve).

Stateful: channels hold posted messages and thread replies, DMs open per user,
uploads are recorded. Fault knobs: `rate_limit[method] = n` answers the next n
calls with 429 and `Retry-After`; `not_member` lists channels the bot is not in
(a `conversations.join` fixes it unless the channel is in `private`).
"""
from __future__ import annotations

import itertools
import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {"tz": ...}
    rate_limit: dict[str, int] = field(default_factory=dict)
    retry_after: int = 7
    not_member: set[str] = field(default_factory=set)
    private: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # every chat.postMessage, in order
    updates: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _pending_files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/upload/"):
            file_id = path.rsplit("/", 1)[-1]
            self._pending_files.setdefault(file_id, {})["bytes"] = len(request.content)
            return httpx.Response(200, text="OK")
        method = path.rsplit("/", 1)[-1]
        self.calls.append(method)
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            return httpx.Response(429, headers={"Retry-After": str(self.retry_after)},
                                  json={"ok": False, "error": "ratelimited"})
        params = self._params(request)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return httpx.Response(200, json={"ok": False, "error": "unknown_method"})
        return httpx.Response(200, json=handler(params, request))

    @staticmethod
    def _params(request: httpx.Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "")
        body = request.content.decode("utf-8", "replace") if request.content else ""
        params: dict[str, Any] = dict(urllib.parse.parse_qsl(request.url.query.decode() if isinstance(request.url.query, bytes) else str(request.url.query)))
        if "json" in ctype and body:
            params.update(json.loads(body))
        elif body:
            params.update(dict(urllib.parse.parse_qsl(body)))
        for key in ("blocks",):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    def _next_ts(self) -> str:
        return f"1800000000.{next(self._ts):06d}"

    def _chat_postMessage(self, p, _r):
        channel = p.get("channel", "")
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        self.messages.append({"channel": channel, "ts": ts, "thread_ts": p.get("thread_ts"), "text": p.get("text"),
                              "blocks": p.get("blocks"), "at": datetime.now(UTC)})
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_update(self, p, _r):
        for message in self.messages:
            if message["channel"] == p.get("channel") and message["ts"] == p.get("ts"):
                message.update(text=p.get("text"), blocks=p.get("blocks"))
                self.updates.append({"channel": p["channel"], "ts": p["ts"], "text": p.get("text")})
                return {"ok": True, "channel": p["channel"], "ts": p["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _conversations_join(self, p, _r):
        channel = p.get("channel", "")
        if channel in self.private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.not_member.discard(channel)
        return {"ok": True, "channel": {"id": channel}}

    def _conversations_open(self, p, _r):
        return {"ok": True, "channel": {"id": "D" + str(p.get("users", ""))}}

    def _users_lookupByEmail(self, p, _r):
        email = str(p.get("email", "")).lower()
        for user_id, user in self.users.items():
            if str((user.get("profile") or {}).get("email", "")).lower() == email:
                return {"ok": True, "user": {"id": user_id, **user}}
        return {"ok": False, "error": "users_not_found"}

    def _users_info(self, p, _r):
        user = p.get("user", "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, **self.users[user]}}

    def _files_getUploadURLExternal(self, p, request):
        file_id = f"F{next(self._ts):06d}"
        self._pending_files[file_id] = {"filename": p.get("filename"), "alt_txt": p.get("alt_txt")}
        base = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, p, _r):
        files = p.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        channel = p.get("channel_id") or p.get("channel")
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        out = []
        for f in files:
            info = self._pending_files.pop(f["id"], {})
            self.uploads.append({"id": f["id"], "channel": channel, "thread_ts": p.get("thread_ts"),
                                 "title": f.get("title"), **info})
            out.append({"id": f["id"], "title": f.get("title")})
        return {"ok": True, "files": out}

    def _files_info(self, p, _r):
        return {"ok": True, "file": {"id": p.get("file")}}

    def in_channel(self, channel: str, *, top_level: bool = True) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel and (not top_level or m["thread_ts"] is None)]
