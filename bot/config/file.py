"""`FileConfig`: the shape of signalroom.toml, and the checks across its tables (names that refer to
each other: rules → playbooks, routes and themes → product areas, sources' lag limits)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.catalogue import AREA_FIELDS
from bot.config.base import _did_you_mean, _KeyedError, _Model, _timezone
from bot.config.known_events import AnnotationConfig
from bot.config.sections import (
    AccountsConfig,
    HealthConfig,
    MetricsConfig,
    PlaybookConfig,
    PrivacyConfig,
    RitualsConfig,
    RouteConfig,
    RuleConfig,
    SlackConfig,
    SourceConfig,
    ThemesConfig,
)
from bot.crm.config import CrmConfig
from bot.config.trackers import TrackersConfig


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
    trackers: TrackersConfig = TrackersConfig()  # issue trackers (bot/config/trackers.py)
    crm: CrmConfig = CrmConfig()  # HubSpot account value (bot/crm/config.py)

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


def area_tags(matches: tuple[str, ...]) -> set[str]:
    """The tags a `[product_areas]` entry matches on (its `field:value` entries are not tags)."""
    return {m.removeprefix("tag:") for m in matches
            if not (m.partition(":")[1] and m.partition(":")[0] in AREA_FIELDS) and m.removeprefix("tag:")}
