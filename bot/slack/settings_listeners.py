"""App Home set-up (issue 16.3): the buttons and modals of `settings_home`, wired by `register(app)`.

Buttons ack at once and work lazily: check the clicker may configure, one flow call
(`settings_flows`), then a modal, a DM or a refreshed Home. A modal's submission is checked and
saved inside its ack, so a problem (a rejected token, an unknown timezone) is shown on its field
(`response_action: errors`) and nothing is saved; someone who may not configure is refused the same
way, whatever the submission carries.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks import render
from bot.config import Settings
from bot.errors import UsageError
from bot.slack import settings_flows as flows
from bot.slack import settings_ids as ids
from bot.slack import settings_parse as parse
from bot.slack import settings_views as views
from bot.slack.request import Request, answer_user, replying

log = logging.getLogger(__name__)
MAX_ERROR = 150


def register(app: App) -> None:
    """Every settings button (the connect buttons by prefix: one per vendor) and modal."""
    ack_only = lambda ack: ack()  # noqa: E731
    actions: tuple[tuple[Any, Callable[..., None]], ...] = (
        (re.compile(f"^{ids.CONNECT}:"), on_connect), (ids.EDIT_CHANNELS, on_edit_channels),
        (ids.EDIT_RITUAL, on_edit_ritual), (ids.EDIT_OWNERS, on_edit_owners), (ids.EDIT_RULES, on_edit_rules),
        (ids.EDIT_ROUTES, on_edit_routes), (ids.SOURCE_TEST, on_source_test), (ids.SOURCE_REMOVE, on_source_remove),
        (ids.RITUAL_PAUSE, on_pause), (ids.RITUAL_RESUME, on_resume), (ids.RITUAL_PREVIEW, on_preview),
        (ids.EDIT_WORKSPACE, on_edit_workspace))
    for action, handler in actions:
        app.action(action)(ack=ack_only, lazy=[handler])
    for callback in ids.VIEWS:
        app.view(callback)(ack=ack_submission, lazy=[after_submission])


def _request(body: dict, context: BoltContext, client: WebClient) -> Request:
    return Request(context["services"], context["db"], context["workspace_id"], body["user"]["id"], None, client,
                   body.get("trigger_id"))


def _refusal():
    return render("settings_notice", kind="refused")


def _clicked(body: dict, context: BoltContext, respond, client: WebClient,
             work: Callable[[Request, Settings, str], None]) -> None:
    """A settings button: refuse someone who may not configure, else `work(r, settings, button value)`."""
    with replying(context, respond):
        r = _request(body, context, client)
        settings = r.settings
        if not flows.may_configure(r, settings):
            log.info("set-up click by %s refused: not an admin", r.user)
            answer_user(None, _refusal(), context)
            return
        work(r, settings, str(body["actions"][0].get("value") or ""))


def _opens(build: Callable[[Settings, str], dict[str, Any]]) -> Callable[..., None]:
    return _opens_with_request(lambda r, settings, value: build(settings, value))


def _opens_with_request(build: Callable[[Request, Settings, str], dict[str, Any]]) -> Callable[..., None]:
    """A button that opens a modal built from the workspace's settings."""
    def handler(body: dict, context: BoltContext, respond, client: WebClient) -> None:
        def work(r: Request, settings: Settings, value: str) -> None:
            try:
                view = build(r, settings, value)
            except KeyError:
                raise UsageError("this button is out of date: reopen App Home") from None
            r.services.notifier(r.client).open_view(r.trigger_id, view)

        _clicked(body, context, respond, client, work)
    return handler


on_connect = _opens(lambda settings, vendor: views.connect_view(vendor))
on_edit_channels = _opens(lambda settings, _: views.channels_view(settings))
on_edit_ritual = _opens(views.ritual_view)
on_edit_owners = _opens(lambda settings, _: views.owners_view(settings))
on_edit_rules = _opens_with_request(lambda r, settings, _: views.rules_view(flows.rule_rows(r, settings)))
on_edit_routes = _opens(lambda settings, _: views.routes_view(settings))
on_edit_workspace = _opens(lambda settings, _: views.workspace_view(settings))


def _then_home(act: Callable[[Request, str], Any]) -> Callable[..., None]:
    def handler(body: dict, context: BoltContext, respond, client: WebClient) -> None:
        def work(r: Request, settings: Settings, value: str) -> None:
            act(r, value)
            _refresh_home(r)

        _clicked(body, context, respond, client, work)
    return handler


def _ritual_key(value: str) -> str:
    from bot.rituals.registry import RITUALS

    if value not in RITUALS or RITUALS[value].config_table != value:
        raise UsageError("this button is out of date: reopen App Home")
    return value


on_source_remove = _then_home(flows.remove_helpdesk)
on_pause = _then_home(lambda r, key: flows.change(r, {f"rituals.{_ritual_key(key)}.enabled": False}))
on_resume = _then_home(lambda r, key: flows.change(r, {f"rituals.{_ritual_key(key)}.enabled": True}))


def on_preview(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    _clicked(body, context, respond, client, lambda r, settings, key: flows.preview_ritual(r, key))


def on_source_test(body: dict, context: BoltContext, respond, client: WebClient) -> None:
    def work(r: Request, settings: Settings, name: str) -> None:
        problem = flows.check_helpdesk(r, name)
        r.services.notifier(r.client).dm(r.user, render("settings_notice", kind="tested", name=name,
                                                        problem=problem))

    _clicked(body, context, respond, client, work)


def _refresh_home(r: Request) -> None:
    from bot.slack.home import publish_home

    try:
        publish_home(r)
    except Exception:  # noqa: BLE001 - the change is saved; a stale Home is not worth an error
        log.warning("could not refresh App Home", exc_info=True)


# -- modal submissions ------------------------------------------------------------------------------------

def _changes(r: Request, callback: str, view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    f = settings.file
    if callback == ids.CHANNELS_VIEW:
        return parse.channel_changes(view, f.slack)
    if callback == ids.RITUAL_VIEW:
        key = _ritual_key(view.get("private_metadata") or "")
        return parse.ritual_changes(view, key, getattr(f.rituals, key), daily=key == "reminders")
    if callback == ids.OWNERS_VIEW:
        return parse.owner_changes(view, f.playbooks)
    if callback == ids.RULES_VIEW:
        return parse.rule_changes(view, flows.rule_rows(r, settings))
    if callback == ids.WORKSPACE_VIEW:
        return parse.workspace_changes(view, f.timezone, f.metrics)
    return parse.route_changes(view, list(f.product_areas), f.routing)


def _first_block(view: dict[str, Any]) -> str:
    return next(iter((view.get("state") or {}).get("values") or {}), ids.SOURCE_NAME)


def _connect_error(message: str, *, tested: bool) -> tuple[str, str]:
    """The input a connection-test (`tested`) or service error belongs to, in the form's words (not the
    CLI's flags)."""
    if tested:  # the credentials refused (401, 403) or else the address (404, unreachable, not a helpdesk)
        refused = "HTTP 401" in message or "HTTP 403" in message
        block = ids.SOURCE_SECRET if refused else ids.SOURCE_URL
    elif "--email" in message:
        block = ids.SOURCE_EMAIL
    elif "--url" in message:
        block = ids.SOURCE_URL
    elif "source name" in message or "source named" in message:
        block = ids.SOURCE_NAME
    else:
        block = ids.SOURCE_SECRET
    words = message.replace("--url", "the address").replace("--email", "the email").split(" (see `")[0]
    return block, words.split("; remove it first")[0]


def _save(r: Request, callback: str, view: dict[str, Any], settings: Settings) -> None:
    from bot.workspaces.connections import ConnectionTestError

    if callback != ids.CONNECT_VIEW:
        flows.change(r, _changes(r, callback, view, settings))
        return
    form = parse.helpdesk_form(view.get("private_metadata") or "", view)
    try:
        flows.connect_helpdesk(r, form)
    except ConnectionTestError as error:
        raise parse.FieldError(*_connect_error(str(error), tested=True)) from None
    except parse.FieldError:
        raise
    except UsageError as error:
        raise parse.FieldError(*_connect_error(str(error), tested=False)) from None


def ack_submission(ack, body: dict, view: dict, context: BoltContext, client: WebClient) -> None:
    r = _request(body, context, client)
    callback = view.get("callback_id", "")
    settings = r.settings
    if not flows.may_configure(r, settings):
        log.info("set-up submission by %s refused: not an admin", r.user)
        return ack(response_action="errors", errors={_first_block(view): _refusal().text[:MAX_ERROR]})
    try:
        _save(r, callback, view, settings)
    except parse.FieldError as error:
        return ack(response_action="errors", errors={error.block: error.problem[:MAX_ERROR]})
    except UsageError as error:  # the settings refused a value: shown on the form's first input
        return ack(response_action="errors", errors={_first_block(view): str(error)[:MAX_ERROR]})
    context["settings_saved"] = True
    ack()


def after_submission(body: dict, context: BoltContext, client: WebClient) -> None:
    if not context.get("settings_saved"):
        return
    r = _request(body, context, client)
    try:
        _refresh_home(r)
    finally:
        r.db.close()
