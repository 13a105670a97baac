"""Settings for the metrics math: plain frozen dataclasses.

`bot.config` reads and checks `signalroom.toml` (errors name the key);
`bot.metrics.config_map.rollup_settings` maps that config onto these. Tests build
them directly.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from bot.metrics.business_hours import BusinessHours
from bot.metrics.zone_names import ACT_NOW, WATCH

@dataclass(frozen=True, slots=True)
class AbsoluteThreshold:
    """Explicit limits in the metric's unit; crossing one sets the zone regardless of bands."""

    watch_above: float | None = None
    act_now_above: float | None = None
    watch_below: float | None = None
    act_now_below: float | None = None

    def zone_for(self, value: float) -> str | None:
        if self.act_now_above is not None and value > self.act_now_above:
            return ACT_NOW
        if self.act_now_below is not None and value < self.act_now_below:
            return ACT_NOW
        if self.watch_above is not None and value > self.watch_above:
            return WATCH
        if self.watch_below is not None and value < self.watch_below:
            return WATCH
        return None


@dataclass(frozen=True, slots=True)
class ZoneSettings:
    """How one metric is judged. Cut-offs are in robust deviations (scaled MADs)."""

    baseline_days: int = 90  # trailing window of the baseline; rounded up to whole weeks
    window_days: int = 7  # rates are pooled over this trailing window
    min_sample: int | None = None  # None: 30 for rates, 5 for durations, 0 for counts
    learning_days: int = 21  # fewer days of history than this → `learning`
    watch: float = 2.0
    act_now: float = 3.5
    relative_floor: float = 0.05  # spread is at least this share of the expected value
    min_weekday_samples: int = 3  # same-weekday median needs this many; else all days
    absolute: AbsoluteThreshold | None = None

    def effective_min_sample(self, kind: str) -> int:
        if self.min_sample is not None:
            return self.min_sample
        return {"rate": 30, "duration": 5, "ratio": 1}.get(kind, 0)


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """EWMA of the daily score: slow drift that never crosses a daily band."""

    enabled: bool = True
    lam: float = 0.2
    limit: float = 1.0  # EWMA above this (3σ of an EWMA of unit-variance scores at λ=0.2) → watch
    min_days: int = 7  # scored days before drift can be reported


@dataclass(frozen=True, slots=True)
class MetricSettings:
    defaults: ZoneSettings = ZoneSettings()
    per_metric: Mapping[str, ZoneSettings] = field(default_factory=lambda: MappingProxyType({}))
    drift: DriftSettings = DriftSettings()

    def for_metric(self, key: str) -> ZoneSettings:
        return self.per_metric.get(key, self.defaults)


@dataclass(frozen=True, slots=True)
class ProductArea:
    """An area and what puts a ticket in it: tags ("refund") or fields ("group:Payments")."""

    name: str
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SegmentSettings:
    product_areas: tuple[ProductArea, ...] = ()  # first match wins, in config order
    high_value_orgs: frozenset[str] = frozenset()
    high_value_tier: str = "high_value"
    default_tier: str = "standard"


@dataclass(frozen=True, slots=True)
class DefinitionSettings:
    escalation_by_reassignment: bool = True  # reassigned across groups at least once
    escalation_by_flag: bool = True  # the source's escalated flag
    escalation_tags: tuple[str, ...] = ("escalated",)
    repeat_contact_days: int = 7
    repeat_contact_by: Literal["requester", "organization"] = "requester"
    monthly_support_cost: float | None = None
    currency: str | None = None  # ISO 4217 code shown with cost per resolution; None: the bare figure
    deflection: bool | None = None  # None: computed when any ticket reports bot involvement
    # Count agent-initiated conversations (Ticket.outbound) in volume and response metrics too.
    include_outbound: bool = False
    # The team's schedule: business-hours durations for tickets whose source reports none.
    business_hours: BusinessHours | None = None


@dataclass(frozen=True, slots=True)
class ChangeDay:
    """A known change day (release, holiday, incident): excluded from baselines, annotated on alerts."""

    day: date
    label: str
    kind: str = "change"
    exclude: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    """metric + segment filter + zone + N consecutive days; recovers after M healthy days.

    `dimension=None` watches the overall series; with a dimension, `segments`
    restricts to those values (empty: every segment of the dimension).
    """

    name: str
    metric: str
    zone: Literal["watch", "act_now"] = "act_now"
    days: int = 1
    recovery_days: int = 3
    dimension: str | None = None
    segments: tuple[str, ...] = ()
    playbook: str | None = None

    def matches(self, metric: str, dimension: str, segment: str) -> bool:
        if metric != self.metric:
            return False
        if self.dimension is None:
            return dimension == ""
        return dimension == self.dimension and (not self.segments or segment in self.segments)


@dataclass(frozen=True, slots=True)
class Playbook:
    name: str
    owner: str  # Slack user id (U…) or an email resolved later
    steps: tuple[str, ...] = ()
    follow_up_days: int = 7
    channel: str | None = None  # default: [slack].alerts_channel
    title: str = ""  # the short heading messages show; "" = from the name

    @property
    def heading(self) -> str:
        return playbook_title(self.name, self.title)


ACRONYMS = frozenset({"csat", "frt", "fcr", "sla", "slas", "nps", "vip", "api", "ai", "faq", "sso"})


def playbook_title(name: str, title: str | None = None) -> str:
    """A playbook's short heading: its `title`, else its name in words ("csat-recovery" → "CSAT recovery")."""
    if title:
        return title
    words = name.replace("_", " ").replace("-", " ").split()
    words = [w.upper() if w.lower() in ACRONYMS else w.lower() for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    enabled: bool = True
    window_minutes: int = 60
    weeks: int = 8  # same hour-of-week in this many past weeks
    min_weeks: int = 3  # fewer past weeks with data → learning
    min_count: int = 5  # a spike needs at least this many tickets in the window
    watch: float = 3.0
    act_now: float = 5.0
    dimensions: tuple[str, ...] = ("product_area", "tag")


@dataclass(frozen=True, slots=True)
class RollupSettings:
    """Everything the metrics core needs, built once from config."""

    timezone: str = "UTC"
    metrics: MetricSettings = MetricSettings()
    segments: SegmentSettings = SegmentSettings()
    definitions: DefinitionSettings = DefinitionSettings()
    change_days: tuple[ChangeDay, ...] = ()
    rules: tuple[Rule, ...] = ()
    playbooks: tuple[Playbook, ...] = ()
    spikes: SpikeSettings = SpikeSettings()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def playbook(self, name: str | None) -> Playbook | None:
        return next((p for p in self.playbooks if p.name == name), None)

