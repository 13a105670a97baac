"""What every part of the config shares: `ConfigError`, the strict pydantic base, and the validators
for timezones, Slack ids and metric names."""
from __future__ import annotations

import difflib
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from bot.catalogue import UnknownMetricError, resolve_metric

DEFAULT_CONFIG = "signalroom.toml"
DIMENSIONS = ("source", "channel", "priority", "group", "product_area", "account_tier", "agent")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")  # a Slack user id (playbook owners, config check, Slack settings)


class ConfigError(Exception):
    """A configuration problem, printed as one line: `file: key: problem`."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}" if key else f"{file}: {problem}")


class _Model(BaseModel):
    # Unknown keys are typos until proven otherwise.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {value!r} (e.g. 'Europe/Berlin')") from None
    return value


def _channel(value: str | None) -> str | None:
    if value is not None and not _CHANNEL_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack channel id (like C0123456789; copy it from the channel's details)")
    return value


def _canonical_metric(name: str, key: str | None = None) -> str:
    """The canonical metric key for a key, label or alias (as `/metrics` accepts them), else an error
    with "did you mean" (naming `key`, or the field being validated)."""
    try:
        return resolve_metric(name).key
    except UnknownMetricError as exc:
        raise (ValueError(str(exc)) if key is None else _KeyedError(key, str(exc))) from None


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


class _KeyedError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem
