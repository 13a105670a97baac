"""The metric catalogue, as the metrics package has always named it: it lives in `bot/catalogue.py`, below
every package (config, actions, metrics and the rituals all name metrics), so none of them imports another
only to read it. Many modules import it from here; new code may import `bot.catalogue`."""
from __future__ import annotations

from bot.catalogue import (
    CANONICAL_KEYS,
    CATALOGUE,
    DIMENSIONS,
    DIRECTIONS,
    AREA_FIELDS,
    Category,
    Direction,
    Kind,
    MetricDef,
    UnknownMetricError,
    adhoc_metric,
    metric,
    resolve_metric,
)

__all__ = ["AREA_FIELDS", "CANONICAL_KEYS", "CATALOGUE", "DIMENSIONS", "DIRECTIONS", "Category", "Direction", "Kind",
           "MetricDef", "UnknownMetricError", "adhoc_metric", "metric", "resolve_metric"]
