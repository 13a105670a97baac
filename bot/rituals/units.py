"""Numbers as people read them in Slack: one formatter for every message (the metrics core's)."""
from __future__ import annotations

from bot.metrics.zones import format_value as fmt

__all__ = ["axis_unit", "change", "duration", "fmt"]


def duration(seconds: float) -> str:
    return fmt(seconds, "seconds")


def change(now: float, before: float) -> str:
    """'+35 %' or '−12 %' (relative), '' when the baseline is zero."""
    if not before:
        return ""
    pct = (now - before) / before * 100
    return f"{'+' if pct >= 0 else '−'}{abs(pct):.0f} %"


_PER_WORD = {"s": 1.0, "min": 60.0, "h": 3600.0, "days": 86400.0, "%": 0.01}


def axis_unit(value: float | None, unit: str) -> tuple[str, float]:
    """The unit word `fmt` writes for `value` ("76 min" → "min") and what a stored value is divided by to be in it.

    A chart quoting a message's figure uses this, so its axis reads in the message's unit.
    """
    text = fmt(0.0 if value is None else value, unit)
    word = text.partition(" ")[2]
    return word, _PER_WORD.get(word, 1.0)
