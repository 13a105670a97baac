"""Modal submissions: validate (errors shown on the field), write, ack; Slack calls happen lazily."""
from __future__ import annotations

import json

import logging
from datetime import date

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.actions.clicks import current_change
from bot.actions.service import get_action
from bot.errors import UsageError
from bot.slack import action_ids as ids
from bot.slack import flows
from bot.slack.home import publish_home
from bot.slack.outcomes import Clicked, parse_form_metadata, post_to_review, show_on_clicked
from bot.slack.parse import parse_dimension
from bot.slack.replies import sentence
from bot.slack.request import Request

log = logging.getLogger(__name__)


def register(app: App) -> None:
    # The ack listener validates and writes, then puts `saved_action` into the context; the lazy
    # listener (which runs on a copy of that context, after the response went out) talks to Slack.
    app.view(ids.ADD_ACTION_VIEW)(ack=ack_add, lazy=[after_add])
    app.view(ids.OUTCOME_VIEW)(ack=ack_outcome, lazy=[after_outcome])
    app.view(ids.UPDATE_VIEW)(ack=ack_update, lazy=[after_change])


def _value(view: dict, block: str, action: str):
    element = view["state"]["values"].get(block, {}).get(action, {})
    for key in ("value", "selected_user", "selected_date"):
        if element.get(key):
            return element[key]
    option = element.get("selected_option")
    return option["value"] if option else None


def _request(body: dict, context: BoltContext, client: WebClient, channel: str | None) -> Request:
    return Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], channel, client)


def _fail(ack, block: str, problem: str) -> None:
    ack(response_action="errors", errors={block: problem[:150]})


def _add_metadata(raw: str) -> tuple[str | None, int | None]:
    """(channel, trigger id) from the add modal's private_metadata: a channel id, or JSON from a review item."""
    if not raw.startswith("{"):
        return raw or None, None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None, None
    trigger = data.get("trigger")
    return data.get("channel") or None, trigger if isinstance(trigger, int) else None


def ack_add(ack, body: dict, view: dict, context: BoltContext, client: WebClient) -> None:
    metric = _value(view, ids.METRIC_BLOCK, ids.METRIC_INPUT)
    owner = _value(view, ids.OWNER_BLOCK, ids.OWNER_INPUT)
    due = _value(view, ids.DUE_BLOCK, ids.DUE_INPUT)
    description = (_value(view, ids.DESCRIPTION_BLOCK, ids.DESCRIPTION_INPUT) or "").strip()
    segment_text = (_value(view, ids.SEGMENT_BLOCK, ids.SEGMENT_INPUT) or "").strip()
    dimension = segment = ""
    if segment_text:
        dim, _, segment = segment_text.partition("=")
        try:
            dimension = parse_dimension(dim.strip(), form="add")
        except UsageError as exc:
            return _fail(ack, ids.SEGMENT_BLOCK, str(exc).split(". Use:")[0])
        if not segment.strip():
            return _fail(ack, ids.SEGMENT_BLOCK, sentence("form_segment"))
        segment = segment.strip()
    try:
        due_on = date.fromisoformat(due) if due else None
    except ValueError:
        return _fail(ack, ids.DUE_BLOCK, sentence("form_pick_date"))
    channel, trigger_id = _add_metadata(view.get("private_metadata") or "")
    r = _request(body, context, client, channel)
    if due_on is None or due_on < r.today():  # the workspace's today
        return _fail(ack, ids.DUE_BLOCK, sentence("form_date_from_today"))
    if not description:
        return _fail(ack, ids.DESCRIPTION_BLOCK, sentence("form_what_will_be_done"))
    try:
        action_id = flows.add_action(r, metric=metric, owner=owner, due_on=due_on, description=description,
                               dimension=dimension, segment=segment, channel=channel, trigger_id=trigger_id)
    except UsageError as exc:
        return _fail(ack, ids.DESCRIPTION_BLOCK, str(exc))
    context["saved_action"] = action_id
    ack()


def ack_outcome(ack, body: dict, view: dict, context: BoltContext, client: WebClient) -> None:
    outcome = (_value(view, ids.OUTCOME_BLOCK, ids.OUTCOME_INPUT) or "").strip()
    outcome_class = _value(view, ids.OUTCOME_CLASS_BLOCK, ids.OUTCOME_CLASS_INPUT)
    if not outcome:
        return _fail(ack, ids.OUTCOME_BLOCK, sentence("form_what_happened"))
    r = _request(body, context, client, None)
    try:
        action_id, clicked = parse_form_metadata(view.get("private_metadata") or "")
    except (ValueError, KeyError, TypeError):
        return _fail(ack, ids.OUTCOME_BLOCK, sentence("form_lost_number"))
    try:
        action = flows.complete(r, action_id, outcome, outcome_class, refresh=False)
    except UsageError as exc:
        return _fail(ack, ids.OUTCOME_BLOCK, str(exc))
    context["saved_action"] = action.id
    context["clicked"] = clicked.reference() if clicked is not None else None
    ack()


def ack_update(ack, body: dict, view: dict, context: BoltContext, client: WebClient) -> None:
    note = (_value(view, ids.NOTE_BLOCK, ids.NOTE_INPUT) or "").strip() or None
    due = _value(view, ids.DUE_BLOCK, ids.DUE_INPUT)
    r = _request(body, context, client, None)
    try:
        due_on = date.fromisoformat(due) if due else None
        action = flows.revise(r, int(view["private_metadata"]), note=note, due_on=due_on, refresh=False)
    except UsageError as exc:
        return _fail(ack, ids.NOTE_BLOCK, str(exc))
    context["saved_action"] = action.id
    ack()


def after_add(body: dict, context: BoltContext, client: WebClient) -> None:
    """Show the new action in its channel, tell the owner, refresh the creator's App Home."""
    if "saved_action" not in context:
        return
    r = _request(body, context, client, None)
    try:
        flows.announce(r, context["saved_action"])
    except Exception:  # noqa: BLE001 - the action is saved; delivery problems are logged
        log.exception("new action not announced")
    finally:
        _refresh_home(r)
        r.db.close()


def after_change(body: dict, context: BoltContext, client: WebClient) -> None:
    """Update the action's channel card and the viewer's App Home."""
    _show_change(body, context, client, completed=False)


def after_outcome(body: dict, context: BoltContext, client: WebClient) -> None:
    """A completed action: its card, the message whose Done was clicked ("Done by … · Fri 27 Nov"), the
    outcome with its verdict in the current weekly review's thread, and the viewer's App Home."""
    _show_change(body, context, client, completed=True)


def _show_change(body: dict, context: BoltContext, client: WebClient, *, completed: bool) -> None:
    if "saved_action" not in context:
        return
    r = _request(body, context, client, None)
    try:
        with r.db.transaction() as session:
            action = get_action(session, workspace_id=r.workspace_id, action_id=context["saved_action"])
            change = current_change(session, action) if completed else None
        flows.refresh_card(r, action)
        if completed:
            if context.get("clicked") and change is not None:
                show_on_clicked(r, Clicked.from_reference(context["clicked"]), change)
            post_to_review(r, action.id)
    except Exception:  # noqa: BLE001 - the change is saved; delivery problems are logged
        log.exception("action change not shown in Slack")
    finally:
        _refresh_home(r)
        r.db.close()


def _refresh_home(r: Request) -> None:
    try:
        publish_home(r)
    except Exception:  # noqa: BLE001 - the change is saved; a stale home view is not worth an error
        log.warning("could not refresh App Home", exc_info=True)
