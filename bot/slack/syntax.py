"""The words and values of the `/metrics` grammar (`bot.slack.parse`): dimensions, dates, ids, owners,
metric names and free text, each parsed from one token (or a few) or refused with a `UsageError` that
shows the command's correct form (`USAGE`). Pure: no Slack, no SQL.
"""
from __future__ import annotations

import difflib
import re
from datetime import date, timedelta
from typing import Any

from bot.blocks import render
from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE, UnknownMetricError, resolve_metric
from bot import weekdays

DIMENSIONS = ("source", "channel", "priority", "group", "product_area", "account_tier", "agent")
DIMENSION_ALIASES = {
    "area": "product_area", "product": "product_area", "product area": "product_area", "productarea": "product_area",
    "tier": "account_tier", "account": "account_tier", "account tier": "account_tier", "accounttier": "account_tier",
    "assignee": "agent", "agents": "agent", "team": "group", "groups": "group", "channels": "channel",
    "sources": "source", "priorities": "priority",
}
MAX_TEXT = 2000
MAX_LABEL = 200

USAGE = {
    "scorecard": "/metrics",
    "metric": "/metrics <metric> [by <dimension>] [7d|30d|90d] [chart]",
    "actions": "/metrics actions [mine|open|all]",
    "add": "/metrics action add <metric> @owner due <YYYY-MM-DD|today|tomorrow|mon…sun|+Nd> <what will be done>",
    "done": "/metrics action done <id> [improved|no change|worse] <outcome>",
    "update": "/metrics action update <id> [due <date>] [owner @user] [note]",
    "carry": "/metrics action carry <id> [due <date>]",
    "close": "/metrics action close <id> [reason]",
    "snooze": "/metrics snooze <id> <1d|1w>",
    "log": "/metrics log [metric]",
    "annotate": "/metrics annotate <YYYY-MM-DD> <release|incident|holiday> <label>",
    "mute": "/metrics mute <metric|rule> [dimension=value] <12h|3d|2w|until <date>> [reason]",
    "unmute": "/metrics unmute <metric|rule|#id> [dimension=value]",
    "mutes": "/metrics mutes",
    "help": "/metrics help",
}
# A weekday as a due date: "mon" or "monday" (the next one) → its number, 0 = Monday.
_DAY_WORDS = {name.lower(): n for names in (weekdays.KEYS, weekdays.NAMES) for n, name in enumerate(names)}
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RELATIVE = re.compile(r"^\+?([0-9]{1,3})([dw])$")
# ASCII digits only: str.isdigit() and \d also accept '²', '①' or '٣', which int() refuses or misreads.
ID = re.compile(r"[0-9]{1,12}")


def said(part: str, /, **values: Any) -> str:
    """One sentence of templates/slack_usage.json.j2, bare (the error reply escapes it for mrkdwn)."""
    return render("slack_usage", part=part, v=values).text


def usage_error(part: str, form: str, /, **values: Any) -> UsageError:
    """The error for what is wrong (`part` of slack_usage, with `values`), showing the command's correct form."""
    return UsageError(said("use", problem=said(part, **values), usage=USAGE[form]))


def suggest(word: str, choices) -> str:
    """The hint ' (did you mean `x`?)' naming the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.5)
    return said("did_you_mean", word=close[0]) if close else ""


def parse_segment(token: str, *, form: str = "add") -> tuple[str, str]:
    dim, _, value = token.partition("=")
    dimension = parse_dimension(dim, form=form)
    if not value:
        raise usage_error("segment_needs_value", form, token=repr(token))
    return dimension, value[:254]


def resolves(name: str) -> bool:
    try:
        resolve_metric(name)
    except UnknownMetricError:
        return False
    return True


def metric_key(name: str, form: str) -> str:
    try:
        return resolve_metric(name).key
    except UnknownMetricError as exc:
        raise metric_error(exc, form) from None


def metric_error(exc: UnknownMetricError, form: str) -> UsageError:
    """An unknown metric's error (with the closest names, if any), showing the command's correct form."""
    return UsageError(said("use", problem=metric_problem(exc), usage=USAGE[form]))


def metric_problem(exc: UnknownMetricError) -> str:
    if exc.suggestions:
        return said("unknown_metric_close", name=repr(exc.name), choices=", ".join(f"`{s}`" for s in exc.suggestions))
    return said("unknown_metric", name=repr(exc.name), examples=", ".join(list(CATALOGUE)[:4]))


def parse_dimension(word: str, *, form: str = "metric") -> str:
    low = word.lower()
    if low in DIMENSIONS:
        return low
    if low in DIMENSION_ALIASES:
        return DIMENSION_ALIASES[low]
    raise usage_error("unknown_dimension", form, word=repr(word), hint=suggest(low, DIMENSIONS),
                      dimensions=", ".join(DIMENSIONS))


def action_number(args: list[str], form: str) -> int:
    if not args:
        raise usage_error("which_action", form)
    number = parse_id(args[0].lstrip("#"))
    if number is None:
        raise usage_error("not_action_number", form, token=repr(args[0]))
    return number


def parse_id(raw: str) -> int | None:
    """A database id written in ASCII digits (at most 12), else None."""
    return int(raw) if ID.fullmatch(raw) else None


def parse_owner(token: str, form: str) -> str:
    match = _MENTION.match(token)
    if not match:
        raise usage_error("not_a_user", form, token=repr(token))
    return match.group(1)


def free_text(args: list[str], form: str, *, what: str) -> str:
    text = " ".join(args).strip()
    if len(text) > MAX_TEXT:
        raise usage_error("too_long", form, what=what, length=len(text), limit=MAX_TEXT)
    return text


def parse_date(token: str, *, today: date, form: str, future_only: bool = True) -> date:
    """YYYY-MM-DD, today, tomorrow, a weekday (the next one), or +Nd / Nw from today."""
    low = token.lower()
    if low == "today":
        return today
    if low == "tomorrow":
        return today + timedelta(days=1)
    if low in _DAY_WORDS:
        ahead = (_DAY_WORDS[low] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    relative = _RELATIVE.match(low)
    if relative:
        n = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        return today + timedelta(days=n)
    try:
        day = date.fromisoformat(token)
    except ValueError:
        raise usage_error("not_a_date", form, token=repr(token)) from None
    if future_only and day < today:
        raise usage_error("in_the_past", form, token=token)
    return day
