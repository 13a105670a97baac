"""Numbers as people read them in Slack: 71 %, 2.1 h, 3.4 days, 1,240 tickets."""
from __future__ import annotations


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value * 100:.0f} %"
    if unit == "seconds":
        return duration(value)
    if unit == "currency":
        return f"{value:,.2f}"
    if unit == "tickets":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def change(now: float, before: float) -> str:
    """'+35 %' or '−12 %' (relative), '' when the baseline is zero."""
    if not before:
        return ""
    pct = (now - before) / before * 100
    return f"{'+' if pct >= 0 else '−'}{abs(pct):.0f} %"
