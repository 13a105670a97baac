"""Jinja2 templates → Block Kit JSON, escaped for mrkdwn and checked against Slack's limits.

Templates in `templates/*.json.j2` emit JSON. Every `{{ value }}` passes through
`finalize`, which escapes `&`, `<`, `>` (Slack's only mrkdwn escapes, never HTML
entities) and JSON-encodes the result, so ticket or user text can neither
break the JSON nor ping `<!channel>`. Filters that build mentions, links or
dates return `Safe` strings that skip the escaping.

Data never pushes a message past Slack's limits: `clip` shortens one free-text value
(a subject, an organization name) by its rendered length, after escaping, and `fit`
shortens whatever a rendered message still has too much of (longest lines first, then
whole lines or blocks), saying what was left out. Nothing is cut mid-entity or mid-link.
"""
from __future__ import annotations

import importlib.resources
import json
import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jinja2

from bot.metrics import zone_names

# templates/ in the source tree, installed inside the package (see pyproject.toml).
TEMPLATES_PACKAGE = "bot._templates"
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_MESSAGE_TEXT = 40000
# Slack truncates or rejects very long messages; keep a whole message's text well under.
MAX_TOTAL_CHARS = 12000
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_TEXT = 3000
# The fallback text is what notifications show: Slack advises at most 4,000 characters.
MAX_FALLBACK_TEXT = 4000
# When lines must give way, none is cut shorter than this (a link and a date take ~90).
MIN_LINE = 120
ELLIPSIS = "…"


class BlockLimitError(ValueError):
    """A rendered message breaks a Block Kit limit (and cannot be split)."""


class Safe(str):
    """Text already safe for mrkdwn (built by a filter): not escaped again."""


def escape_mrkdwn(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: Any) -> str:
    # The result goes between JSON quotes in templates written as "{{ x }}": strip the outer quotes.
    if value is None:
        value = ""
    if isinstance(value, jinja2.utils.markupsafe.Markup):
        return str(value)  # |tojson output: raw JSON, already encoded
    if isinstance(value, Safe):
        return json.dumps(str(value))[1:-1]
    if isinstance(value, (dict, list)):
        raise TypeError("use the |tojson filter for structured values")
    return json.dumps(escape_mrkdwn(value))[1:-1]


def mention(user: str | None) -> Safe:
    """A user mention for a Slack id; an email or name is shown escaped, never as a mention."""
    if not user:
        return Safe("nobody")
    if user[:1] in ("U", "W") and user.isalnum() and user.isupper():
        return Safe(f"<@{user}>")
    return Safe(escape_mrkdwn(user))


def channel_link(channel: str | None) -> Safe:
    if channel and channel[:1] in ("C", "G") and channel.isalnum():
        return Safe(f"<#{channel}>")
    return Safe(escape_mrkdwn(channel or ""))


def link(url: str, label: Any) -> Safe:
    parsed = urllib.parse.urlsplit(str(url))
    if parsed.scheme not in ("http", "https"):
        return Safe(_escaped(label))
    safe_label = _escaped(label).replace("|", "¦")
    return Safe(f"<{escape_mrkdwn(url)}|{safe_label}>")


def slack_date(value: date | datetime, fmt: str = "{date_short}") -> Safe:
    """Slack renders this date in each reader's own timezone."""
    if isinstance(value, datetime):
        ts = int(value.timestamp())
        fallback = value.strftime("%Y-%m-%d %H:%M UTC")
    else:
        ts = int(datetime(value.year, value.month, value.day, 12).timestamp())
        fallback = value.isoformat()
    return Safe(f"<!date^{ts}^{fmt}|{fallback}>")


def _escaped(text: Any) -> str:
    return str(text) if isinstance(text, Safe) else escape_mrkdwn("" if text is None else text)


def bold(text: Any) -> Safe:
    escaped = _escaped(text).replace("*", "∗")
    return Safe(f"*{escaped}*") if escaped else Safe("")


def cut(text: str, limit: int, *, mrkdwn: bool = True) -> str:
    """Rendered text shortened to at most `limit` characters, ending in "…" when shortened.

    Never cuts inside an escape (`&lt;`) or, in mrkdwn, a `<…>` link, mention or date: those go whole.
    """
    if len(text) <= limit:
        return text
    head = text[:max(0, limit - len(ELLIPSIS))]
    amp = head.rfind("&", -4)  # `&amp;` is the longest escape
    if amp != -1 and ";" not in head[amp:] and text.startswith(("&amp;", "&lt;", "&gt;"), amp):
        head = head[:amp]
    opening = head.rfind("<")
    if mrkdwn and opening != -1 and ">" not in head[opening:]:
        head = head[:opening]
    return head.rstrip() + ELLIPSIS


def clip(value: Any, limit: int) -> Safe:
    """Filter: free text escaped, then shortened to `limit` rendered characters (`{{ t.subject|clip(150) }}`)."""
    return Safe(cut(_escaped(value), limit))


def number(value: Any) -> str:
    """Filter: a count with thousands separators, as every message prints one ('24,196'; `{{ total|number }}`)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _load_template(name: str) -> tuple[str, str, Any] | None:
    resource = importlib.resources.files(TEMPLATES_PACKAGE).joinpath(name)
    if not resource.is_file():
        return None  # Jinja2 raises TemplateNotFound
    # Templates ship with the package and never change while it runs: always up to date.
    return resource.read_text(encoding="utf-8"), str(resource), lambda: True


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_template),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        mention=mention, channel=channel_link, link=link, slack_date=slack_date, bold=bold, clip=clip, number=number,
        plain=lambda v: Safe("" if v is None else str(v)),
    )
    # `{{ x|tojson }}` emits a whole JSON value (no surrounding quotes in the template).
    env.filters["tojson"] = lambda v: jinja2.utils.markupsafe.Markup(json.dumps(v))
    env.globals["zone_names"] = zone_names  # a zone's words and mark, in one place (template zone_counts)
    return env


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    def builder_url(self) -> str:
        """A Block Kit Builder link that previews this message."""
        return "https://app.slack.com/block-kit-builder/#" + urllib.parse.quote(json.dumps({"blocks": self.blocks}))


def render(template: str, /, **context: Any) -> Message:
    """Render `templates/<template>.json.j2` to a validated message."""
    source = environment().get_template(f"{template}.json.j2").render(**context)
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise ValueError(f"template {template} produced invalid JSON: {exc}") from None
    message = fit(Message(text=data.get("text", ""), blocks=data.get("blocks", [])))
    validate(message)
    return message


def fit_text(text: str, limit: int) -> str:
    """Rendered text within `limit` characters, losing as little as it can.

    The longest lines give way first (each cut to a common length, so one long subject never
    costs the other lines); when even that is not enough, whole lines at the end are left out
    and a last line says how many.
    """
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    budget = limit - (len(lines) - 1)
    if len(lines) * MIN_LINE <= budget:
        low, high = MIN_LINE, max(len(line) for line in lines)
        while low < high:  # the largest common length at which every line fits
            middle = (low + high + 1) // 2
            if sum(min(len(line), middle) for line in lines) <= budget:
                low = middle
            else:
                high = middle - 1
        return "\n".join(cut(line, low) for line in lines)
    room = limit - len(_note("lines_left_out", len(lines))) - 1  # the note never gets longer than this
    kept: list[str] = []
    size = -1
    for line in lines:
        candidate = cut(line, MIN_LINE)
        if size + 1 + len(candidate) > room:
            break
        kept.append(candidate)
        size += 1 + len(candidate)
    return "\n".join([*kept, _note("lines_left_out", len(lines) - len(kept))])


def _note(kind: str, count: int) -> str:
    """A short note saying what a shortened message left out (its words live in templates/)."""
    notes = json.loads(environment().get_template("fit_notes.json.j2").render(count=count))
    return notes[kind]


def _fit_text_object(obj: dict[str, Any] | None, limit: int) -> None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        mrkdwn = obj.get("type") == "mrkdwn"
        obj["text"] = fit_text(obj["text"], limit) if mrkdwn else cut(obj["text"], limit, mrkdwn=False)


def _fit_block(block: dict[str, Any]) -> None:
    kind = block.get("type")
    if kind == "header":
        _fit_text_object(block.get("text"), MAX_HEADER_TEXT)
    elif kind == "section":
        _fit_text_object(block.get("text"), MAX_SECTION_TEXT)
        for field in block.get("fields") or []:
            _fit_text_object(field, MAX_FIELD_TEXT)
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            _fit_text_object(accessory.get("text"), MAX_BUTTON_TEXT)
    elif kind == "context":
        for element in block.get("elements") or []:
            _fit_text_object(element, MAX_CONTEXT_TEXT)
    elif kind == "actions":
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                _fit_text_object(element.get("text"), MAX_BUTTON_TEXT)


def fit(message: Message) -> Message:
    """The message shortened to Slack's limits wherever its data made it too long (see `fit_text`).

    Blocks past the 50-block limit or the total character budget are left out, with a last
    context block saying how many; `split` then spreads what is left over a thread.
    """
    blocks = json.loads(json.dumps(message.blocks))  # a deep copy: the caller's blocks stay as rendered
    for block in blocks:
        _fit_block(block)
    budget, used, kept = MAX_TOTAL_CHARS * 4 - 500, 0, []
    for index, block in enumerate(blocks):
        used += _block_text_length(block)
        if len(kept) >= MAX_BLOCKS - 1 and index < len(blocks) - 1 or used > budget:
            break
        kept.append(block)
    if len(kept) < len(blocks):
        left_out = _note("blocks_left_out", len(blocks) - len(kept))
        kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": left_out}]})
    return Message(text=cut(message.text, MAX_FALLBACK_TEXT), blocks=kept)


def _block_text_length(block: dict[str, Any]) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def validate(message: Message) -> None:
    """Raise BlockLimitError when a message breaks a Block Kit limit."""
    if not message.text:
        raise BlockLimitError("a message needs fallback text for notifications and screen readers")
    if len(message.text) > MAX_MESSAGE_TEXT:
        raise BlockLimitError(f"fallback text is {len(message.text)} characters (max {MAX_MESSAGE_TEXT})")
    if len(message.blocks) > MAX_BLOCKS:
        raise BlockLimitError(f"{len(message.blocks)} blocks (max {MAX_BLOCKS})")
    for index, block in enumerate(message.blocks):
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "header" and len(text) > MAX_HEADER_TEXT:
            raise BlockLimitError(f"block {index}: header is {len(text)} characters (max {MAX_HEADER_TEXT})")
        if kind == "section":
            if len(text) > MAX_SECTION_TEXT:
                raise BlockLimitError(f"block {index}: section text is {len(text)} characters (max {MAX_SECTION_TEXT})")
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS or any(len(f.get("text", "")) > MAX_FIELD_TEXT for f in fields):
                raise BlockLimitError(f"block {index}: too many or too long fields")
        if kind == "context" and len(block.get("elements", [])) > MAX_CONTEXT_ELEMENTS:
            raise BlockLimitError(f"block {index}: more than {MAX_CONTEXT_ELEMENTS} context elements")
    total = sum(_block_text_length(b) for b in message.blocks)
    if total > MAX_TOTAL_CHARS * 4:
        raise BlockLimitError(f"message is {total} characters of blocks: split it")


def split(message: Message, *, max_blocks: int = MAX_BLOCKS, max_chars: int = MAX_TOTAL_CHARS) -> list[Message]:
    """Split a long message into several (the first is the parent, the rest go in its thread).

    Splits only between blocks, never inside one, and keeps each part under
    both the block count and a character budget.
    """
    parts: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in message.blocks:
        length = _block_text_length(block)
        if parts[-1] and (len(parts[-1]) >= max_blocks or size + length > max_chars):
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += length
    messages = [Message(text=message.text if i == 0 else f"{message.text} (continued {i + 1}/{len(parts)})", blocks=p)
                for i, p in enumerate(parts)]
    for part in messages:
        validate(part)
    return messages
