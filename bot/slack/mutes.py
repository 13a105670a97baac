"""The alert's Mute button: mutes what the alert is about for a week, and shows it on the alert.

The button (on channel alerts) carries JSON {"metric", "segment_type", "segment_value"}; the mute is
the same one `/metrics mute <metric> <segment_type>=<segment_value> 1w` sets, recorded with who clicked.
The clicked item's button row becomes "Muted by @ana until Fri 4 Dec" (its other buttons stay), so the
team sees who muted what and until when; the clicker gets the confirmation with how to lift it.
"""
from __future__ import annotations

import json
import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions.mutes import DEFAULT_BUTTON_MUTE, MuteLine
from bot.blocks import Message, render
from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE
from bot.slack import action_ids as ids
from bot.slack.flows import mute_line
from bot.slack.notifier import DeliveryError
from bot.slack.outcomes import Clicked, replace_row
from bot.slack.parse import DIMENSIONS, MuteTarget
from bot.slack.present import IDS
from bot.slack.replies import sentence
from bot.slack.request import Request, answer_user, replying

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
        raise UsageError(sentence("mute_no_metric"))
    dimension, segment = str(item.get("segment_type") or ""), str(item.get("segment_value") or "")
    if dimension and (dimension not in DIMENSIONS or not segment):
        raise UsageError(sentence("mute_no_segment"))
    return MuteTarget(item["metric"], None, dimension, segment if dimension else "")


def on_mute(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    """Mute for a week; the clicked alert shows who muted it until when (its Mute button goes), the clicker
    gets the confirmation with how to undo it; where the alert cannot be edited, the thread is told."""
    with replying(context, respond):
        clicked = Clicked.from_body(body)
        r = Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], clicked.channel,
                    client, body.get("trigger_id"))
        line, _ = mute_line(r, button_target(clicked.value), duration=DEFAULT_BUTTON_MUTE, reason=None)
        message = render("slack_muted", lines=[line], unmuted=False, extended=False, by=r.user)
        if clicked.on_message and not _show_on_alert(r, clicked, line):
            try:
                r.services.notifier(client).post(clicked.channel, message, thread_ts=clicked.thread_ts or clicked.ts)
            except DeliveryError as exc:
                log.info("mute not announced in the alert's thread: %s", exc.code)
        answer_user(respond, message, context)


def _show_on_alert(r: Request, clicked: Clicked, line: MuteLine) -> bool:
    """Replace the clicked row with the mute's state line (keeping the row's other buttons); False when the
    row is not in the message or Slack refused the edit."""
    block_id = f"muted:{clicked.block_id or clicked.value}"[:255]
    state = render("slack_mute_state", m=line, block_id=block_id)
    keep = tuple(v for v in IDS.values() if v != ids.ALERT_MUTE)
    updated = replace_row(clicked.blocks, clicked, state.blocks[0], keep) if clicked.blocks else None
    if updated is None:
        return False
    try:
        r.services.notifier(r.client).update(clicked.channel, clicked.ts,
                                             Message(text=clicked.text or state.text, blocks=updated))
    except DeliveryError as exc:
        log.info("alert not updated after the mute: %s", exc.code)
        return False
    return True
