"""Reading the settings modals' submissions (pure): view state → a helpdesk's fields, or the changed
settings as dotted keys of `signalroom.toml` (`slack.review_channel`, `rituals.weekly_review.time`,
`playbooks.<name>.owner`, `rules.<name>.enabled`, `routing.<area>`) for `change_settings`.

Only values that differ from the workspace's current settings become changes, so saving an untouched
form writes nothing. A problem raises `FieldError` naming the input it belongs to: the modal shows it
there (`response_action: errors`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.config.base import USER_ID
from bot.credentials import Secret
from bot.errors import UsageError
from bot.metrics.zone_names import BAD
from bot.slack import settings_ids as ids
from bot.weekdays import KEYS as WEEKDAY_KEYS

VENDORS = ("zendesk", "freshdesk", "intercom")
ZONES = BAD  # the zones a rule can fire at
MAX_KEY = 128  # the longest settings key (bot/workspaces/overrides.key_path, settings_changes.key)
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")


class FieldError(UsageError):
    """A problem with one input of a modal (`block`)."""

    def __init__(self, block: str, problem: str) -> None:
        super().__init__(problem)
        self.block, self.problem = block, problem


@dataclass(frozen=True)
class HelpdeskForm:
    vendor: str
    name: str
    url: str | None
    email: str | None
    secret: Secret


def is_user(text: str | None) -> bool:
    """A Slack user id (a playbook owner may also be an email, which a user picker cannot show)."""
    return bool(text and USER_ID.match(text))


def present(view: dict[str, Any], block: str) -> bool:
    """Whether the form had this input (a list cut to fit a modal leaves the rest untouched)."""
    return block in ((view.get("state") or {}).get("values") or {})


def value(view: dict[str, Any], block: str) -> Any:
    """The value of the input in `block` (its one element), whatever its type; None when empty."""
    element = ((view.get("state") or {}).get("values") or {}).get(block, {}).get(ids.INPUT) or {}
    for key in ("value", "selected_conversation", "selected_user", "selected_time"):
        if element.get(key) not in (None, ""):
            return element[key].strip() if isinstance(element[key], str) else element[key]
    if "selected_options" in element:
        return [option.get("value") for option in element["selected_options"] or []]
    option = element.get("selected_option")
    return option.get("value") if option else None


def helpdesk_form(vendor: str, view: dict[str, Any]) -> HelpdeskForm:
    """The fields the vendor needs: Zendesk address, agent email and API token; Freshdesk address and API
    key; Intercom access token (and a regional address, optional)."""
    if vendor not in VENDORS:
        raise FieldError(ids.SOURCE_NAME, "this form lost its helpdesk type; open it again from App Home")
    name = value(view, ids.SOURCE_NAME) or vendor
    secret = value(view, ids.SOURCE_SECRET)
    if not secret:
        raise FieldError(ids.SOURCE_SECRET, "paste the API token" if vendor != "freshdesk" else "paste the API key")
    email = value(view, ids.SOURCE_EMAIL) if vendor == "zendesk" else None
    if vendor == "zendesk" and not email:
        raise FieldError(ids.SOURCE_EMAIL, "the email of the agent the API token belongs to")
    return HelpdeskForm(vendor, name, account_url(vendor, value(view, ids.SOURCE_URL)), email, Secret(secret))


def account_url(vendor: str, given: str | None) -> str | None:
    """`acme` → https://acme.zendesk.com (or .freshdesk.com); a host → https://host; a URL as given."""
    if not given:
        if vendor == "intercom":
            return None  # the default host
        raise FieldError(ids.SOURCE_URL, f"the account's address, e.g. acme.{vendor}.com")
    if "://" in given:
        return given.rstrip("/")
    if not _HOST.match(given):
        raise FieldError(ids.SOURCE_URL, f"{given[:60]!r} is not an address: write acme.{vendor}.com")
    return f"https://{given}" if "." in given else f"https://{given}.{vendor}.com"


def _differs(changes: dict[str, Any], key: str, new: Any, old: Any, block: str | None = None) -> None:
    if new != old:
        if len(key) > MAX_KEY:  # a name that long is left to the config file
            raise FieldError(block or ids.INPUT, f"this name is too long to change from Slack (a settings key holds "
                                                 f"{MAX_KEY} characters): change it in the config file")
        changes[key] = new


def channel_changes(view: dict[str, Any], slack: Any) -> dict[str, Any]:
    """The [slack] channels picked with the conversation pickers (a cleared picker unsets one)."""
    changes: dict[str, Any] = {}
    for key in (k for k in ids.CHANNEL_KEYS if present(view, k)):
        picked = value(view, key)
        if picked is not None and not _CHANNEL.match(str(picked)):
            raise FieldError(key, "pick a channel from the list")
        _differs(changes, f"slack.{key}", picked, getattr(slack, key))
    return changes


def ritual_changes(view: dict[str, Any], key: str, ritual: Any, *, daily: bool) -> dict[str, Any]:
    """Day (not for a daily ritual), time and timezone of `rituals.<key>`; an empty timezone means the
    workspace's own."""
    changes: dict[str, Any] = {}
    if not daily:
        day = value(view, ids.RITUAL_DAY)
        if day is not None and day not in WEEKDAY_KEYS:
            raise FieldError(ids.RITUAL_DAY, "pick a day from the list")
        _differs(changes, f"rituals.{key}.day", day, ritual.day)
    picked = value(view, ids.RITUAL_TIME)
    try:
        at = time.fromisoformat(picked) if picked else ritual.time
    except ValueError:
        raise FieldError(ids.RITUAL_TIME, "pick a time like 09:30") from None
    if at != ritual.time:
        changes[f"rituals.{key}.time"] = at.strftime("%H:%M")
    _differs(changes, f"rituals.{key}.timezone", _timezone(view, ids.RITUAL_TIMEZONE), ritual.timezone)
    return changes


def _timezone(view: dict[str, Any], block: str) -> str | None:
    """The IANA timezone name written in `block` (None when empty)."""
    from bot.workspaces.service import check_timezone

    zone = value(view, block)
    if zone:
        try:
            check_timezone(zone)
        except UsageError as error:
            raise FieldError(block, str(error)) from None
    return zone


def owner_changes(view: dict[str, Any], playbooks: dict[str, Any]) -> dict[str, Any]:
    """`playbooks.<name>.owner` from the user pickers; a playbook left unpicked keeps its owner."""
    changes: dict[str, Any] = {}
    for name, playbook in playbooks.items():
        block = ids.OWNER + ids.item(name)
        picked = value(view, block)
        if picked is None:
            continue
        if not is_user(str(picked)):
            raise FieldError(block, "pick a person from the list")
        _differs(changes, f"playbooks.{name}.owner", picked, playbook.owner, block)
    return changes


def rule_changes(view: dict[str, Any], rules: list[Any]) -> dict[str, Any]:
    """Per rule (`settings_flows.RuleRow`): on/off (`rules.<name>.enabled`), the zone that fires it and the days it must hold."""
    changes: dict[str, Any] = {}
    for rule in (r for r in rules if present(view, ids.RULE_ENABLED + ids.item(r.name))):
        key = ids.item(rule.name)
        enabled = "on" in (value(view, ids.RULE_ENABLED + key) or [])
        _differs(changes, f"rules.{rule.name}.enabled", enabled, rule.enabled)
        zone = value(view, ids.RULE_ZONE + key) or rule.zone
        if zone not in ZONES:
            raise FieldError(ids.RULE_ZONE + key, "pick watch or act now")
        _differs(changes, f"rules.{rule.name}.zone", zone, rule.zone)
        days = value(view, ids.RULE_DAYS + key)
        try:
            count = int(days) if days is not None else rule.days
        except ValueError:
            raise FieldError(ids.RULE_DAYS + key, "a whole number of days, 1 to 30") from None
        if not 1 <= count <= 30:
            raise FieldError(ids.RULE_DAYS + key, "a whole number of days, 1 to 30")
        _differs(changes, f"rules.{rule.name}.days", count, rule.days)
    return changes


def route_changes(view: dict[str, Any], areas: list[str], routing: tuple[Any, ...]) -> dict[str, Any]:
    """`routing.<area>`: the channel each product area's digest goes to; a cleared picker switches the
    area's route off (`routing.<area>.enabled = false`), whether the file or a change had set it."""
    current = {route.product_area: route.channel for route in routing}
    changes: dict[str, Any] = {}
    for area in (a for a in areas if present(view, ids.ROUTE + ids.item(a))):
        block = ids.ROUTE + ids.item(area)
        picked = value(view, block)
        if picked is not None and not _CHANNEL.match(str(picked)):
            raise FieldError(block, "pick a channel from the list")
        if picked is None and area in current:
            _differs(changes, f"routing.{area}.enabled", False, True, block)
        elif picked is not None:
            _differs(changes, f"routing.{area}", picked, current.get(area), block)
    return changes


def workspace_changes(view: dict[str, Any], timezone: str, metrics: Any) -> dict[str, Any]:
    """The workspace's own timezone (`timezone`: every ritual without its own, and "today") and the zone
    thresholds of every metric without its own (`metrics.watch`, `metrics.act_now`: how far from usual)."""
    changes: dict[str, Any] = {}
    zone = _timezone(view, ids.WORKSPACE_TIMEZONE)
    if zone:
        _differs(changes, "timezone", zone, timezone)
    watch = _threshold(view, ids.THRESHOLD_WATCH, metrics.watch)
    act_now = _threshold(view, ids.THRESHOLD_ACT_NOW, metrics.act_now)
    if act_now < watch:
        raise FieldError(ids.THRESHOLD_ACT_NOW, "act now must be at least watch")
    _differs(changes, "metrics.watch", watch, metrics.watch)
    _differs(changes, "metrics.act_now", act_now, metrics.act_now)
    return changes


def _threshold(view: dict[str, Any], block: str, current: float) -> float:
    given = value(view, block)
    try:
        number = float(given) if given is not None else current
    except ValueError:
        raise FieldError(block, "a number like 2 or 3.5") from None
    if not (math.isfinite(number) and number > 0):
        raise FieldError(block, "a number above 0, like 2 or 3.5")
    return number
