"""What Slack's Events API sends to the app: the `event_callback` envelope, shaped as Slack documents it.

    {"token", "team_id", "enterprise_id" (Grid only), "context_team_id", "context_enterprise_id",
     "api_app_id", "event": {...}, "type": "event_callback", "event_id", "event_time",
     "authorizations": [{"enterprise_id", "team_id", "user_id", "is_bot", "is_enterprise_install"}],
     "is_ext_shared_channel"}

`authorizations[0]` names the installation the event is for; Bolt reads the team and enterprise ids from it
(before the outer ones). For an org-wide install on Enterprise Grid it has the enterprise id, no team id and
`is_enterprise_install: true`; an org-level event (the org's `app_uninstalled`) carries the enterprise id as its
`team_id` too. The two uninstall events: `app_uninstalled` (the inner event is only its type) and
`tokens_revoked`, whose `tokens` lists the user ids whose tokens went, by kind (`oauth`: user tokens, `bot`).
`tests/slack/conftest.py`'s `SlackDriver.event` signs and sends them.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from typing import Any

_ids = itertools.count(1)


def envelope(event: dict[str, Any], *, team_id: str | None, enterprise_id: str | None = None,
             org_wide: bool = False, app_id: str = "A0001", bot_user_id: str = "UBOT2") -> dict[str, Any]:
    """The body Slack posts for `event`, delivered to the installation of `team_id` (in `enterprise_id`'s org),
    or to the org-wide installation of `enterprise_id` (`org_wide`)."""
    outer_team = team_id or enterprise_id
    body: dict[str, Any] = {
        "token": "legacy", "team_id": outer_team, "context_team_id": None if org_wide else team_id,
        "context_enterprise_id": enterprise_id, "api_app_id": app_id, "event": event, "type": "event_callback",
        "event_id": f"Ev{next(_ids):09d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": enterprise_id, "team_id": None if org_wide else team_id,
                            "user_id": bot_user_id, "is_bot": True, "is_enterprise_install": org_wide}],
        "is_ext_shared_channel": False,
    }
    if enterprise_id is not None:
        body["enterprise_id"] = enterprise_id
    return body


def app_uninstalled() -> dict[str, Any]:
    return {"type": "app_uninstalled"}


def tokens_revoked(*, oauth: Iterable[str] = (), bot: Iterable[str] = ()) -> dict[str, Any]:
    """User ids (never tokens) whose tokens were revoked: `oauth` user tokens, `bot` the bot user's."""
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}}
