"""Zone names, in one place: the five zones a reading can be in (the JSON `zone` contract), the default for a
stored row without one, the orders the surfaces list them in, and the words and marks messages show.

Pure and import-free: config parsing, the metrics core, the rituals, Slack and the CLI import it alike.
"""
from __future__ import annotations

from collections.abc import Iterable

HEALTHY = "healthy"
WATCH = "watch"
ACT_NOW = "act_now"
INSUFFICIENT_DATA = "insufficient_data"
LEARNING = "learning"

ZONES = (HEALTHY, WATCH, ACT_NOW, INSUFFICIENT_DATA, LEARNING)  # the contract's order ([[rules]] zone, JSON)
BAD = (WATCH, ACT_NOW)  # the zones that need a look, and that fire rules
# A row (or a trigger's evidence) without a zone was never judged: it reads as too little data, never a guess.
DEFAULT = INSUFFICIENT_DATA

# Worst first, as the review, `/metrics` and App Home count and list them.
LISTED = (ACT_NOW, WATCH, HEALTHY, LEARNING, INSUFFICIENT_DATA)
# The counts a scorecard's headline shows (`/metrics`, App Home: template zone_counts).
HEADLINE = (ACT_NOW, WATCH, HEALTHY)
# How bad a zone is: rules fire at a threshold rank and a stricter rule wins.
RANK = {HEALTHY: 0, LEARNING: 1, INSUFFICIENT_DATA: 1, WATCH: 2, ACT_NOW: 3}
# The CLI scorecard's order: what needs a look first, healthy last.
SCORECARD_ORDER = {ACT_NOW: 0, WATCH: 1, INSUFFICIENT_DATA: 2, LEARNING: 3, HEALTHY: 4}

# A zone in words ("was act now on Tue 24 Nov") and as Slack marks it.
WORDS = {ACT_NOW: "act now", WATCH: "watch", HEALTHY: "healthy", LEARNING: "learning",
         INSUFFICIENT_DATA: "not enough data"}
EMOJI = {ACT_NOW: ":red_circle:", WATCH: ":large_yellow_circle:", HEALTHY: ":large_green_circle:",
         LEARNING: ":white_circle:", INSUFFICIENT_DATA: ":white_circle:"}


def zone_or_default(zone: str | None) -> str:
    """The zone a stored row reads as: its own, else `DEFAULT`."""
    return zone or DEFAULT


def counts(zones: Iterable[str | None]) -> dict[str, int]:
    """How many series are in each zone (no zone reads as `DEFAULT`), in `LISTED` order: the review's "now"
    and `/metrics` count them so."""
    listed = [zone_or_default(z) for z in zones]
    return {z: listed.count(z) for z in LISTED}


def words(zone: str) -> str:
    return WORDS.get(zone, zone)


def emoji(zone: str | None) -> str:
    return EMOJI.get(zone or "", EMOJI[INSUFFICIENT_DATA])
