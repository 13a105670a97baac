"""Serve a fake (an `httpx.MockTransport` handler) over real HTTP on 127.0.0.1.

`with serve(fake) as base_url:` starts a `ThreadingHTTPServer` on an ephemeral
port in a daemon thread, so tests exercise the real transport and the auth
headers that go over the wire. A handler that raises `httpx.TimeoutException`
makes the server drop the connection without answering.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
_HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "content-encoding", "keep-alive"}


def _make_handler(app: Handler) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # quiet
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host", "127.0.0.1")
            request = httpx.Request(
                self.command,
                f"http://{host}{self.path}",
                headers=[(k, v) for k, v in self.headers.items()],
                content=body,
            )
            try:
                response = app(request)
            except httpx.TimeoutException:
                self.close_connection = True
                return
            content = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _handle

    return _Handler


@contextmanager
def serve(app: Handler) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(app))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
