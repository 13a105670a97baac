"""The tables of signalroom.toml: Slack, sources and their health, privacy, metrics, accounts, rules,
playbooks, rituals, routing and themes ([[annotations]] in `known_events.py`, the whole file in `file.py`)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.config.base import DIMENSIONS, USER_ID, _canonical_metric, _channel, _KeyedError, _Model, _timezone
from bot.weekdays import KEYS as WEEKDAY_KEYS
from bot.weekdays import parse_days


class SlackConfig(_Model):
    review_channel: str | None = None
    alerts_channel: str | None = None
    cs_channel: str | None = None
    leadership_channel: str | None = None
    admins: tuple[str, ...] = ()
    admin_usergroup: str | None = None

    _check_channels = field_validator(
        "review_channel", "alerts_channel", "cs_channel", "leadership_channel"
    )(_channel)

    @field_validator("admins")
    @classmethod
    def _users(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for user in value:
            if not USER_ID.match(user):
                raise ValueError(f"{user!r} is not a Slack user id (like U0123456789)")
        return value


class SourceConfig(_Model):
    type: Literal["zendesk", "freshdesk", "intercom", "csv"] | None = None
    enabled: bool = True
    interval_minutes: int = Field(default=10, ge=1, le=1440)
    backfill_days: int = Field(default=120, ge=1, le=3650)
    page_size: int | None = Field(default=None, ge=1, le=1000)
    lookback_minutes: int = Field(default=10, ge=0, le=1440)
    path: str | None = None  # csv sources: the file to import on every sync
    max_lag_minutes: int | None = Field(default=None, ge=1, le=525600)  # default: [health].max_lag_minutes


class HealthConfig(_Model):
    """Source health alerts (bot/rituals/source_health.py): one alert per incident, edited on recovery."""

    failures: int = Field(default=3, ge=1, le=1000)  # consecutive failed syncs of a source before the alert
    max_lag_minutes: int = Field(default=360, ge=1, le=525600)  # last successful sync older than this: alert
    channel: str | None = None  # default: [slack].alerts_channel

    _check_channel = field_validator("channel")(_channel)

    def max_lag(self, source: SourceConfig) -> dt.timedelta:
        """The lag limit of one source: its own, else this one; left at the default, at least two intervals."""
        if source.max_lag_minutes is not None:
            return dt.timedelta(minutes=source.max_lag_minutes)
        if "max_lag_minutes" in self.model_fields_set:
            return dt.timedelta(minutes=self.max_lag_minutes)
        return dt.timedelta(minutes=max(self.max_lag_minutes, 2 * source.interval_minutes))


class PrivacyConfig(_Model):
    # False: ticket subjects are not stored (themes then use tags only).
    store_subject: bool = True


class MetricOverride(_Model):
    watch: float | None = Field(default=None, gt=0)
    act_now: float | None = Field(default=None, gt=0)
    min_sample: int | None = Field(default=None, ge=1)
    # Absolute thresholds that win over computed bands ("FRT p90 above 4 h is act-now").
    watch_above: float | None = None
    act_now_above: float | None = None
    watch_below: float | None = None
    act_now_below: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MetricOverride:
        if self.watch is not None and self.act_now is not None and self.act_now < self.watch:
            raise ValueError("act_now must be at least watch")
        return self


class BusinessHoursConfig(_Model):
    days: tuple[str, ...] = WEEKDAY_KEYS[:5]
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)

    @model_validator(mode="after")
    def _valid(self) -> BusinessHoursConfig:
        parse_days(self.days)
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


class SpikesConfig(_Model):
    """Hourly surge alerts: ticket volume per product area and tag in the last hour against the same
    hour of the week in the previous weeks, checked after every sync."""

    enabled: bool = True
    # Robust deviations above the usual count for that hour that make a surge (watch); act-now from
    # 5 deviations, or this threshold when it is higher.
    threshold: float = Field(default=3.0, gt=0, le=50)
    channel: str | None = None  # default: [slack].alerts_channel

    _check_channel = field_validator("channel")(_channel)


class MetricsConfig(_Model):
    baseline_days: int = Field(default=90, ge=28, le=365)
    window_days: int = Field(default=7, ge=1, le=28)
    min_sample: int = Field(default=30, ge=1)
    learning_days: int = Field(default=21, ge=7)
    watch: float = Field(default=2.0, gt=0)
    act_now: float = Field(default=3.5, gt=0)
    repeat_contact_days: int = Field(default=7, ge=1, le=90)
    repeat_contact_by: Literal["requester", "organization"] = "requester"
    escalation_tags: tuple[str, ...] = ("escalated",)
    escalate_on_group_change: bool = True
    monthly_support_cost: float | None = Field(default=None, gt=0)
    # Agent-initiated conversations (Intercom admin-initiated, Freshdesk outbound email) in volume and
    # response metrics: off by default, they are not customer contacts. A change needs `rollup --full`.
    include_outbound: bool = False
    # ISO 4217 code shown with cost per resolution ("12.40 EUR"); None shows the bare figure.
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    # Business-hours durations for sources that report none (in the team's timezone; holidays from
    # [[annotations]] with kind = "holiday").
    business_hours: BusinessHoursConfig | None = None
    overrides: dict[str, MetricOverride] = {}  # keyed by canonical metric key; aliases accepted
    spikes: SpikesConfig = SpikesConfig()

    @field_validator("overrides", mode="before")
    @classmethod
    def _canonical_overrides(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for name, table in value.items():
            key = _canonical_metric(str(name), f"metrics.overrides.{name}")
            if key in out:
                raise _KeyedError(f"metrics.overrides.{name}", f"a second override for {key} (one table per metric)")
            out[key] = table
        return out

    @model_validator(mode="after")
    def _ordered(self) -> MetricsConfig:
        if self.act_now < self.watch:
            raise ValueError("act_now must be at least watch")
        return self


class AccountsConfig(_Model):
    high_value: tuple[str, ...] = ()
    repeat_contacts: int = Field(default=3, ge=2)
    repeat_window_days: int = Field(default=14, ge=1)


class RuleConfig(_Model):
    name: str = Field(min_length=1, max_length=100)
    metric: str
    zone: Literal["watch", "act_now"] = "act_now"
    days: int = Field(default=2, ge=1, le=30)
    recover_days: int = Field(default=2, ge=1, le=30)
    segment: dict[str, str] = {}  # e.g. {product_area = "billing"}; {} = overall
    by: str | None = None  # fire per segment of this dimension
    playbook: str | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        return _canonical_metric(value)

    @field_validator("segment")
    @classmethod
    def _dims(cls, value: dict[str, str]) -> dict[str, str]:
        for dim in value:
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}")
        return value

    @field_validator("by")
    @classmethod
    def _by(cls, value: str | None) -> str | None:
        if value is not None and value not in DIMENSIONS:
            raise ValueError(f"unknown dimension {value!r}; use one of {', '.join(DIMENSIONS)}")
        return value


class PlaybookConfig(_Model):
    owner: str  # Slack user id, or an email resolved through users.lookupByEmail
    title: str | None = Field(default=None, max_length=80)  # short heading; default: from the playbook's name
    steps: tuple[str, ...] = ()
    due_days: int = Field(default=7, ge=1, le=90)
    channel: str | None = None

    _check_channel = field_validator("channel")(_channel)


class RitualConfig(_Model):
    enabled: bool = True
    day: Literal[WEEKDAY_KEYS] | None = None
    time: dt.time = dt.time(9, 30)
    timezone: str | None = None
    channel: str | None = None
    grace_hours: int = Field(default=6, ge=0, le=72)

    _check_tz = field_validator("timezone")(lambda v: v if v is None else _timezone(v))
    _check_channel = field_validator("channel")(_channel)


class RitualsConfig(_Model):
    weekly_review: RitualConfig = RitualConfig(day="mon", time=dt.time(9, 30))
    digest: RitualConfig = RitualConfig(day="mon", time=dt.time(10, 0))
    reminders: RitualConfig = RitualConfig(time=dt.time(9, 0))
    account_risk: RitualConfig = RitualConfig(day="mon", time=dt.time(9, 0))
    leadership: RitualConfig = RitualConfig(enabled=False, time=dt.time(9, 0))
    remind_days_before: int = Field(default=1, ge=0, le=14)
    working_hours: tuple[dt.time, dt.time] = (dt.time(9, 0), dt.time(18, 0))
    skip_weekends: bool = True


class RouteConfig(_Model):
    product_area: str
    channel: str
    only_when_notable: bool = True

    _check_channel = field_validator("channel")(_channel)


class PinnedThemeConfig(_Model):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    terms: tuple[str, ...] = ()  # matched in cleaned ticket text
    tags: tuple[str, ...] = ()
    product_area: str | None = None


class ThemesConfig(_Model):
    clusters: int | None = Field(default=None, ge=2, le=1000)  # default: from the data
    embedder: Literal["auto", "wordllama", "hashing", "minilm"] = "auto"  # minilm needs the themes-minilm extra
    window_weeks: int = Field(default=12, ge=5, le=52)  # tickets a run clusters (the 4-week average needs 5)
    rename: dict[str, str] = {}  # theme id = name shown everywhere
    merge: dict[str, str] = {}  # theme id = the theme id it folds into
    product_area: dict[str, str] = {}  # theme id = product area for digests
    pin: tuple[PinnedThemeConfig, ...] = ()  # always tracked, even with no tickets this week
