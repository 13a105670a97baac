"""Block Kit checks for the fake Slack, as strict as Slack's own answers for what we send: a view
(`views.open`, `views.update`, `views.publish`) Slack would refuse is refused here with
`invalid_arguments`, a message's blocks (`chat.postMessage`, `chat.update`) with `invalid_blocks`, each
with a message naming the field, so a test fails where production would.

Limits from Slack's reference (docs.slack.dev/reference/views, /reference/block-kit): a view holds at
most 100 blocks; a modal's title, submit and close at most 24 characters; private_metadata 3,000;
callback_id, block_id and action_id 255, block ids unique in a view; a section has text (3,000) or
fields (at most 10, each 2,000); header 150; input label and hint 2,000; a button's text 75 and value
2,000; a confirm dialog's title 100, text 300, buttons 30; a select's options 100 (checkboxes' and
radio buttons' 10), each option's text 75 and value 150; actions elements 25; context elements 10; a
modal with input blocks needs a submit button; an input block holds one input element. views.publish
takes a home view for `user_id`, views.open a modal for a `trigger_id`, views.update a `view_id` or
`external_id`.
"""
from __future__ import annotations

from typing import Any

MAX_VIEW_BLOCKS = 100
INPUT_ELEMENTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "static_select",
                  "conversations_select", "channels_select", "users_select", "multi_static_select",
                  "multi_conversations_select", "multi_users_select", "multi_channels_select", "timepicker",
                  "datepicker", "datetimepicker", "checkboxes", "radio_buttons", "external_select"}


class ViewError(ValueError):
    pass


def _text(obj: Any, where: str, limit: int, *, plain: bool = False) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"]:
        raise ViewError(f"{where} must be a text object with text")
    if plain and obj.get("type") != "plain_text":
        raise ViewError(f"{where} must be plain_text")
    if len(obj["text"]) > limit:
        raise ViewError(f"{where} must be at most {limit} characters (is {len(obj['text'])})")


def _short(value: Any, where: str, limit: int) -> None:
    if value is not None and len(str(value)) > limit:
        raise ViewError(f"{where} must be at most {limit} characters")


def _option(option: dict, where: str) -> None:
    _text(option.get("text"), f"{where}.text", 75)
    _short(option.get("value"), f"{where}.value", 150)


def _element(element: dict, where: str) -> None:
    _short(element.get("action_id"), f"{where}.action_id", 255)
    kind = element.get("type")
    if kind == "button":
        _text(element.get("text"), f"{where}.text", 75, plain=True)
        _short(element.get("value"), f"{where}.value", 2000)
    options = element.get("options") or []
    most = 10 if kind in ("checkboxes", "radio_buttons") else 100
    if len(options) > most:
        raise ViewError(f"{where}.options must hold at most {most}")
    for index, option in enumerate([*options, *(element.get("initial_options") or [])]):
        _option(option, f"{where}.options[{index}]")
        if option not in options:
            raise ViewError(f"{where}.initial_options[{index}] must be one of options")
    if element.get("initial_option") is not None and element["initial_option"] not in options:
        raise ViewError(f"{where}.initial_option must be one of options")
    if "placeholder" in element:
        _text(element["placeholder"], f"{where}.placeholder", 150, plain=True)
    if confirm := element.get("confirm"):
        _text(confirm.get("title"), f"{where}.confirm.title", 100, plain=True)
        _text(confirm.get("text"), f"{where}.confirm.text", 300)
        _text(confirm.get("confirm"), f"{where}.confirm.confirm", 30, plain=True)
        _text(confirm.get("deny"), f"{where}.confirm.deny", 30, plain=True)


def _block(block: dict, where: str) -> None:
    kind = block.get("type")
    if kind == "section":
        if "text" not in block and not block.get("fields"):
            raise ViewError(f"{where} must have text or fields")
        if "text" in block:
            _text(block["text"], f"{where}.text", 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            raise ViewError(f"{where}.fields must hold at most 10")
        for index, item in enumerate(fields):
            _text(item, f"{where}.fields[{index}]", 2000)
        if "accessory" in block:
            _element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        _text(block.get("text"), f"{where}.text", 150, plain=True)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            raise ViewError(f"{where}.elements must hold 1 to 25")
        ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(ids) != len(set(ids)):
            raise ViewError(f"{where}: action_id must be unique in a block")
        for index, element in enumerate(elements):
            _element(element, f"{where}.elements[{index}]")
    elif kind == "context":
        if not 1 <= len(block.get("elements") or []) <= 10:
            raise ViewError(f"{where}.elements must hold 1 to 10")
    elif kind == "input":
        _text(block.get("label"), f"{where}.label", 2000, plain=True)
        if "hint" in block:
            _text(block["hint"], f"{where}.hint", 2000, plain=True)
        element = block.get("element") or {}
        if element.get("type") not in INPUT_ELEMENTS:
            raise ViewError(f"{where}.element: {element.get('type')!r} is not an input element")
        _element(element, f"{where}.element")
    elif kind not in ("divider", "image", "rich_text"):
        raise ViewError(f"{where}: unknown block type {kind!r}")


def check_view(view: Any, surface: str | None = None) -> None:
    """Raise `ViewError` naming the first field Slack would refuse; `surface` the type the method takes
    (views.publish: home; views.open: modal)."""
    if not isinstance(view, dict) or view.get("type") not in ((surface,) if surface else ("modal", "home")):
        raise ViewError(f"view.type must be {surface or 'modal or home'}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or len(blocks) > MAX_VIEW_BLOCKS:
        raise ViewError(f"view.blocks must be a list of at most {MAX_VIEW_BLOCKS}")
    if view["type"] == "modal":
        _text(view.get("title"), "view.title", 24, plain=True)
        for button in ("submit", "close"):
            if button in view:
                _text(view[button], f"view.{button}", 24, plain=True)
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            raise ViewError("view.submit is required when the view has input blocks")
    _short(view.get("private_metadata"), "view.private_metadata", 3000)
    _short(view.get("callback_id"), "view.callback_id", 255)
    check_blocks(blocks, "view.blocks")


def check_blocks(blocks: list[Any], where: str = "blocks") -> None:
    """A message's (or a view's) blocks: each within its type's limits, block ids short and unique."""
    block_ids = [b["block_id"] for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        raise ViewError(f"{where}: block_id must be unique")
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            raise ViewError(f"{where}[{index}] must be an object")
        _short(block.get("block_id"), f"{where}[{index}].block_id", 255)
        _block(block, f"{where}[{index}]")


def blocks_refusal(blocks: Any) -> dict[str, Any] | None:
    """Slack's answer to a message (chat.postMessage, chat.update) whose blocks it refuses, or None."""
    try:
        check_blocks(blocks if isinstance(blocks, list) else [blocks])
    except ViewError as error:
        return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": [f"[ERROR] {error}"]}}
    return None


def view_refusal(view: Any, surface: str | None = None) -> dict[str, Any] | None:
    """Slack's answer to a view it refuses, or None."""
    try:
        check_view(view, surface)
    except ViewError as error:
        return invalid_arguments(str(error))
    return None


def invalid_arguments(problem: str) -> dict[str, Any]:
    """Slack's `invalid_arguments` answer naming what is wrong."""
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"[ERROR] {problem}"]}}
