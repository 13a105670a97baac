"""Intraday spikes: ticket volume per product area (and tag) against the same hour of week.

The current window (default the 60 minutes before `now`) is compared with the
same local wall-clock window in each of the previous `weeks` weeks (DST-safe:
"Tuesday 14:05–15:05 Berlin time" every week). Expected = median of those
counts, spread = max(robust SD, √expected) — Poisson noise for small counts.
Run after each sync, so a Tuesday-afternoon surge in one category is caught on
Tuesday afternoon.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from bot.metrics.settings import SpikeSettings
from bot.metrics.stats import MAD_TO_SD, median
from bot.metrics.zone_names import ACT_NOW, BAD, HEALTHY, LEARNING, WATCH


@dataclass(frozen=True, slots=True)
class VolumeEvent:
    """A ticket's creation with the keys it counts under."""

    created_at: datetime
    product_area: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Spike:
    dimension: str  # "product_area" or "tag"
    segment: str
    window_start_at: datetime
    window_end_at: datetime
    count: int
    expected: float | None
    spread: float | None
    score: float | None
    zone: str
    past_counts: tuple[int, ...]
    explanation: str


def past_windows(now_at: datetime, settings: SpikeSettings, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The same local wall-clock window in each of the previous weeks (UTC instants)."""
    local_end = now_at.astimezone(tz)
    width = timedelta(minutes=settings.window_minutes)
    out = []
    for k in range(1, settings.weeks + 1):
        end = (local_end - timedelta(weeks=k)).replace(fold=0)
        end_utc = end.astimezone(timezone.utc)
        out.append((end_utc - width, end_utc))
    return out


def detect_spikes(
    events: Sequence[VolumeEvent],
    *,
    now_at: datetime,
    settings: SpikeSettings,
    timezone_name: str,
    history_start_at: datetime | None = None,
    include_healthy: bool = False,
) -> list[Spike]:
    """Spikes in the window [now − window, now) per product area and tag, worst first."""
    tz = ZoneInfo(timezone_name)
    width = timedelta(minutes=settings.window_minutes)
    start_at = now_at - width
    if history_start_at is None:
        history_start_at = min((e.created_at for e in events), default=now_at)
    by_key: dict[tuple[str, str], list[float]] = {}
    for e in events:
        t = e.created_at.timestamp()
        if "product_area" in settings.dimensions and e.product_area:
            by_key.setdefault(("product_area", e.product_area), []).append(t)
        if "tag" in settings.dimensions:
            for tag in e.tags:
                by_key.setdefault(("tag", tag), []).append(t)
    windows = [(a, b) for a, b in past_windows(now_at, settings, tz) if a >= history_start_at]
    out: list[Spike] = []
    s0, s1 = start_at.timestamp(), now_at.timestamp()
    for (dim, seg), times in by_key.items():
        ts = np.sort(np.asarray(times))
        count = int(np.searchsorted(ts, s1, "left") - np.searchsorted(ts, s0, "left"))
        if count == 0 and not include_healthy:
            continue
        past = tuple(int(np.searchsorted(ts, b.timestamp(), "left") - np.searchsorted(ts, a.timestamp(), "left"))
                     for a, b in windows)
        what = f"{'Tickets in ' + seg if dim == 'product_area' else 'Tickets tagged ' + seg}"
        local = start_at.astimezone(tz)
        slot = f"{local:%A} {local:%H:%M}–{now_at.astimezone(tz):%H:%M}"
        if len(past) < settings.min_weeks:
            zone, exp, spread, score = LEARNING, None, None, None
            text = f"{what}: {count} on {slot}; only {len(past)} past weeks to compare (need {settings.min_weeks})."
        else:
            exp = median(past)
            spread = max(MAD_TO_SD * median([abs(p - exp) for p in past]), float(np.sqrt(max(exp, 1.0))))
            score = (count - exp) / spread
            if count >= settings.min_count and score >= settings.act_now:
                zone = ACT_NOW
            elif count >= settings.min_count and score >= settings.watch:
                zone = WATCH
            else:
                zone = HEALTHY
            text = (f"{what}: {count} on {slot}, against a usual {exp:g} at this hour of the week "
                    f"({score:.1f} deviations; last {len(past)} weeks: {', '.join(map(str, past))}).")
        if zone in BAD or include_healthy:
            out.append(Spike(dim, seg, start_at, now_at, count, exp, spread, score, zone, past, text))
    order = {ACT_NOW: 0, WATCH: 1, LEARNING: 2, HEALTHY: 3}
    out.sort(key=lambda s: (order[s.zone], -(s.score or 0.0), s.dimension, s.segment))
    return out
