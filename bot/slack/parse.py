"""The `/metrics` grammar: slash-command text → one typed command. Pure: no Slack, no SQL.

Every malformed input raises one `UsageError` whose message says what was wrong
and shows the correct form; typos get a "did you mean" suggestion. Dates are
resolved against an explicit `today` (the team's local date).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UsageError
from bot.metrics.catalogue import CATALOGUE, UnknownMetricError, resolve_metric

DIMENSIONS = ("source", "channel", "priority", "group", "product_area", "account_tier", "agent")
DIMENSION_ALIASES = {
    "area": "product_area", "product": "product_area", "product area": "product_area", "productarea": "product_area",
    "tier": "account_tier", "account": "account_tier", "account tier": "account_tier", "accounttier": "account_tier",
    "assignee": "agent", "agents": "agent", "team": "group", "groups": "group", "channels": "channel",
    "sources": "source", "priorities": "priority",
}
WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
CHART_WORDS = ("chart", "charts", "graph", "plot")
CHART_DAYS = 84  # a chart's default window: 12 weeks
SNOOZES = {"1d": 1, "1w": 7}
ANNOTATION_KINDS = ("release", "incident", "holiday")
OUTCOME_WORDS = {"improved": "improved", "no_change": "no_change", "nochange": "no_change", "worse": "worse"}
ACTION_SCOPES = ("mine", "open", "all")
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
SUBCOMMANDS = ("help", "actions", "action", "snooze", "log", "annotate", "mute", "unmute", "mutes")
ACTION_VERBS = ("add", "done", "update", "carry", "close", "snooze")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RELATIVE = re.compile(r"^\+?([0-9]{1,3})([dw])$")
# ASCII digits only: str.isdigit() and \d also accept '²', '①' or '٣', which int() refuses or misreads.
_ID = re.compile(r"[0-9]{1,12}")
# Mute durations: 12h, 3d, 2w (also "3days", "2 weeks").
_DURATION = re.compile(r"^([0-9]{1,3})(h|hrs?|hours?|d|days?|w|wks?|weeks?)$")
_DURATION_UNITS = ("h", "hour", "hours", "d", "day", "days", "w", "week", "weeks")


@dataclass(frozen=True)
class Scorecard:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class MetricView:
    metric: str
    by: str | None = None
    days: int = 30
    chart: bool = False  # `chart`: the trend chart, shared in the channel (12 weeks unless a window is given)


@dataclass(frozen=True)
class ListActions:
    scope: str = "mine"


@dataclass(frozen=True)
class AddAction:
    """`complete` is False when something is missing: the handler opens the modal, prefilled."""

    metric: str | None = None
    owner: str | None = None
    due_on: date | None = None
    description: str | None = None
    dimension: str = ""
    segment: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.metric and self.owner and self.due_on and self.description)


@dataclass(frozen=True)
class DoneAction:
    action_id: int
    outcome: str | None = None
    outcome_class: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.outcome)


@dataclass(frozen=True)
class UpdateAction:
    action_id: int
    note: str | None = None
    due_on: date | None = None
    owner: str | None = None


@dataclass(frozen=True)
class CarryAction:
    action_id: int
    due_on: date | None = None


@dataclass(frozen=True)
class CloseAction:
    action_id: int
    reason: str | None = None


@dataclass(frozen=True)
class SnoozeAction:
    action_id: int
    days: int


@dataclass(frozen=True)
class Log:
    metric: str | None = None


@dataclass(frozen=True)
class Annotate:
    day: date
    kind: str
    label: str


@dataclass(frozen=True)
class MuteTarget:
    """A metric (`metric`) or a configured rule (`rule`, with the metric it watches); optionally one segment."""

    metric: str
    rule: str | None = None
    dimension: str = ""
    segment: str = ""


@dataclass(frozen=True)
class Mute:
    target: MuteTarget
    duration: timedelta | None = None  # or
    until: date | None = None  # the start of that day, in the team's timezone
    reason: str | None = None


@dataclass(frozen=True)
class Unmute:
    target: MuteTarget | None = None
    mute_id: int | None = None


@dataclass(frozen=True)
class ListMutes:
    pass


Command = (Scorecard | Help | MetricView | ListActions | AddAction | DoneAction | UpdateAction | CarryAction
           | CloseAction | SnoozeAction | Log | Annotate | Mute | Unmute | ListMutes)


def usage_error(problem: str, form: str) -> UsageError:
    return UsageError(f"{problem}. Use: `{USAGE[form]}`")


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.5)
    return f" (did you mean `{close[0]}`?)" if close else ""


def parse(text: str, *, today: date, rules: Sequence[tuple[str, str]] = ()) -> Command:
    """Parse the text after `/metrics`. `rules`: the configured rules as (name, metric), which `mute` may name."""
    if len(text) > MAX_TEXT + 500:
        raise UsageError(f"that is {len(text)} characters; keep a command under {MAX_TEXT + 500}")
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
        return Log(_metric(" ".join(rest), "log") if rest else None)
    if head == "annotate":
        return _annotate(rest, today=today)
    if head == "mute":
        return _mute(rest, today=today, rules=rules)
    if head == "unmute":
        return _unmute(rest, rules=rules)
    if head == "mutes":
        if rest:
            raise usage_error("`mutes` lists what is muted and takes nothing after it; to mute, use `mute`", "mute")
        return ListMutes()
    try:
        return _metric_view(tokens)
    except UsageError:
        close = difflib.get_close_matches(head, ("mute", "unmute", "mutes"), n=1, cutoff=0.75)
        if close and len(tokens) > 1:  # "mtue volume 3d": a typo of the command, not of a metric
            raise UsageError(f"unknown command {tokens[0]!r} (did you mean `{close[0]}`?). "
                             f"Use: `{USAGE[close[0]]}`") from None
        raise


def _actions(rest: list[str]) -> ListActions:
    if not rest:
        return ListActions()
    if len(rest) > 1 or rest[0].lower() not in ACTION_SCOPES:
        raise usage_error(f"unknown list {' '.join(rest)!r}{_suggest(rest[0], ACTION_SCOPES)}", "actions")
    return ListActions(rest[0].lower())


def _action(rest: list[str], *, today: date) -> Command:
    if not rest:
        raise usage_error("`action` needs a verb: add, done, update, carry, close or snooze", "add")
    verb, args = rest[0].lower(), rest[1:]
    if verb == "add":
        return _add(args, today=today)
    if verb == "snooze":
        return _snooze(args)
    if verb not in ACTION_VERBS:
        raise usage_error(f"unknown action verb {verb!r}{_suggest(verb, ACTION_VERBS)}", "add")
    action_id = _action_id(args, verb)
    args = args[1:]
    if verb == "done":
        outcome_class = None
        if args:
            word = args[0].lower().rstrip(":,")
            if word == "no" and len(args) > 1 and args[1].lower().rstrip(":,") == "change":
                outcome_class, args = "no_change", args[2:]
            elif word in OUTCOME_WORDS:
                outcome_class, args = OUTCOME_WORDS[word], args[1:]
        outcome = _text(args, "done", what="the outcome") if args else None
        return DoneAction(action_id, outcome, outcome_class)
    if verb == "update":
        due_on = owner = None
        while len(args) >= 2 and args[0].lower() in ("due", "owner"):
            if args[0].lower() == "due":
                due_on = parse_date(args[1], today=today, form="update")
            else:
                owner = _owner(args[1], "update")
            args = args[2:]
        note = _text(args, "update", what="the note") if args else None
        if note is None and due_on is None and owner is None:
            raise usage_error("say what changed: a note, a new due date or a new owner", "update")
        return UpdateAction(action_id, note, due_on, owner)
    if verb == "carry":
        due_on = None
        if args:
            if args[0].lower() != "due" or len(args) != 2:
                raise usage_error("after the id, only `due <date>` may follow", "carry")
            due_on = parse_date(args[1], today=today, form="carry")
        return CarryAction(action_id, due_on)
    return CloseAction(action_id, _text(args, "close", what="the reason") if args else None)


def _add(args: list[str], *, today: date) -> AddAction:
    """`add <metric words> [dim=value] @owner due <date> <text>`; whatever is missing goes to the modal."""
    owner_at = next((i for i, t in enumerate(args) if t.startswith("<@") or t.startswith("@")), None)
    metric_words = args if owner_at is None else args[:owner_at]
    dimension = segment = ""
    if metric_words and "=" in metric_words[-1]:
        dimension, segment = _segment(metric_words[-1])
        metric_words = metric_words[:-1]
    metric = _metric(" ".join(metric_words), "add") if metric_words else None
    if owner_at is None:
        return AddAction(metric, dimension=dimension, segment=segment)
    owner = _owner(args[owner_at], "add")
    tail = args[owner_at + 1:]
    due_on = None
    if tail and tail[0].lower() == "due":
        if len(tail) < 2:
            raise usage_error("`due` needs a date", "add")
        due_on = parse_date(tail[1], today=today, form="add")
        tail = tail[2:]
    description = _text(tail, "add", what="the description") if tail else None
    return AddAction(metric, owner, due_on, description, dimension, segment)


def _segment(token: str, *, form: str = "add") -> tuple[str, str]:
    dim, _, value = token.partition("=")
    dimension = parse_dimension(dim, form=form)
    if not value:
        raise usage_error(f"segment {token!r} needs a value, like product_area=billing", form)
    return dimension, value[:254]


def _snooze(args: list[str]) -> SnoozeAction:
    if len(args) != 2:
        raise usage_error("snooze needs an action id and a duration", "snooze")
    action_id = _action_id(args, "snooze")
    duration = args[1].lower()
    if duration not in SNOOZES:
        raise usage_error(f"unknown duration {args[1]!r}; snooze for 1d or 1w", "snooze")
    return SnoozeAction(action_id, SNOOZES[duration])


def _annotate(args: list[str], *, today: date) -> Annotate:
    if len(args) < 3:
        raise usage_error("annotate needs a date, a kind and a label", "annotate")
    day = parse_date(args[0], today=today, form="annotate", future_only=False)
    kind = args[1].lower()
    if kind not in ANNOTATION_KINDS:
        raise usage_error(f"unknown kind {args[1]!r}{_suggest(kind, ANNOTATION_KINDS)}", "annotate")
    label = " ".join(args[2:])
    if len(label) > MAX_LABEL:
        raise usage_error(f"the label is {len(label)} characters; keep it under {MAX_LABEL}", "annotate")
    return Annotate(day, kind, label)


def _mute(args: list[str], *, today: date, rules: Sequence[tuple[str, str]]) -> Mute:
    """`mute <metric words|rule> [dim=value] [for] <duration | until <date>> [reason]`."""
    if not args or _DURATION.match(args[0].lower()) or args[0].lower() == "until":
        raise usage_error("mute needs a metric or a rule, then how long", "mute")
    at = _duration_at(args)
    if at is None:
        hint = next((f" ({t!r} is not a duration; did you mean `{_duration_hint(t)}`?)" for t in args
                     if _duration_hint(t)), "")
        raise usage_error(f"how long? give a duration like 12h, 3d or 2w, or `until <date>`{hint}", "mute")
    index, width = at
    words = args[:index]
    if words and words[-1].lower() == "for":
        words = words[:-1]
    target = _mute_target(words, rules=rules, form="mute")
    duration = until = None
    if args[index].lower() == "until":
        if index + 1 >= len(args):
            raise usage_error("`until` needs a date (fri, tomorrow, 2026-12-01)", "mute")
        until = parse_date(args[index + 1], today=today, form="mute")
        if until <= today:
            raise usage_error("`until` needs a day after today (the mute ends when that day begins)", "mute")
    else:
        duration = _duration(args[index:index + width])
        if duration > timedelta(days=91):
            raise usage_error(f"{' '.join(args[index:index + width])} is too long; mute for at most 13w "
                              "(to stop a rule for good, change or remove it in signalroom.toml)", "mute")
        if duration < timedelta(hours=1):
            raise usage_error("mute for at least 1h", "mute")
    reason = " ".join(args[index + width:]).strip() or None
    if reason is not None and len(reason) > MAX_LABEL:
        raise usage_error(f"the reason is {len(reason)} characters; keep it under {MAX_LABEL}", "mute")
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
        if _ID.fullmatch(low) and i + 1 < len(args) and _DURATION.match(low + args[i + 1].lower()):
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
        dimension, segment = _segment(words[-1], form=form)
        words = words[:-1]
    if not words:
        raise usage_error("which metric or rule?", form)
    name = " ".join(words)
    for rule, metric in rules:
        if rule.lower() == name.lower():
            return MuteTarget(metric, rule, dimension, segment)
    try:
        return MuteTarget(resolve_metric(name).key, None, dimension, segment)
    except UnknownMetricError as exc:
        rule_hint = _suggest(name, [r.lower() for r, _ in rules])
        if rule_hint:
            raise usage_error(f"no metric or rule named {name!r}{rule_hint}", form) from None
        raise usage_error(_metric_problem(exc), form) from None


def _unmute(args: list[str], *, rules: Sequence[tuple[str, str]]) -> Unmute:
    if not args:
        raise usage_error("unmute needs a metric, a rule or a mute number from `/metrics mutes`", "unmute")
    if len(args) == 1 and args[0].startswith("#"):
        number = parse_id(args[0][1:])
        if number is None:
            raise usage_error(f"{args[0]!r} is not a mute number (like #3)", "unmute")
        return Unmute(mute_id=number)
    return Unmute(_mute_target(args, rules=rules, form="unmute"))


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
            raise usage_error(f"unknown window {token!r}; use 7d, 30d or 90d", "metric")
        elif low == "by":
            if index + 1 >= len(tokens):
                raise usage_error("`by` needs a dimension", "metric")
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
        raise usage_error("which metric?", "metric")
    name = " ".join(words)
    if chart and by:
        raise usage_error("a chart shows one series: drop `by …`", "metric")
    try:
        return MetricView(resolve_metric(name).key, by, days or (CHART_DAYS if chart else 30), chart)
    except UnknownMetricError as exc:
        chart_hint = _suggest(words[-1], CHART_WORDS[:1]) if len(words) > 1 else ""
        if chart_hint and _resolves(" ".join(words[:-1])):  # "csat chrat": a typo of `chart`, not of the metric
            raise usage_error(f"unknown word {words[-1]!r}{chart_hint}", "metric") from None
        command_hint = _suggest(words[0], SUBCOMMANDS) if len(words) == 1 else ""
        if command_hint:
            raise UsageError(f"unknown command {words[0]!r}{command_hint}. Try `{USAGE['help']}`") from None
        raise usage_error(_metric_problem(exc), "metric") from None


def _resolves(name: str) -> bool:
    try:
        resolve_metric(name)
    except UnknownMetricError:
        return False
    return True


def _metric(name: str, form: str) -> str:
    try:
        return resolve_metric(name).key
    except UnknownMetricError as exc:
        raise usage_error(_metric_problem(exc), form) from None


def _metric_problem(exc: UnknownMetricError) -> str:
    if exc.suggestions:
        return f"unknown metric {exc.name!r} (did you mean {', '.join(f'`{s}`' for s in exc.suggestions)}?)"
    return f"unknown metric {exc.name!r} (try {', '.join(list(CATALOGUE)[:4])}, … or `/metrics help`)"


def parse_dimension(word: str, *, form: str = "metric") -> str:
    low = word.lower()
    if low in DIMENSIONS:
        return low
    if low in DIMENSION_ALIASES:
        return DIMENSION_ALIASES[low]
    raise usage_error(
        f"unknown dimension {word!r}{_suggest(low, DIMENSIONS)}; use one of {', '.join(DIMENSIONS)}", form)


def _action_id(args: list[str], form: str) -> int:
    if not args:
        raise usage_error("which action? give its number", form)
    number = parse_id(args[0].lstrip("#"))
    if number is None:
        raise usage_error(f"{args[0]!r} is not an action number (like 12)", form)
    return number


def parse_id(raw: str) -> int | None:
    """A database id written in ASCII digits (at most 12), else None."""
    return int(raw) if _ID.fullmatch(raw) else None


def _owner(token: str, form: str) -> str:
    match = _MENTION.match(token)
    if not match:
        raise usage_error(f"{token!r} is not a Slack user: pick the owner from the @ menu so it becomes a mention", form)
    return match.group(1)


def _text(args: list[str], form: str, *, what: str) -> str:
    text = " ".join(args).strip()
    if len(text) > MAX_TEXT:
        raise usage_error(f"{what} is {len(text)} characters; keep it under {MAX_TEXT}", form)
    return text


def parse_date(token: str, *, today: date, form: str, future_only: bool = True) -> date:
    """YYYY-MM-DD, today, tomorrow, a weekday (the next one), or +Nd / Nw from today."""
    low = token.lower()
    if low == "today":
        return today
    if low == "tomorrow":
        return today + timedelta(days=1)
    if low[:3] in _WEEKDAYS and low in (_WEEKDAYS[_WEEKDAYS.index(low[:3])], _full_day(low[:3])):
        ahead = (_WEEKDAYS.index(low[:3]) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    relative = _RELATIVE.match(low)
    if relative:
        n = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        return today + timedelta(days=n)
    try:
        day = date.fromisoformat(token)
    except ValueError:
        raise usage_error(f"{token!r} is not a date", form) from None
    if future_only and day < today:
        raise usage_error(f"{token} is in the past", form)
    return day


def _full_day(prefix: str) -> str:
    return {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday",
            "sat": "saturday", "sun": "sunday"}[prefix]
