"""Settings: non-secret config from `signalroom.toml`, secrets and endpoints from the environment.

`load_settings(env)` takes the environment as a mapping (tests pass a dict and
never touch `os.environ`). Environment variables win over the file. Every
validation problem becomes one `ConfigError` naming the file, the key and the
problem.

Every name is importable from `bot.config`; they live in `base.py` (the error, the strict model, shared
validators), `sections.py` (the tables), `known_events.py` ([[annotations]]), `file.py` (`FileConfig`)
and `settings.py` (`Environment`, `Settings`, `load_settings`). `signalroom config check`'s warnings are
`bot.config_check` (it asks the sync layer, which reads this package).
"""
from __future__ import annotations

from bot.config.base import DEFAULT_CONFIG, DIMENSIONS, ConfigError, _did_you_mean, _timezone
from bot.config.file import FileConfig, area_tags
from bot.config.known_events import KNOWN_YEARS, MAX_KNOWN_DAYS, AnnotationConfig
from bot.config.sections import (
    AccountsConfig,
    BusinessHoursConfig,
    HealthConfig,
    MetricOverride,
    MetricsConfig,
    PinnedThemeConfig,
    PlaybookConfig,
    PrivacyConfig,
    RitualConfig,
    RitualsConfig,
    RouteConfig,
    RuleConfig,
    SlackConfig,
    SourceConfig,
    SpikesConfig,
    ThemesConfig,
)
from bot.config.settings import (
    PLAIN_ENV,
    SECRET_ENV,
    SUPPORTED_DATABASES,
    Environment,
    Settings,
    _first_error,
    database_backend,
    effective_config,
    load_settings,
    mask,
)

__all__ = [
    "DEFAULT_CONFIG", "DIMENSIONS", "KNOWN_YEARS", "MAX_KNOWN_DAYS", "PLAIN_ENV", "SECRET_ENV", "SUPPORTED_DATABASES",
    "AccountsConfig", "AnnotationConfig", "BusinessHoursConfig", "ConfigError", "Environment", "FileConfig",
    "HealthConfig", "MetricOverride", "MetricsConfig", "PinnedThemeConfig", "PlaybookConfig", "PrivacyConfig",
    "RitualConfig", "RitualsConfig", "RouteConfig", "RuleConfig", "Settings", "SlackConfig", "SourceConfig",
    "SpikesConfig", "ThemesConfig", "area_tags", "database_backend", "effective_config", "load_settings", "mask",
    "_did_you_mean", "_first_error", "_timezone",  # bot.workspaces words its errors as the file's
]
