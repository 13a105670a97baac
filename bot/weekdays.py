"""Weekday names, in one place (Monday first, as `date.weekday()` counts): the config's keys, and the
short and full words messages and the CLI print. Pure: imported by config parsing and `--help` alike."""
from __future__ import annotations

from collections.abc import Iterable

KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # [rituals.*] day, [metrics.business_hours] days
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_days(names: Iterable[str]) -> frozenset[int]:
    """Weekday numbers (0 = Monday) from the config's names ("mon", "Tuesday": the first three letters count)."""
    days = set()
    for name in names:
        key = name.strip().lower()[:3]
        if key not in KEYS:
            raise ValueError(f"unknown weekday {name!r} (use mon, tue, wed, thu, fri, sat, sun)")
        days.add(KEYS.index(key))
    return frozenset(days)
