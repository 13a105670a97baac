"""POST /trackers/jira and /trackers/linear: the trackers' webhooks, served beside the Slack endpoints
(bot/trackers/webhooks.py checks and handles them; off without a signing secret)."""
from __future__ import annotations

from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import Settings

PATHS = {"jira": "/trackers/jira", "linear": "/trackers/linear"}


def tracker_routes(settings: Settings | None, session_factory: sessionmaker | None) -> list[Route]:
    if settings is None or session_factory is None:
        return []

    async def webhook(request: Request) -> Response:
        from bot.trackers.webhooks import receive

        tracker = request.url.path.rsplit("/", 1)[1]
        body = await request.body()
        answer = await run_in_threadpool(receive, settings, session_factory, tracker, body,
                                         {k.lower(): v for k, v in request.headers.items()})
        return JSONResponse(answer.body, status_code=answer.status)

    return [Route(path, webhook, methods=["POST"]) for path in PATHS.values()]
