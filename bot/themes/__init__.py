"""Ticket themes: pure computation over ticket facts (no SQL, Slack or HTTP), except `service`,
the one door to storage (import it as `bot.themes.service`)."""

from .cache import InMemoryVectorCache, VectorCache
from .embed import Embedder, HashingEmbedder, WordLlamaEmbedder, load_embedder
from .export import themes_json
from .models import (
    Example,
    KnownTheme,
    Theme,
    ThemeDoc,
    ThemeRun,
    ThemeStatus,
    ThemeWeek,
)
from .overrides import (
    OverridesError,
    PinnedTheme,
    ThemeOverrides,
    overrides_from_config,
)
from .pipeline import ThemeSettings, build_themes
from .redact import clean_for_clustering

__all__ = [
    "Embedder", "Example", "HashingEmbedder", "InMemoryVectorCache", "KnownTheme", "OverridesError",
    "PinnedTheme", "Theme", "ThemeDoc", "ThemeOverrides", "ThemeRun", "ThemeSettings", "ThemeStatus",
    "ThemeWeek", "VectorCache", "WordLlamaEmbedder", "build_themes", "clean_for_clustering",
    "load_embedder", "overrides_from_config", "themes_json",
]
