"""Weekday names, in one place (Monday first, as `date.weekday()` counts): the config's keys, and the
short and full words messages and the CLI print. Pure: imported by config parsing and `--help` alike."""
from __future__ import annotations

KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # [rituals.*] day, [metrics.business_hours] days
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
