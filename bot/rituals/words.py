"""A figure as a support lead reads it: its value, its window in words, a plain phrase, and the
statistics kept apart for the "Why?" line.

The phrases come from templates/plain_words.json.j2 (templates are where words live); the window from
`windows`. Every ritual and Slack view builds its figures here from a `bot.metrics.readings.Reading`, so a
trigger's alert, DM, review item and action card say the same value over the same days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.blocks import Safe, render
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.readings import Reading
from bot.rituals import windows
from bot.rituals.units import pair
from bot.storage.reference import named_text

__all__ = ["Said", "reading", "said", "segment", "unescaped"]


@dataclass(frozen=True, slots=True)
class Said:
    """What a message shows of one figure. `words` and `segment` are mrkdwn-safe; `why` is the
    statistics sentence for the small "Why?" context line (escaped by the template)."""
    value: str  # "61.0 %"
    expected: str  # "88.0 %"
    window: str  # "7 days to Thu 26 Nov", "yesterday"
    words: Safe  # "far below its usual range for a Thursday"
    why: str  # "Customer satisfaction was 61.0 % over the 7 days to 2026-11-26, below … (n=212)."
    zone: str
    segment: Safe = Safe("")  # "billing (product area)", "high-value accounts"; "" overall


def unescaped(text: str) -> str:
    """Rendered words back to plain text (for a chart title or a terminal; templates escape again)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def segment(dimension: str, name: str) -> Safe:
    """A segment as people say it: 'billing (product area)', 'high-value accounts', 'chat channel'."""
    if not dimension:
        return Safe("")
    return Safe(render("plain_words", part="segment", e={"dimension": dimension, "name": name}).text)


def reading(fig: Reading, *, drift_days: int | None = None) -> Safe:
    """The plain phrase for a figure's zone: 'far above its usual range for a Thursday'."""
    e = {"zone": fig.zone, "side": fig.side, "weekday": windows.weekday_name(fig.day) if fig.same_weekday else None,
         "drifting": fig.drifting, "drift_days": drift_days if drift_days is not None else _streak(fig),
         "absolute": fig.absolute, "annotations": list(fig.annotations)}
    return Safe(render("plain_words", part="reading", e=e).text)


def _streak(fig: Reading) -> int | None:
    return (fig.day - fig.since).days + 1 if fig.since is not None else None


def said(fig: Reading, *, today: date | None, name: str | None = None, currency: str | None = None,
         drift_days: int | None = None) -> Said:
    """Everything a message shows of `fig`; `name` is the segment as its source names it today."""
    definition = CATALOGUE.get(fig.metric)
    unit = definition.unit if definition else ""
    # the stored sentence names the segment's id: say its name
    why = named_text(fig.explanation, fig.dimension, fig.segment, name) if name is not None else fig.explanation
    value, expected = pair(fig.value, fig.expected, unit, currency=currency)  # one unit for both
    return Said(value, expected, windows.window(fig.day, fig.window_days, today), reading(fig, drift_days=drift_days), why, fig.zone,
                segment(fig.dimension, name if name is not None else fig.segment))
