"""Trend charts: 8–12 weeks of a daily metric with its healthy/watch/act-now bands, as PNG bytes + alt text.

matplotlib with the Agg backend (headless); nothing is imported at module
import time beyond the standard library, so the worker starts fast.
"""
from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.rituals.units import fmt

WATCH_COLOUR = "#f2c14e"
ACT_COLOUR = "#e4572e"


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    value: float | None
    expected: float | None = None
    watch_above: float | None = None
    act_now_above: float | None = None
    watch_below: float | None = None
    act_now_below: float | None = None


@dataclass(frozen=True, slots=True)
class ChartImage:
    png: bytes
    alt_text: str
    filename: str
    title: str


def _ok(value: float) -> bool:
    return not math.isnan(value)


def alt_text(label: str, points: Sequence[Point], unit: str, zone: str | None) -> str:
    values = [p for p in points if p.value is not None]
    if not values:
        return f"{label}: no data in the last {len(points) // 7} weeks."
    last = values[-1]
    weeks = max(1, round((points[-1].day - points[0].day).days / 7))
    text = f"{label} over {weeks} weeks: {fmt(last.value, unit)} on {last.day.isoformat()}"
    if last.expected is not None:
        text += f" against {fmt(last.expected, unit)} expected"
    low = min(values, key=lambda p: p.value or 0)
    high = max(values, key=lambda p: p.value or 0)
    text += f"; range {fmt(low.value, unit)} to {fmt(high.value, unit)}"
    if zone:
        text += f"; zone now {zone.replace('_', '-')}"
    return text + "."


def trend_chart(label: str, points: Sequence[Point], *, unit: str, zone: str | None = None,
                filename: str = "trend.png") -> ChartImage:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    days = [p.day for p in points]
    scale = 100.0 if unit == "share" else (1 / 3600 if unit == "seconds" else 1.0)
    axis_unit = {"share": "%", "seconds": "hours"}.get(unit, unit)

    def series(attr: str) -> list[float]:
        return [float("nan") if getattr(p, attr) is None else getattr(p, attr) * scale for p in points]

    figure = Figure(figsize=(8, 3.2), dpi=100)
    ax = figure.add_subplot()
    values = series("value")
    finite = [v for v in values if _ok(v)]
    top = max(finite + [v for v in series("act_now_above") if _ok(v)] or [1.0]) * 1.15
    bottom = min(finite + [v for v in series("act_now_below") if _ok(v)] or [0.0]) * 0.85
    wa, aa, wb, ab = series("watch_above"), series("act_now_above"), series("watch_below"), series("act_now_below")
    if any(_ok(v) for v in wa):
        ax.fill_between(days, wa, [a if _ok(a) else top for a in aa], color=WATCH_COLOUR, alpha=0.25, lw=0, label="watch")
    if any(_ok(v) for v in aa):
        ax.fill_between(days, aa, top, color=ACT_COLOUR, alpha=0.2, lw=0, label="act now")
    if any(_ok(v) for v in wb):
        ax.fill_between(days, [b if _ok(b) else bottom for b in ab], wb, color=WATCH_COLOUR, alpha=0.25, lw=0,
                        label=None if any(_ok(v) for v in wa) else "watch")
    if any(_ok(v) for v in ab):
        ax.fill_between(days, bottom, ab, color=ACT_COLOUR, alpha=0.2, lw=0,
                        label=None if any(_ok(v) for v in aa) else "act now")
    expected = series("expected")
    if any(_ok(v) for v in expected):
        ax.plot(days, expected, color="#777777", lw=1, ls="--", label="expected")
    ax.plot(days, values, color="#1d4e89", lw=1.8, label=label)
    ax.set_ylim(bottom, top)
    ax.set_ylabel(axis_unit)
    ax.set_title(label, fontsize=11, loc="left")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=4)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return ChartImage(buffer.getvalue(), alt_text(label, points, unit, zone), filename, label)
