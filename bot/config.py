"""Settings: non-secret config from `signalroom.toml`, secrets and endpoints from the environment.

`load_settings(env)` takes the environment as a mapping (tests pass a dict and
never touch `os.environ`). Environment variables win over the file. Every
validation problem becomes one `ConfigError` naming the file, the key and the
problem.
"""
from __future__ import annotations

import calendar
import difflib
import re
import tomllib
from collections.abc import Mapping
import datetime as dt
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from bot.trackers.config import TrackersConfig
from bot.weekdays import KEYS as WEEKDAY_KEYS

DEFAULT_CONFIG = "signalroom.toml"
ZONES = ("healthy", "watch", "act_now", "insufficient_data", "learning")
DIMENSIONS = ("source", "channel", "priority", "group", "product_area", "account_tier", "agent")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


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
    with "did you mean" (naming `key`, or the field being validated). The catalogue is imported late."""
    from bot.catalogue import UnknownMetricError, resolve_metric

    try:
        return resolve_metric(name).key
    except UnknownMetricError as exc:
        raise (ValueError(str(exc)) if key is None else _KeyedError(key, str(exc))) from None


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


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
            if not _USER_ID.match(user):
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
        from bot.weekdays import parse_days

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


MAX_KNOWN_DAYS = 92  # a range or season longer than a quarter would leave baselines with little to learn from
KNOWN_YEARS = (1990, 2100)  # the years a season repeats in: every history Signalroom can hold
_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")


class AnnotationConfig(_Model):
    """A known event: one day (`date`), a range (`start` and `end` dates, both included), or a season that
    repeats every year (`start` and `end` as "MM-DD"; "12-24" to "01-01" runs over New Year)."""

    kind: Literal["release", "incident", "holiday"]
    label: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    start: dt.date | str | None = None
    end: dt.date | str | None = None

    @model_validator(mode="after")
    def _when(self) -> AnnotationConfig:
        if self.date is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give either date (one day) or start and end (a range or a season), not both")
            return self
        if self.start is None or self.end is None:
            missing = "end" if self.start is not None else "start" if self.end is not None else "date"
            raise ValueError(f"{missing} is missing: use date = 2026-12-24, or start and end (2026-11-23 to "
                             '2026-11-29; "12-24" to "01-01" for every year)')
        start, end = _known_bound(self.start, "start"), _known_bound(self.end, "end")
        if isinstance(start, dt.date) != isinstance(end, dt.date):
            raise ValueError('start and end must both be dates (one range) or both month-days like "12-24" '
                             "(a season every year)")
        if isinstance(start, dt.date) and end < start:
            raise ValueError(f"end {end} is before start {start}")
        if isinstance(start, dt.date):
            span = (end - start).days + 1
        else:  # a season: its length in a leap year, over New Year when end comes before start
            (m1, d1), (m2, d2) = start, end
            first = dt.date(2024, m1, d1)
            last = dt.date(2024 if (m2, d2) >= (m1, d1) else 2025, m2, d2 if (m2, d2) != (2, 29) else 28)
            span = (last - first).days + 1
        if span > MAX_KNOWN_DAYS:
            raise ValueError(f"{span} days is too long for a known event (at most {MAX_KNOWN_DAYS}): "
                             "its days are left out of every baseline")
        return self

    def days(self, first: dt.date | None = None, last: dt.date | None = None) -> list[dt.date]:
        """The event's days within [first, last] (default: every year a history can hold), in order."""
        first = first or dt.date(KNOWN_YEARS[0], 1, 1)
        last = last or dt.date(KNOWN_YEARS[1], 12, 31)
        if self.date is not None:
            return [self.date] if first <= self.date <= last else []
        start, end = _known_bound(self.start, "start"), _known_bound(self.end, "end")
        spans: list[tuple[dt.date, dt.date]] = []
        if isinstance(start, dt.date):
            spans.append((start, end))
        else:
            (m1, d1), (m2, d2) = start, end
            over_new_year = (m2, d2) < (m1, d1)
            for year in range(first.year - 1, last.year + 1):
                spans.append((_month_day(year, m1, d1), _month_day(year + over_new_year, m2, d2)))
        out = []
        for a, b in spans:
            day = max(a, first)
            while day <= min(b, last):
                out.append(day)
                day += dt.timedelta(days=1)
        return out


def _known_bound(value: dt.date | str | None, name: str) -> dt.date | tuple[int, int]:
    """A date, or a month-day "MM-DD" as (month, day); an ISO date written as a string is a date too."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _MONTH_DAY.match(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            dt.date(2024, month, day)  # a leap year: "02-29" is a day that exists
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a day of the year (\"MM-DD\", like \"12-24\")") from None
        return month, day
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is neither a date (2026-11-23) nor a month-day for every year "
                         "(\"12-24\")") from None


def _month_day(year: int, month: int, day: int) -> dt.date:
    """That month-day in `year`; 29 February in a common year is the 28th."""
    return dt.date(year, month, 28) if (month, day) == (2, 29) and not calendar.isleap(year) else dt.date(year, month, day)


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


class FileConfig(_Model):
    """The shape of signalroom.toml."""

    timezone: str = "UTC"
    workspace_id: str = Field(default="default", min_length=1, max_length=64)
    data_dir: str = ".signalroom"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    slack: SlackConfig = SlackConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    sources: dict[str, SourceConfig] = {}
    health: HealthConfig = HealthConfig()
    metrics: MetricsConfig = MetricsConfig()
    product_areas: dict[str, tuple[str, ...]] = {}
    accounts: AccountsConfig = AccountsConfig()
    annotations: tuple[AnnotationConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()
    playbooks: dict[str, PlaybookConfig] = {}
    rituals: RitualsConfig = RitualsConfig()
    routing: tuple[RouteConfig, ...] = ()
    themes: ThemesConfig = ThemesConfig()
    trackers: TrackersConfig = TrackersConfig()  # issue trackers (bot/trackers/config.py)

    _check_tz = field_validator("timezone")(_timezone)

    @model_validator(mode="after")
    def _references(self) -> FileConfig:
        names = [rule.name for rule in self.rules]
        for index, rule in enumerate(self.rules):
            if rule.name in names[:index]:
                raise _KeyedError(f"rules.{index}.name", f"duplicate rule name {rule.name!r}")
            if rule.playbook is not None and rule.playbook not in self.playbooks:
                raise _KeyedError(f"rules.{index}.playbook", f"no playbook named {rule.playbook!r} in [playbooks]")
        areas = list(self.product_areas)
        for index, rule in enumerate(self.rules):
            if "product_area" in rule.segment:
                _known_area(rule.segment["product_area"], f"rules.{index}.segment.product_area", areas)
        for index, route in enumerate(self.routing):
            _known_area(route.product_area, f"routing.{index}.product_area", areas)
        for theme, area in self.themes.product_area.items():
            _known_area(area, f"themes.product_area.{theme}", areas)
        for index, pin in enumerate(self.themes.pin):
            if pin.product_area is not None:
                _known_area(pin.product_area, f"themes.pin.{index}.product_area", areas)
        for name, source in self.sources.items():
            kind = source.type or name
            if kind not in ("zendesk", "freshdesk", "intercom", "csv"):
                raise _KeyedError(f"sources.{name}.type", "set type to one of zendesk, freshdesk, intercom, csv")
            if kind == "csv" and not source.path:
                raise _KeyedError(f"sources.{name}.path", "a csv source needs the path of the file to import")
            _lag_after_interval(name, source, self.health)
        return self


def _lag_after_interval(name: str, source: SourceConfig, health: HealthConfig) -> None:
    """A source polled every N minutes is always up to N minutes behind: a shorter lag limit would alert
    between two healthy syncs."""
    lag = int(health.max_lag(source).total_seconds()) // 60
    if lag <= source.interval_minutes:
        key = f"sources.{name}.max_lag_minutes" if source.max_lag_minutes else "health.max_lag_minutes"
        raise _KeyedError(key, f"{lag} minutes is not longer than sources.{name}.interval_minutes "
                               f"({source.interval_minutes}): the source would look late between two healthy syncs")


def _known_area(name: str, key: str, areas: list[str]) -> None:
    if name not in areas:
        hint = _did_you_mean(name, areas) or (f"known: {', '.join(areas)}" if areas else "none defined yet")
        raise _KeyedError(key, f"no product area named {name!r} in [product_areas] ({hint})")


class _KeyedError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


SECRET_ENV = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET",
    "ZENDESK_API_TOKEN", "ZENDESK_OAUTH_TOKEN", "FRESHDESK_API_KEY", "INTERCOM_ACCESS_TOKEN",
    "SIGNALROOM_SECRET_KEY", "JIRA_API_TOKEN", "LINEAR_API_KEY",
)
PLAIN_ENV = (
    "SIGNALROOM_CONFIG", "DATABASE_URL", "SLACK_CLIENT_ID", "SLACK_API_URL", "ZENDESK_SUBDOMAIN",
    "ZENDESK_URL", "ZENDESK_EMAIL", "FRESHDESK_DOMAIN", "FRESHDESK_URL", "INTERCOM_URL", "PORT",
    "SIGNALROOM_DATA_DIR", "SIGNALROOM_LOG_LEVEL", "JIRA_URL", "JIRA_EMAIL", "LINEAR_URL",
)


class Environment(BaseModel):
    """Secrets and endpoints. Secrets are `SecretStr`: masked in repr and logs."""

    model_config = ConfigDict(frozen=True)

    database_url: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    zendesk_subdomain: str | None = None
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_oauth_token: SecretStr | None = None
    freshdesk_domain: str | None = None
    freshdesk_url: str | None = None
    freshdesk_api_key: SecretStr | None = None
    intercom_access_token: SecretStr | None = None
    intercom_url: str = "https://api.intercom.io"
    # Issue trackers (bot/trackers): Jira Cloud site + email + API token; Linear API key.
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    linear_api_key: SecretStr | None = None
    linear_url: str = "https://api.linear.app"
    # Encrypts credentials stored in the database; comma-separated keys rotate (bot/credentials.py).
    signalroom_secret_key: SecretStr | None = None
    port: int = Field(default=3000, ge=1, le=65535)

    @property
    def zendesk_base_url(self) -> str | None:
        if self.zendesk_url:
            return self.zendesk_url.rstrip("/")
        if self.zendesk_subdomain:
            return f"https://{self.zendesk_subdomain}.zendesk.com"
        return None

    @property
    def freshdesk_base_url(self) -> str | None:
        if self.freshdesk_url:
            return self.freshdesk_url.rstrip("/")
        if self.freshdesk_domain:
            domain = self.freshdesk_domain
            return f"https://{domain}" if "." in domain else f"https://{domain}.freshdesk.com"
        return None


class Settings(BaseModel):
    """Everything a process needs: the file config, the environment, and where they came from."""

    model_config = ConfigDict(frozen=True)

    config_path: str
    config_found: bool
    file: FileConfig
    env: Environment

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.file.timezone)

    @property
    def workspace_id(self) -> str:
        return self.file.workspace_id

    @property
    def data_dir(self) -> Path:
        return Path(self.file.data_dir)

    @property
    def database_url(self) -> str:
        if self.env.database_url:
            return self.env.database_url
        return f"sqlite:///{self.data_dir / 'signalroom.db'}"


def _format_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("function-after", "function-before"))


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _KeyedError):
        return ctx_error.key, ctx_error.problem
    key = _format_loc(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against signalroom.example.toml)"
    return key, message


def load_settings(env: Mapping[str, str], *, config_path: str | None = None) -> Settings:
    """Build settings from the config file and the environment mapping, or raise ConfigError."""
    explicit = config_path or env.get("SIGNALROOM_CONFIG")
    path = Path(explicit or DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    found = path.is_file()
    if explicit and not found:
        raise ConfigError(str(path), "", "config file not found (set SIGNALROOM_CONFIG or pass --config)")
    if found:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), "", f"not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(str(path), "", f"cannot read: {exc}") from None
    if env.get("SIGNALROOM_DATA_DIR"):
        raw["data_dir"] = env["SIGNALROOM_DATA_DIR"]
    if env.get("SIGNALROOM_LOG_LEVEL"):
        raw["log_level"] = env["SIGNALROOM_LOG_LEVEL"].upper()
    try:
        file = FileConfig.model_validate(raw)
    except ValidationError as exc:
        key, problem = _first_error(exc)
        raise ConfigError(str(path), key, problem) from None

    values = {name.lower(): env[name] for name in (*SECRET_ENV, *PLAIN_ENV) if env.get(name)}
    values.pop("signalroom_config", None)
    values.pop("signalroom_data_dir", None)
    values.pop("signalroom_log_level", None)
    try:
        environment = Environment.model_validate(values)
    except ValidationError as exc:
        key, problem = _first_error(exc)
        raise ConfigError("environment", key.upper(), problem) from None
    if environment.database_url:
        from bot.storage.engine import normalize_url

        try:
            normalize_url(environment.database_url)
        except Exception:  # noqa: BLE001 - SQLAlchemy raises several kinds
            raise ConfigError("environment", "DATABASE_URL", "not a database URL (e.g. postgres://user@host/db)") from None
    return Settings(config_path=str(path), config_found=found, file=file, env=environment)


def mask(secret: SecretStr | None) -> str:
    if secret is None:
        return "(unset)"
    value = secret.get_secret_value()
    return "set (****)" if len(value) < 12 else f"set (****{value[-4:]})"


def effective_config(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, secrets masked: for `config check`."""
    from sqlalchemy.engine import make_url

    env = settings.env
    environment: dict[str, Any] = {}
    for name, field in Environment.model_fields.items():
        value = getattr(env, name)
        environment[name.upper()] = mask(value) if isinstance(value, SecretStr) or (
            value is None and field.annotation is not None and "SecretStr" in str(field.annotation)
        ) else value
    environment["DATABASE_URL"] = make_url(_normalized(settings.database_url)).render_as_string(hide_password=True)
    return {
        "config_file": settings.config_path + ("" if settings.config_found else " (not found: defaults)"),
        **settings.file.model_dump(mode="json"),
        "environment": environment,
    }


def _normalized(url: str) -> str:
    from bot.storage.engine import normalize_url

    return normalize_url(url)


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SUPPORTED_DATABASES = ("postgresql", "sqlite")


def config_warnings(settings: Settings) -> list[str]:
    """Settings that load but will not do what was probably meant: `config check` lists them
    (`--strict` makes them errors). Each names the key and the fix. No network, no database."""
    f, warnings = settings.file, []
    rituals, slack = f.rituals, f.slack
    channels = {
        "weekly_review": (rituals.weekly_review.channel or slack.review_channel, "[slack].review_channel"),
        "account_risk": (rituals.account_risk.channel or slack.cs_channel, "[slack].cs_channel"),
        "leadership": (rituals.leadership.channel or slack.leadership_channel, "[slack].leadership_channel"),
    }
    for name, (channel, fallback) in channels.items():
        if getattr(rituals, name).enabled and not channel:
            warnings.append(f"rituals.{name}: enabled but has no channel: set rituals.{name}.channel or {fallback} "
                            f"(or enabled = false)")
    if rituals.digest.enabled and not f.routing:
        warnings.append("rituals.digest: enabled but no [[routing]] rule names a product area and channel to post to")
    if f.metrics.spikes.enabled and not (f.metrics.spikes.channel or slack.alerts_channel):
        warnings.append("metrics.spikes: surge alerts are enabled but have no channel: set metrics.spikes.channel "
                        "or [slack].alerts_channel (or enabled = false)")
    warnings += _source_warnings(settings)
    for name, playbook in f.playbooks.items():
        if not (_USER_ID.match(playbook.owner) or _EMAIL.match(playbook.owner)):
            warnings.append(f"playbooks.{name}.owner: {playbook.owner!r} is neither a Slack user id (U0123456789) "
                            f"nor an email, so actions from this playbook get no owner")
    backend = database_backend(settings.database_url)
    if backend not in SUPPORTED_DATABASES:
        warnings.append(f"DATABASE_URL: {backend} is not supported; use PostgreSQL (postgres://…) or SQLite")
    for index, route in enumerate(f.routing):
        if not area_tags(f.product_areas.get(route.product_area, ())):
            warnings.append(f"routing.{index}: product area {route.product_area!r} names no tag, so no theme is "
                            f"routed to {route.channel}: add its tags to [product_areas]")
    return warnings


def area_tags(matches: tuple[str, ...]) -> set[str]:
    """The tags a `[product_areas]` entry matches on (its `field:value` entries are not tags)."""
    from bot.catalogue import AREA_FIELDS

    return {m.removeprefix("tag:") for m in matches
            if not (m.partition(":")[1] and m.partition(":")[0] in AREA_FIELDS) and m.removeprefix("tag:")}


def _source_warnings(settings: Settings) -> list[str]:
    from bot.sync.sources import build_adapter, make_client

    out = []
    with make_client() as client:
        for name, source in settings.file.sources.items():
            if not source.enabled:
                continue
            planned = build_adapter(name, source, settings, client=client)
            if planned.problem:
                out.append(f"sources.{name}: no credentials: {planned.problem.removeprefix(name + ': ')}")
            elif planned.kind == "csv" and source.path and not Path(source.path).is_file():
                out.append(f"sources.{name}.path: no file at {source.path}")
    return out


def database_backend(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(_normalized(url)).get_backend_name()
