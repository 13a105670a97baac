"""The typed commands the `/metrics` grammar (`bot.slack.parse`) turns text into: plain frozen data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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
