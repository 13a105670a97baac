"""Trend charts: 8–12 weeks of a daily metric with its watch/act-now bands, as PNG bytes + alt text.

`chart_data` reads what a chart shows from the stored daily rows: the value the
text quotes, and the bands rebuilt from each day's stored expected and spread
(recent days keep their bands in the evidence, older days only the numbers),
so the bands cover every day shown, not only the recent ones. Known events
(annotations, mutes) are marked. `trend_chart` draws it in the unit the
message's text uses ("76 min" → minutes), sized for Slack's thread width and
rendered at twice that resolution, with no text under 10 pt at that size.

matplotlib (Agg backend, headless) is imported only when a chart is drawn, so
the worker starts fast.
"""
from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.metrics.catalogue import CATALOGUE
from bot.metrics.zone_names import ACT_NOW, WATCH, words
from bot.metrics.bands import bands_for
from bot.rituals import store
from bot.rituals.units import axis_unit, fmt
from bot.storage.models import Annotation, Mute

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.config import Settings

WATCH_COLOUR = "#f2c14e"
ACT_COLOUR = "#e4572e"
EVENT_COLOUR = "#5b5b5b"
MUTE_COLOUR = "#9e9e9e"
# Slack shows an image in a thread at about this width (CSS px); the PNG has twice the pixels.
DISPLAY_WIDTH_PX = 440
DISPLAY_HEIGHT_PX = 270
SCREEN_DPI = 100  # figure inches × this = displayed px; font points are measured at this size
RESOLUTION = 2  # pixels per displayed px (sharp on high-density screens)
MIN_FONT_PT = 10
TITLE_PT = 12
CHART_DAYS = 84  # 12 weeks


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
class Event:
    """A known event on the chart: an annotated day, or a mute over [day, until]."""

    day: date
    label: str
    kind: str = "change"  # release | incident | holiday | change | mute
    until: date | None = None


@dataclass(frozen=True)
class ChartData:
    """Everything a chart shows, in the metric's stored unit (`axis_unit` and `scale` turn it into the text's)."""

    label: str
    unit: str  # the catalogue unit (seconds, share, tickets, …)
    points: tuple[Point, ...]
    events: tuple[Event, ...] = ()
    zone: str | None = None
    axis_unit: str = ""  # the word the text uses: "min", "h", "%", "tickets"
    scale: float = 1.0  # stored value / scale = the figure on the axis

    def series(self, attr: str) -> list[float]:
        """One attribute of every point in axis units (NaN where missing): what is plotted."""
        return [math.nan if getattr(p, attr) is None else getattr(p, attr) / self.scale for p in self.points]


@dataclass(frozen=True, slots=True)
class ChartImage:
    png: bytes
    alt_text: str
    filename: str
    title: str
    data: ChartData | None = field(default=None, compare=False)


def _ok(value: float) -> bool:
    return not math.isnan(value)


# ---------- data ----------

def _day_events(annotations: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, label) of the annotations a stored day carries ("release: v2.3")."""
    out = []
    for note in annotations:
        kind, sep, label = str(note).partition(": ")
        out.append((kind, label) if sep else ("change", kind))
    return out


def chart_data(session: Session, *, workspace_id: str, metric: str, end: date, dimension: str = "",
               segment: str = "", days: int = CHART_DAYS, label: str | None = None,
               settings: Settings | None = None, events: Sequence[Event] = ()) -> ChartData | None:
    """The chart of one series over the `days` ending with `end`, from stored daily rows; None without rows.

    Bands come from each day's expected and spread with the zone settings of `settings`
    (the defaults without); `events` are added to the annotations found in storage.
    """
    mdef = CATALOGUE.get(metric)
    if mdef is None:
        return None
    start = end - timedelta(days=days - 1)
    rows = store.daily(session, workspace_id=workspace_id, start=start, end=end, metric=metric, dimension=dimension,
                       segment=segment)
    if not rows:
        return None
    zone_settings = _zone_settings(settings, metric)
    points, found = [], {}
    for r in rows:
        bands = bands_for(mdef, r.expected, r.evidence.get("spread"), zone_settings)
        stored = r.bands
        pick = lambda k: stored.get(k) if stored.get(k) is not None else getattr(bands, k)  # noqa: E731
        points.append(Point(r.day, r.value, r.expected, pick("watch_above"), pick("act_now_above"),
                            pick("watch_below"), pick("act_now_below")))
        for kind, text in _day_events(r.annotations):
            found.setdefault((r.day, text), Event(r.day, text, kind))
    for day, kind, text in session.execute(select(Annotation.day, Annotation.kind, Annotation.label).where(
            Annotation.workspace_id == workspace_id, Annotation.day >= start, Annotation.day <= end)):
        found.setdefault((day, text), Event(day, text, kind))
    for event in [*_mutes(session, workspace_id=workspace_id, metric=metric, dimension=dimension, segment=segment,
                          start=start, end=end, tz=settings.timezone if settings is not None else None), *events]:
        found.setdefault((event.day, event.label), event)
    last = next((p.value for p in reversed(points) if p.value is not None), None)
    word, scale = axis_unit(last, mdef.unit)
    return ChartData(label or mdef.label, mdef.unit, tuple(points),
                     tuple(sorted(found.values(), key=lambda e: (e.day, e.label))),
                     rows[-1].zone, word, scale)


def _mutes(session: Session, *, workspace_id: str, metric: str, dimension: str, segment: str, start: date, end: date,
           tz) -> list[Event]:
    """Mute windows over this series (the metric's, or this segment's) that touch [start, end], as local days."""
    from datetime import UTC

    out = []
    for row in session.scalars(select(Mute).where(Mute.workspace_id == workspace_id, Mute.metric == metric)
                               .order_by(Mute.starts_at, Mute.id)):
        if row.dimension and (row.dimension, row.segment) != (dimension, segment):
            continue
        if row.until_at <= row.starts_at:
            continue
        first = row.starts_at.astimezone(tz or UTC).date()
        last = (row.until_at - timedelta(microseconds=1)).astimezone(tz or UTC).date()
        if last < start or first > end:
            continue
        out.append(Event(max(first, start), f"muted: {row.reason}" if row.reason else "muted", "mute",
                         until=min(last, end)))
    return out


def _zone_settings(settings: Settings | None, metric: str):
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.settings import ZoneSettings

    if settings is None:
        return ZoneSettings()
    return rollup_settings(settings).metrics.for_metric(metric)


# ---------- words ----------

def alt_text(data: ChartData) -> str:
    label, points, unit, zone = data.label, data.points, data.unit, data.zone
    values = [p for p in points if p.value is not None]
    if not values:
        return f"{label}: no data in the last {len(points) // 7} weeks."
    last = values[-1]
    weeks = max(1, round((points[-1].day - points[0].day).days / 7))
    text = f"{label} over {weeks} weeks: {fmt(last.value, unit)} on {last.day.strftime('%a %-d %b')}"
    if last.expected is not None:
        text += f" against {fmt(last.expected, unit)} expected"
    low = min(values, key=lambda p: p.value or 0)
    high = max(values, key=lambda p: p.value or 0)
    text += f"; range {fmt(low.value, unit)} to {fmt(high.value, unit)}"
    if data.events:
        text += "; marked: " + ", ".join(f"{e.label} ({e.day.strftime('%-d %b')})" for e in data.events[:5])
    if zone:
        text += f"; zone now {zone.replace('_', '-')}"
    return text + "."


# ---------- drawing ----------

def figure(data: ChartData) -> Figure:
    """The chart as a matplotlib Figure (not yet rendered): what `trend_chart` saves."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    days = [p.day for p in data.points]
    fig = Figure(figsize=(DISPLAY_WIDTH_PX / SCREEN_DPI, DISPLAY_HEIGHT_PX / SCREEN_DPI),
                 dpi=SCREEN_DPI * RESOLUTION)
    ax = fig.add_subplot()
    bottom, top = _y_limits(data)
    _draw_bands(ax, data, days, bottom, top)
    expected = data.series("expected")
    if any(_ok(v) for v in expected):
        ax.plot(days, expected, color="#777777", lw=1.2, ls="--", label="expected")
    ax.plot(days, data.series("value"), color="#1d4e89", lw=2, label="actual")
    for event in data.events:
        if not days or days[0] <= event.day <= days[-1]:
            _draw_event(ax, event, days)
    _style(ax, data, bottom, top)
    fig.tight_layout(pad=0.4)
    return fig


def _y_limits(data: ChartData) -> tuple[float, float]:
    """The y axis: every value and band with 8% room, from 0 for quantities that cannot go below it."""
    finite = [v for attr in ("value", "act_now_above", "act_now_below", "watch_above", "watch_below")
              for v in data.series(attr) if _ok(v)] or [0.0, 1.0]
    span = (max(finite) - min(finite)) or abs(max(finite)) or 1.0
    top, bottom = max(finite) + 0.08 * span, min(finite) - 0.08 * span
    if data.unit in ("share", "tickets", "seconds", "tickets/agent", "currency") and min(finite) >= 0:
        bottom = max(bottom, 0.0)
    return bottom, top


def _draw_bands(ax, data: ChartData, days: list[date], bottom: float, top: float) -> None:
    """The watch and act-now bands above and below the expected value (a band without its outer edge runs
    to the axis' end); one legend entry per band kind."""
    wa, aa = data.series("watch_above"), data.series("act_now_above")
    wb, ab = data.series("watch_below"), data.series("act_now_below")
    watch, act_now = words(WATCH), words(ACT_NOW)  # the legend says the zones as the messages do
    if any(_ok(v) for v in wa):
        ax.fill_between(days, wa, [a if _ok(a) else top for a in aa], color=WATCH_COLOUR, alpha=0.3, lw=0,
                        label=watch)
    if any(_ok(v) for v in aa):
        ax.fill_between(days, aa, [top if _ok(a) else math.nan for a in aa], color=ACT_COLOUR, alpha=0.22, lw=0,
                        label=act_now)
    if any(_ok(v) for v in wb):
        ax.fill_between(days, [b if _ok(b) else bottom for b in ab], wb, color=WATCH_COLOUR, alpha=0.3, lw=0,
                        label=None if any(_ok(v) for v in wa) else watch)
    if any(_ok(v) for v in ab):
        ax.fill_between(days, [bottom if _ok(b) else math.nan for b in ab], ab, color=ACT_COLOUR, alpha=0.22, lw=0,
                        label=None if any(_ok(v) for v in aa) else act_now)


def _draw_event(ax, event: Event, days: list[date]) -> None:
    """A mute (or an event with an end) as a shaded span, any other event as a dotted line; its short label
    at the top, turned inwards in the right 40% of the chart."""
    if event.kind == "mute" or event.until is not None:
        ax.axvspan(event.day, (event.until or event.day) + timedelta(days=1), color=MUTE_COLOUR, alpha=0.18,
                   lw=0, gid="event")
    else:
        ax.axvline(event.day, color=EVENT_COLOUR, lw=1.2, ls=":", gid="event")
    right = days and (event.day - days[0]).days > 0.6 * max(1, (days[-1] - days[0]).days)
    ax.annotate(_short(event.label), xy=(event.day, 1.0), xycoords=("data", "axes fraction"),
                xytext=(-3 if right else 3, -2), textcoords="offset points", va="top",
                ha="right" if right else "left", fontsize=MIN_FONT_PT, color=EVENT_COLOUR, gid="event")


def _style(ax, data: ChartData, bottom: float, top: float) -> None:
    """Limits, title, unit, a tick every third Monday, light grid, and the legend under the plot."""
    import matplotlib.dates as mdates

    ax.set_ylim(bottom, top)
    ax.set_ylabel(data.axis_unit, fontsize=MIN_FONT_PT)
    ax.set_title(data.label, fontsize=TITLE_PT, loc="left")
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=MIN_FONT_PT, frameon=False, ncol=4,
              handlelength=1.2, columnspacing=0.8)


def _short(label: str, limit: int = 22) -> str:
    """An event's label on the chart: whole words up to `limit` characters (the alt text has it whole)."""
    if len(label) <= limit:
        return label
    cut = label[:limit].rsplit(" ", 1)[0].rstrip(" (:;,-")
    return (cut or label[:limit]) + "…"


def trend_chart(data: ChartData, *, filename: str = "trend.png") -> ChartImage:
    buffer = io.BytesIO()
    figure(data).savefig(buffer, format="png", metadata={"Software": None})
    return ChartImage(buffer.getvalue(), alt_text(data), filename, data.label, data)
