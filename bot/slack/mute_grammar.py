"""The `/metrics mute` and `unmute` forms: what to mute (a metric or a configured rule, optionally one
segment), for how long (12h, 3d, 2w, `until <date>`) and why. Pure: no Slack, no SQL.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import date, timedelta

from bot.metrics.catalogue import UnknownMetricError, resolve_metric
from bot.slack.parsed import Mute, MuteTarget, Unmute
from bot.slack.syntax import (
    ID, MAX_LABEL, metric_error, parse_date, parse_id, parse_segment, said, suggest, usage_error,
)

# Mute durations: 12h, 3d, 2w (also "3days", "2 weeks").
_DURATION = re.compile(r"^([0-9]{1,3})(h|hrs?|hours?|d|days?|w|wks?|weeks?)$")
_DURATION_UNITS = ("h", "hour", "hours", "d", "day", "days", "w", "week", "weeks")


def parse_mute(args: list[str], *, today: date, rules: Sequence[tuple[str, str]]) -> Mute:
    """`mute <metric words|rule> [dim=value] [for] <duration | until <date>> [reason]`."""
    if not args or _DURATION.match(args[0].lower()) or args[0].lower() == "until":
        raise usage_error("mute_needs_target", "mute")
    at = _duration_at(args)
    if at is None:
        hint = next((said("not_a_duration", token=repr(t), hint=_duration_hint(t)) for t in args
                     if _duration_hint(t)), "")
        raise usage_error("how_long", "mute", hint=hint)
    index, width = at
    words = args[:index]
    if words and words[-1].lower() == "for":
        words = words[:-1]
    target = _mute_target(words, rules=rules, form="mute")
    duration = until = None
    if args[index].lower() == "until":
        if index + 1 >= len(args):
            raise usage_error("until_needs_date", "mute")
        until = parse_date(args[index + 1], today=today, form="mute")
        if until <= today:
            raise usage_error("until_after_today", "mute")
    else:
        duration = _duration(args[index:index + width])
        if duration > timedelta(days=91):
            raise usage_error("mute_too_long", "mute", duration=" ".join(args[index:index + width]))
        if duration < timedelta(hours=1):
            raise usage_error("mute_too_short", "mute")
    reason = " ".join(args[index + width:]).strip() or None
    if reason is not None and len(reason) > MAX_LABEL:
        raise usage_error("too_long", "mute", what="the reason", length=len(reason), limit=MAX_LABEL)
    return Mute(target, duration, until, reason)


def _duration_at(args: list[str]) -> tuple[int, int] | None:
    """(index, tokens) of the first duration (`3d`, `3 days`, `until <date>`); the metric comes before it."""
    for i, token in enumerate(args):
        low = token.lower()
        if i == 0:
            continue  # the first word always names the metric or rule
        if low == "until":
            return i, 2
        if _DURATION.match(low):
            return i, 1
        if ID.fullmatch(low) and i + 1 < len(args) and _DURATION.match(low + args[i + 1].lower()):
            return i, 2
    return None


def _duration(tokens: list[str]) -> timedelta:
    match = _DURATION.match("".join(tokens).lower())
    assert match is not None
    n, unit = int(match.group(1)), match.group(2)[0]
    return timedelta(hours=n) if unit == "h" else timedelta(days=n * (7 if unit == "w" else 1))


def _duration_hint(token: str) -> str:
    """`3dy` → `3d`: a number followed by something close to a unit."""
    match = re.fullmatch(r"([0-9]{1,3})([a-z]+)", token.lower())
    if not match or _DURATION.match(token.lower()):
        return ""
    close = difflib.get_close_matches(match.group(2), _DURATION_UNITS, n=1, cutoff=0.5)
    return f"{match.group(1)}{close[0][0]}" if close else ""


def _mute_target(words: list[str], *, rules: Sequence[tuple[str, str]], form: str) -> MuteTarget:
    dimension = segment = ""
    if words and "=" in words[-1]:
        dimension, segment = parse_segment(words[-1], form=form)
        words = words[:-1]
    if not words:
        raise usage_error("which_target", form)
    name = " ".join(words)
    for rule, metric in rules:
        if rule.lower() == name.lower():
            return MuteTarget(metric, rule, dimension, segment)
    try:
        return MuteTarget(resolve_metric(name).key, None, dimension, segment)
    except UnknownMetricError as exc:
        rule_hint = suggest(name, [r.lower() for r, _ in rules])
        if rule_hint:
            raise usage_error("no_metric_or_rule", form, name=repr(name), hint=rule_hint) from None
        raise metric_error(exc, form) from None


def parse_unmute(args: list[str], *, rules: Sequence[tuple[str, str]]) -> Unmute:
    if not args:
        raise usage_error("unmute_needs", "unmute")
    if len(args) == 1 and args[0].startswith("#"):
        number = parse_id(args[0][1:])
        if number is None:
            raise usage_error("not_mute_number", "unmute", token=repr(args[0]))
        return Unmute(mute_id=number)
    return Unmute(_mute_target(args, rules=rules, form="unmute"))
