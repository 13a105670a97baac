"""Numbers as people read them in Slack: one formatter for every message (the metrics core's)."""
from __future__ import annotations

from bot.metrics.zones import format_value as fmt

__all__ = ["axis_unit", "change", "duration", "fmt", "fmt_as", "pair"]


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


_DECIMALS = {"s": 0, "min": 0, "h": 1, "days": 1}


def fmt_as(value: float | None, reference: float | None, unit: str, *, currency: str | None = None) -> str:
    """`value` in the unit word `fmt` picks for `reference`: a figure and its usual level read in one unit
    ("1.7 h", usual "1.0 h", not "58 min"), the unit its chart's axis uses too (`axis_unit`)."""
    if unit != "seconds" or value is None or value != value or reference is None or reference != reference:
        return fmt(value, unit, currency=currency)
    word, per = axis_unit(reference, unit)
    return f"{value / per:.{_DECIMALS.get(word, 1)}f} {word}"


def pair(value: float | None, expected: float | None, unit: str, *,
         currency: str | None = None) -> tuple[str, str]:
    """A figure and what is usual for it, both in the figure's unit: ("1.7 h", "1.0 h")."""
    return fmt(value, unit, currency=currency), fmt_as(expected, value, unit, currency=currency)
