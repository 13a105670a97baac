"""The ASGI app `signalroom serve` runs under uvicorn: /slack/events, /slack/install,
/slack/oauth_redirect and /healthz (and /trackers/jira, /trackers/linear when their webhook secrets are set).

Bolt's App is synchronous; each request is dispatched in a worker thread so the
event loop keeps accepting (and acknowledging) other requests meanwhile.
"""
from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.slack.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from bot.slack.signatures import signature_check
from bot.slack.tracker_webhooks import tracker_routes

MAX_BODY = 1_000_000  # Slack payloads are far smaller; refuse anything huge before parsing


def _is_slash_command(body: bytes) -> bool:
    return body.startswith(b"command=%2F") or b"&command=%2F" in body


def build_asgi(app: App, session_factory: sessionmaker | None = None, settings=None) -> Starlette:
    check = signature_check(app)

    async def events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        bolt_request = to_bolt_request(request, body)
        if _is_slash_command(body):
            # The signature check may wait on the database (the replay guard): never on the event loop.
            if check is not None:
                refused = await run_in_threadpool(check.admit, bolt_request)
                if refused is not None:
                    return to_starlette_response(refused)
            # A slash command's listener only parses and acks (about a millisecond); running it on the
            # event loop skips the thread hop that dominated ack latency under load.
            return to_starlette_response(app.dispatch(bolt_request))
        return to_starlette_response(await run_in_threadpool(app.dispatch, bolt_request))

    async def install(request: Request) -> Response:
        flow = app.oauth_flow
        if flow is None:
            return PlainTextResponse("this app runs with a single bot token; OAuth installs are off", status_code=404)
        return to_starlette_response(await run_in_threadpool(flow.handle_installation, to_bolt_request(request, b"")))

    async def redirect(request: Request) -> Response:
        flow = app.oauth_flow
        if flow is None:
            return PlainTextResponse("OAuth installs are off", status_code=404)
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, to_bolt_request(request, b"")))

    async def healthz(request: Request) -> Response:
        if session_factory is None:
            return JSONResponse({"ok": True})

        def ping() -> None:
            with session_factory() as session:
                session.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except Exception as exc:  # noqa: BLE001 - report, do not crash
            return JSONResponse({"ok": False, "database": exc.__class__.__name__}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok"})

    return Starlette(routes=[
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route(INSTALL_PATH, install, methods=["GET"]),
        Route(REDIRECT_PATH, redirect, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *tracker_routes(settings, session_factory),  # Jira/Linear webhooks (issue 17), off without their secrets
    ])


def asgi_from_environment() -> Starlette:
    """The ASGI app built from the process environment: what each uvicorn worker process imports."""
    import os

    from bot import logs
    from bot.config import load_settings
    from bot.context import Runtime
    from bot.slack.app import build_app

    settings = load_settings(os.environ)
    logs.configure(settings.file.log_level)
    session_factory = Runtime(settings).session_factory()
    return build_asgi(build_app(settings, session_factory), session_factory, settings)
