"""The `/metrics` grammar: slash-command text → one typed command (`bot.slack.parsed`). Pure: no Slack, no SQL.

Every malformed input raises one `UsageError` whose message says what was wrong
and shows the correct form; typos get a "did you mean" suggestion. Dates are
resolved against an explicit `today` (the team's local date). The words and values
(dimensions, dates, ids, owners, metrics) are parsed by `bot.slack.syntax`, the mute
forms by `bot.slack.mute_grammar`; this module keeps their public names importable.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import date

from bot.errors import UsageError
from bot.metrics.catalogue import UnknownMetricError, resolve_metric
from bot.slack.mute_grammar import parse_mute, parse_unmute
from bot.slack.parsed import (
    AddAction, Annotate, CarryAction, CloseAction, Command, DoneAction, Help, ListActions, ListMutes, Log, MetricView,
    Mute, MuteTarget, Scorecard, SnoozeAction, Unmute, UpdateAction,
)
from bot.slack.syntax import (
    DIMENSION_ALIASES, DIMENSIONS, MAX_LABEL, MAX_TEXT, USAGE, action_number, free_text, metric_error, metric_key,
    parse_date, parse_dimension, parse_id, parse_owner, parse_segment, resolves, said, suggest, usage_error,
)

__all__ = [
    "DIMENSIONS", "DIMENSION_ALIASES", "USAGE", "AddAction", "Annotate", "CarryAction", "CloseAction", "Command",
    "DoneAction", "Help", "ListActions", "ListMutes", "Log", "MetricView", "Mute", "MuteTarget", "Scorecard",
    "SnoozeAction", "Unmute", "UpdateAction", "parse", "parse_date", "parse_dimension", "parse_id", "usage_error",
]

WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
CHART_WORDS = ("chart", "charts", "graph", "plot")
CHART_DAYS = 84  # a chart's default window: 12 weeks
SNOOZES = {"1d": 1, "1w": 7}
ANNOTATION_KINDS = ("release", "incident", "holiday")
OUTCOME_WORDS = {"improved": "improved", "no_change": "no_change", "nochange": "no_change", "worse": "worse"}
ACTION_SCOPES = ("mine", "open", "all")
SUBCOMMANDS = ("help", "actions", "action", "snooze", "log", "annotate", "mute", "unmute", "mutes")
ACTION_VERBS = ("add", "done", "update", "carry", "close", "snooze")
# The subcommands read with the workspace's today (dates) or rules (`mute` may name one): only these need the
# workspace's settings to parse, so the `/metrics` ack reads them for these alone (`needs_workspace`).
WORKSPACE_SUBCOMMANDS = ("action", "annotate", "mute", "unmute")


def needs_workspace(text: str) -> bool:
    """Whether parsing `text` reads `today` or `rules`; when not, `parse` may be given `today=None`."""
    tokens = text.split()
    return bool(tokens) and tokens[0].lower() in WORKSPACE_SUBCOMMANDS


def parse(text: str, *, today: date | None, rules: Sequence[tuple[str, str]] = ()) -> Command:
    """Parse the text after `/metrics`. `rules`: the configured rules as (name, metric), which `mute` may name.
    `today` may be None for a text that does not `needs_workspace`."""
    if len(text) > MAX_TEXT + 500:
        raise UsageError(said("command_too_long", length=len(text), limit=MAX_TEXT + 500))
    tokens = text.split()
    if not tokens:
        return Scorecard()
    head, rest = tokens[0].lower(), tokens[1:]
    if head in ("help", "?", "-h", "--help"):
        return Help()
    if head == "actions":
        return _actions(rest)
    if head == "action":
        return _action(rest, today=today)
    if head == "snooze":
        return _snooze(rest)
    if head == "log":
        return Log(metric_key(" ".join(rest), "log") if rest else None)
    if head == "annotate":
        return _annotate(rest, today=today)
    if head == "mute":
        return parse_mute(rest, today=today, rules=rules)
    if head == "unmute":
        return parse_unmute(rest, rules=rules)
    if head == "mutes":
        if rest:
            raise usage_error("mutes_takes_nothing", "mute")
        return ListMutes()
    try:
        return _metric_view(tokens)
    except UsageError:
        close = difflib.get_close_matches(head, ("mute", "unmute", "mutes"), n=1, cutoff=0.75)
        if close and len(tokens) > 1:  # "mtue volume 3d": a typo of the command, not of a metric
            raise UsageError(said("unknown_command_typo", word=repr(tokens[0]), close=close[0],
                                  usage=USAGE[close[0]])) from None
        raise


def _actions(rest: list[str]) -> ListActions:
    if not rest:
        return ListActions()
    if len(rest) > 1 or rest[0].lower() not in ACTION_SCOPES:
        raise usage_error("unknown_list", "actions", words=repr(" ".join(rest)), hint=suggest(rest[0], ACTION_SCOPES))
    return ListActions(rest[0].lower())


def _action(rest: list[str], *, today: date) -> Command:
    if not rest:
        raise usage_error("action_needs_verb", "add")
    verb, args = rest[0].lower(), rest[1:]
    if verb == "add":
        return _add(args, today=today)
    if verb == "snooze":
        return _snooze(args)
    if verb not in ACTION_VERBS:
        raise usage_error("unknown_verb", "add", verb=repr(verb), hint=suggest(verb, ACTION_VERBS))
    action_id = action_number(args, verb)
    args = args[1:]
    if verb == "done":
        outcome_class = None
        if args:
            word = args[0].lower().rstrip(":,")
            if word == "no" and len(args) > 1 and args[1].lower().rstrip(":,") == "change":
                outcome_class, args = "no_change", args[2:]
            elif word in OUTCOME_WORDS:
                outcome_class, args = OUTCOME_WORDS[word], args[1:]
        outcome = free_text(args, "done", what="the outcome") if args else None
        return DoneAction(action_id, outcome, outcome_class)
    if verb == "update":
        due_on = owner = None
        while len(args) >= 2 and args[0].lower() in ("due", "owner"):
            if args[0].lower() == "due":
                due_on = parse_date(args[1], today=today, form="update")
            else:
                owner = parse_owner(args[1], "update")
            args = args[2:]
        note = free_text(args, "update", what="the note") if args else None
        if note is None and due_on is None and owner is None:
            raise usage_error("say_what_changed", "update")
        return UpdateAction(action_id, note, due_on, owner)
    if verb == "carry":
        due_on = None
        if args:
            if args[0].lower() != "due" or len(args) != 2:
                raise usage_error("carry_only_due", "carry")
            due_on = parse_date(args[1], today=today, form="carry")
        return CarryAction(action_id, due_on)
    return CloseAction(action_id, free_text(args, "close", what="the reason") if args else None)


def _add(args: list[str], *, today: date) -> AddAction:
    """`add <metric words> [dim=value] @owner due <date> <text>`; whatever is missing goes to the modal."""
    owner_at = next((i for i, t in enumerate(args) if t.startswith("<@") or t.startswith("@")), None)
    metric_words = args if owner_at is None else args[:owner_at]
    dimension = segment = ""
    if metric_words and "=" in metric_words[-1]:
        dimension, segment = parse_segment(metric_words[-1])
        metric_words = metric_words[:-1]
    metric = metric_key(" ".join(metric_words), "add") if metric_words else None
    if owner_at is None:
        return AddAction(metric, dimension=dimension, segment=segment)
    owner = parse_owner(args[owner_at], "add")
    tail = args[owner_at + 1:]
    due_on = None
    if tail and tail[0].lower() == "due":
        if len(tail) < 2:
            raise usage_error("due_needs_date", "add")
        due_on = parse_date(tail[1], today=today, form="add")
        tail = tail[2:]
    description = free_text(tail, "add", what="the description") if tail else None
    return AddAction(metric, owner, due_on, description, dimension, segment)


def _snooze(args: list[str]) -> SnoozeAction:
    if len(args) != 2:
        raise usage_error("snooze_needs", "snooze")
    action_id = action_number(args, "snooze")
    duration = args[1].lower()
    if duration not in SNOOZES:
        raise usage_error("unknown_snooze", "snooze", word=repr(args[1]))
    return SnoozeAction(action_id, SNOOZES[duration])


def _annotate(args: list[str], *, today: date) -> Annotate:
    if len(args) < 3:
        raise usage_error("annotate_needs", "annotate")
    day = parse_date(args[0], today=today, form="annotate", future_only=False)
    kind = args[1].lower()
    if kind not in ANNOTATION_KINDS:
        raise usage_error("unknown_kind", "annotate", word=repr(args[1]), hint=suggest(kind, ANNOTATION_KINDS))
    label = " ".join(args[2:])
    if len(label) > MAX_LABEL:
        raise usage_error("too_long", "annotate", what="the label", length=len(label), limit=MAX_LABEL)
    return Annotate(day, kind, label)


def _metric_view(tokens: list[str]) -> MetricView:
    words: list[str] = []
    by = None
    days = None
    chart = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        low = token.lower()
        if low in WINDOWS:
            days = WINDOWS[low]
        elif low in CHART_WORDS and index > 0:
            chart = True
        elif re.fullmatch(r"[0-9]+d", low):
            raise usage_error("unknown_window", "metric", word=repr(token))
        elif low == "by":
            if index + 1 >= len(tokens):
                raise usage_error("by_needs_dimension", "metric")
            # Dimensions may be two words ("product area").
            two = " ".join(tokens[index + 1:index + 3]).lower()
            if two in DIMENSION_ALIASES:
                by, index = DIMENSION_ALIASES[two], index + 2
            else:
                by, index = parse_dimension(tokens[index + 1], form="metric"), index + 1
        else:
            words.append(token)
        index += 1
    if not words:
        raise usage_error("which_metric", "metric")
    name = " ".join(words)
    if chart and by:
        raise usage_error("chart_one_series", "metric")
    try:
        return MetricView(resolve_metric(name).key, by, days or (CHART_DAYS if chart else 30), chart)
    except UnknownMetricError as exc:
        chart_hint = suggest(words[-1], CHART_WORDS[:1]) if len(words) > 1 else ""
        if chart_hint and resolves(" ".join(words[:-1])):  # "csat chrat": a typo of `chart`, not of the metric
            raise usage_error("unknown_word", "metric", word=repr(words[-1]), hint=chart_hint) from None
        command_hint = suggest(words[0], SUBCOMMANDS) if len(words) == 1 else ""
        if command_hint:
            raise UsageError(said("unknown_command", word=repr(words[0]), hint=command_hint,
                                  help=USAGE["help"])) from None
        raise metric_error(exc, "metric") from None
