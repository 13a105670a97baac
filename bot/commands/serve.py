"""Serve the Slack HTTP endpoints: /slack/events, /slack/install, /slack/oauth_redirect, /healthz.

One bot token (SLACK_BOT_TOKEN) serves one workspace; with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, workspaces install through /slack/install (OAuth) instead.
`--workers N` runs N server processes on the port (use about one per core); or
run several `serve` processes behind a load balancer.
"""
from __future__ import annotations

import logging
import os

from bot.errors import UsageError


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, help="default: $PORT or 3000")
    parser.add_argument("--host", default="0.0.0.0", help="default: 0.0.0.0")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")


def run(args, runtime) -> int:
    import uvicorn

    from bot.slack.app import build_app, check_credentials
    from bot.slack.server import build_asgi

    port = args.port if args.port is not None else runtime.settings.env.port
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: use 1-65535")
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers}: use 1-64")
    check_credentials(runtime.settings)
    session_factory = runtime.session_factory()  # also checks the schema is current before serving
    log = logging.getLogger("bot.slack")
    options = dict(host=args.host, port=port, log_level="warning", access_log=False, proxy_headers=True)
    if args.workers > 1:
        if runtime.settings.config_found:
            os.environ["SIGNALROOM_CONFIG"] = os.path.abspath(runtime.settings.config_path)
        log.info("serving Slack endpoints on port %d with %d workers", port, args.workers)
        uvicorn.run("bot.slack.server:asgi_from_environment", factory=True, workers=args.workers, **options)
        return 0
    asgi = build_asgi(build_app(runtime.settings, session_factory), session_factory, runtime.settings)
    log.info("serving Slack endpoints on port %d", port)
    uvicorn.run(asgi, **options)
    return 0
