"""Numbers as people read them in Slack: one formatter for every message (the metrics core's)."""
from __future__ import annotations

from bot.metrics.zones import format_value as fmt

__all__ = ["change", "duration", "fmt"]


def duration(seconds: float) -> str:
    return fmt(seconds, "seconds")


def change(now: float, before: float) -> str:
    """'+35 %' or '−12 %' (relative), '' when the baseline is zero."""
    if not before:
        return ""
    pct = (now - before) / before * 100
    return f"{'+' if pct >= 0 else '−'}{abs(pct):.0f} %"
