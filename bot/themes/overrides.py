"""Human corrections to generated themes, read from `[themes]` in signalroom.toml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class PinnedTheme:
    """A theme someone wants tracked whatever the clustering does.

    Tickets with one of `tags` or containing one of `terms` (case-insensitive, on cleaned
    text) belong to it before clustering; it is listed every week, even with zero tickets.
    """

    id: str
    name: str
    terms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    product_area: str | None = None


@dataclass(frozen=True)
class ThemeOverrides:
    rename: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # theme id -> name
    merge: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # theme id -> into theme id
    product_areas: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # theme id -> area
    pinned: tuple[PinnedTheme, ...] = ()

    def final_id(self, theme_id: str) -> str:
        """Follow merge chains (a -> b -> c); a cycle stops where it would repeat."""
        seen = {theme_id}
        while theme_id in self.merge and self.merge[theme_id] not in seen:
            theme_id = self.merge[theme_id]
            seen.add(theme_id)
        return theme_id


class OverridesError(ValueError):
    """A malformed `[themes]` table; the message names the key."""


def overrides_from_config(table: Mapping[str, Any]) -> ThemeOverrides:
    """Build overrides from the parsed `[themes]` TOML table (see the README for keys)."""

    def string_map(key: str) -> Mapping[str, str]:
        value = table.get(key, {})
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise OverridesError(f"themes.{key} must be a table of strings (theme id = value)")
        return MappingProxyType(dict(value))

    pins = []
    for index, raw in enumerate(table.get("pin", [])):
        where = f"themes.pin[{index}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("name"), str):
            raise OverridesError(f"{where} needs string keys id and name")
        terms, tags = raw.get("terms", []), raw.get("tags", [])
        if not all(isinstance(t, str) for t in [*terms, *tags]):
            raise OverridesError(f"{where}.terms and .tags must be lists of strings")
        if not terms and not tags:
            raise OverridesError(f"{where} needs terms or tags to match tickets")
        pins.append(PinnedTheme(raw["id"], raw["name"], tuple(t.lower() for t in terms), tuple(tags), raw.get("product_area")))
    return ThemeOverrides(
        rename=string_map("rename"),
        merge=string_map("merge"),
        product_areas=string_map("product_area"),
        pinned=tuple(pins),
    )
