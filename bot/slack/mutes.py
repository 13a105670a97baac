"""The alert's Mute button: mutes what the alert is about for a week, and says so in the alert's thread.

The button (on channel alerts) carries JSON {"metric", "segment_type", "segment_value"}; the mute is
the same one `/metrics mute <metric> <segment_type>=<segment_value> 1w` sets, recorded with who clicked.
The thread reply lets the team see who muted what and until when; `/metrics unmute` lifts it.
"""
from __future__ import annotations

import json
import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE
from bot.slack import action_ids as ids
from bot.slack.app import answer_user, replying
from bot.slack.commands import Request, mute
from bot.slack.notifier import DeliveryError
from bot.slack.parse import DIMENSIONS, MuteTarget

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.ALERT_MUTE)(ack=lambda ack: ack(), lazy=[on_mute])


def button_target(value: str) -> MuteTarget:
    """Pure: the button's JSON value → what to mute; UsageError when it names no known metric."""
    try:
        item = json.loads(value or "{}")
    except json.JSONDecodeError:
        item = None
    if not isinstance(item, dict) or item.get("metric") not in CATALOGUE:
        raise UsageError("this button names no metric to mute")
    dimension, segment = str(item.get("segment_type") or ""), str(item.get("segment_value") or "")
    if dimension and (dimension not in DIMENSIONS or not segment):
        raise UsageError("this button names no segment to mute")
    return MuteTarget(item["metric"], None, dimension, segment if dimension else "")


def on_mute(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    from bot.actions.mutes import DEFAULT_BUTTON_MUTE

    with replying(context, respond):
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        thread = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
        r = Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], channel, client,
                    body.get("trigger_id"))
        message = mute(r, button_target(str(body["actions"][0].get("value") or "")), duration=DEFAULT_BUTTON_MUTE,
                       reason=None, by=r.user)
        if channel and thread:
            try:
                r.services.notifier(client).post(channel, message, thread_ts=thread)
                return
            except DeliveryError as exc:
                log.info("mute not announced in the alert's thread: %s", exc.code)
        answer_user(respond, message, context)
