"""Metrics core: catalogue, daily rollups, baselines, zones, drift, spikes, rules, backtests.

Everything in this package is pure computation over plain data (ticket facts,
daily series). The SQL that feeds it lives in `bot/storage/metrics.py`; the
orchestration (transactions, watermarks) in `bot/metrics/rollup.py`, triggers in `triggers.py`,
the stored scorecard and series in `reads.py`, the config mapping in `config_map.py`.
No Slack and no HTTP here.
"""
from bot.metrics.catalogue import CATALOGUE, MetricDef, UnknownMetricError, resolve_metric

__all__ = ["CATALOGUE", "MetricDef", "UnknownMetricError", "resolve_metric"]
