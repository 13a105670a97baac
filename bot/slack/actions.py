"""Buttons: Done (outcome form), Carry, Snooze (a day or a week), Close, Update (update form), Log an action
(App Home, or prefilled from a weekly-review item or an alert), and an alert's Acknowledge.

Every handler acks at once; the lazy part parses the click, makes one call (a flow shared with
`/metrics`: `bot.slack.flows`), and shows the result where it was clicked (`bot.slack.outcomes`): the
clicked message says who did what, the action's card is redrawn. Clicks in App Home (no message)
refresh Home instead. Someone who may not make the change gets a short ephemeral reply.
"""
from __future__ import annotations

import json

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions import clicks
from bot.errors import UsageError
from bot.slack import action_ids as ids
from bot.slack import flows
from bot.slack.home import publish_home
from bot.slack.outcomes import Clicked, form_metadata, show_on_clicked
from bot.slack.parse import parse_id
from bot.slack.replies import carried, confirmation, sentence
from bot.slack.request import Request, answer_user, replying
from bot.storage.reference import display_name


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
    app.action(ids.ALERT_ACK)(ack=ack_only, lazy=[on_acknowledge])


def _request(body: dict, context: BoltContext, client: WebClient) -> Request:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], channel, client,
                   body.get("trigger_id"))


def _number(body: dict, what: str = "action") -> int:
    number = parse_id(str(body["actions"][0].get("value", "")))
    if number is None:
        raise UsageError(sentence("button_no_number", what=what))
    return number


def on_done(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    """The outcome form; the clicked message is updated once it is submitted (`modals.after_outcome`)."""
    with replying(context, respond):
        r, clicked, action_id = _request(body, context, client), Clicked.from_body(body), _number(body)
        earlier = flows.may_complete(r, action_id)
        if earlier is not None:  # done already (a second click): show that, open no second form
            if not show_on_clicked(r, clicked, earlier):
                answer_user(respond, confirmation("already_done", id=action_id), context)
            return
        flows.open_outcome_modal(r, action_id, metadata=form_metadata(action_id, clicked))


def on_carry(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _click(body, context, respond, client, verb="carry")


def on_close(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _click(body, context, respond, client, verb="close")


def on_snooze(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _click(body, context, respond, client, verb="snooze", days=7)


def on_snooze_day(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _click(body, context, respond, client, verb="snooze", days=1)


def _click(body: dict, context: BoltContext, respond, client: WebClient, *, verb: clicks.Verb, days: int = 7) -> None:
    with replying(context, respond):
        r, clicked = _request(body, context, client), Clicked.from_body(body)
        change = flows.click(r, _number(body), verb=verb, days=days)
        if show_on_clicked(r, clicked, change):
            return
        publish_home(r)  # App Home: the list there shows the new state
        if verb == "carry":
            answer_user(respond, carried(change.action), context)
        elif verb == "close":
            answer_user(respond, confirmation("closed", id=change.action.id), context)


def on_acknowledge(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    """An alert's Acknowledge: the clicker owns its action from now on (one is opened if it had none)."""
    with replying(context, respond):
        r, clicked = _request(body, context, client), Clicked.from_body(body)
        change = flows.acknowledge(r, _number(body, "alert"))
        if not show_on_clicked(r, clicked, change):
            answer_user(respond, confirmation("owned", id=change.action.id), context)


def log_item(value: str) -> dict:
    """Pure: a "Log action" button's JSON value (metric, dimension, segment, trigger_id); UsageError without a metric."""
    try:
        item = json.loads(value or "{}")
    except json.JSONDecodeError:
        raise UsageError(sentence("button_no_metric")) from None
    if not isinstance(item, dict) or not item.get("metric"):
        raise UsageError(sentence("button_no_metric"))
    return item


def on_log_action(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    """A weekly-review item's or an alert's "Log action": the add-action modal, prefilled and linked to its trigger."""
    with replying(context, respond):
        item = log_item(body["actions"][0].get("value"))
        dimension, segment = item.get("dimension") or "", item.get("segment") or ""
        r = _request(body, context, client)
        if dimension and segment:  # shown as its source names it; stored as the id again on submit
            with r.db.transaction() as session:
                segment = display_name(session, workspace_id=r.workspace_id, dimension=dimension, value=segment)
        flows.open_add_modal(
            r, metric=item["metric"], owner=body["user"]["id"], due=None,
            description=None, segment=f"{dimension}={segment}" if dimension else "",
            trigger=parse_id(str(item.get("trigger_id") or "")),
        )


def on_update(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        flows.open_update_modal(_request(body, context, client), _number(body))


def on_add(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    with replying(context, respond):
        flows.open_add_modal(_request(body, context, client), metric=None, owner=body["user"]["id"], due=None,
                             description=None, segment="")
