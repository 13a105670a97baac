"""Serve the Slack HTTP endpoints: /slack/events, /slack/install, /slack/oauth_redirect, /healthz.

One bot token (SLACK_BOT_TOKEN) serves one workspace; with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, workspaces install through /slack/install (OAuth) instead.
Run as many `serve` processes as you like behind a load balancer.
"""
from __future__ import annotations

import logging

from bot.errors import UsageError


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, help="default: $PORT or 3000")
    parser.add_argument("--host", default="0.0.0.0", help="default: 0.0.0.0")


def run(args, runtime) -> int:
    import uvicorn

    from bot.slack.app import build_app, check_credentials
    from bot.slack.server import build_asgi

    port = args.port if args.port is not None else runtime.settings.env.port
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: use 1-65535")
    check_credentials(runtime.settings)
    session_factory = runtime.session_factory()
    app = build_app(runtime.settings, session_factory)
    asgi = build_asgi(app, session_factory)
    logging.getLogger("bot.slack").info("serving Slack endpoints on port %d", port)
    uvicorn.run(asgi, host=args.host, port=port, log_level="warning", access_log=False, proxy_headers=True)
    return 0
