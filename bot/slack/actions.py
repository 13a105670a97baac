"""Buttons: Done (outcome modal), Snooze (a day or a week), Update (update modal), Carry, Close,
Log an action (App Home, or prefilled from a weekly-review item)."""
from __future__ import annotations

import json
from datetime import timedelta

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.errors import UsageError
from bot.slack import action_ids as ids
from bot.slack.app import Services, answer_user, replying
from bot.slack.commands import Request, carry, close, open_add_modal, open_outcome_modal, snooze
from bot.slack.home import publish_home
from bot.slack.parse import parse_id


def register(app: App) -> None:
    ack_only = lambda ack: ack()  # noqa: E731
    app.action(ids.ACTION_DONE)(ack=ack_only, lazy=[on_done])
    app.action(ids.ACTION_SNOOZE)(ack=ack_only, lazy=[on_snooze])
    app.action(ids.ACTION_UPDATE)(ack=ack_only, lazy=[on_update])
    app.action(ids.HOME_ADD_ACTION)(ack=ack_only, lazy=[on_add])
    app.action(ids.RITUAL_LOG_ACTION)(ack=ack_only, lazy=[on_log_action])
    app.action(ids.ACTION_CARRY)(ack=ack_only, lazy=[on_carry])
    app.action(ids.ACTION_CLOSE)(ack=ack_only, lazy=[on_close])
    app.action(ids.ACTION_SNOOZE_DAY)(ack=ack_only, lazy=[on_snooze_day])


def _request(body: dict, context: BoltContext, client: WebClient) -> Request:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], channel, client,
                   body.get("trigger_id"))


def _action_id(body: dict) -> int:
    number = parse_id(str(body["actions"][0].get("value", "")))
    if number is None:
        raise UsageError("this button carries no action number")
    return number


def on_done(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        open_outcome_modal(_request(body, context, client), _action_id(body))


def on_snooze(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _snooze_for(body, context, respond, client, days=7)


def on_snooze_day(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _snooze_for(body, context, respond, client, days=1)


def _snooze_for(body: dict, context: BoltContext, respond, client: WebClient, *, days: int) -> None:
    with replying(context, respond):
        r = _request(body, context, client)
        services: Services = context["services"]
        snooze(r, _action_id(body), services.today() + timedelta(days=days))
        publish_home(r)


def on_carry(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        r = _request(body, context, client)
        answer_user(respond, carry(r, _action_id(body), None), context)


def on_close(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        r = _request(body, context, client)
        answer_user(respond, close(r, _action_id(body), None), context)


def on_log_action(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    """A weekly-review item's "Log action": the add-action modal, prefilled and linked to its trigger."""
    with replying(context, respond):
        try:
            item = json.loads(body["actions"][0].get("value") or "{}")
        except json.JSONDecodeError:
            raise UsageError("this button carries no metric") from None
        if not isinstance(item, dict) or not item.get("metric"):
            raise UsageError("this button carries no metric")
        dimension, segment = item.get("dimension") or "", item.get("segment") or ""
        trigger_id = item.get("trigger_id")
        r = _request(body, context, client)
        if dimension and segment:  # shown as its source names it; stored as the id again on submit
            from bot.storage.reference import display_name

            with r.db.transaction() as session:
                segment = display_name(session, workspace_id=r.workspace_id, dimension=dimension, value=segment)
        open_add_modal(
            r, metric=item["metric"], owner=body["user"]["id"], due=None,
            description=None, segment=f"{dimension}={segment}" if dimension else "",
            trigger=parse_id(str(trigger_id or "")),
        )


def on_update(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    from bot.actions import service as actions
    from bot.slack.present import action_row, render_view

    with replying(context, respond):
        r = _request(body, context, client)
        action_id = _action_id(body)
        with r.db.transaction() as session:
            action = actions.get_action(session, workspace_id=r.workspace_id, action_id=action_id)
            actions.ensure_may_change(action, actor=r.user, is_admin=r.is_admin, verb="update")
            row = action_row(action)
        view = render_view("slack_update_modal", a=row, private_metadata=str(action_id))
        r.services.notifier(client).open_view(r.trigger_id, view)


def on_add(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        open_add_modal(_request(body, context, client), metric=None, owner=body["user"]["id"], due=None,
                       description=None, segment="")
