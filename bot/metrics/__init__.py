"""Metrics core: catalogue, daily rollups, baselines, zones, drift, spikes, rules, backtests.

The math is pure computation over plain data (ticket facts, daily series). The SQL
that feeds it lives in `bot/storage/metrics.py`; the modules that take a session are the
orchestration (transactions, watermarks) in `bot/metrics/rollup.py`, triggers in `triggers.py`,
the one read model (a stored row as a reading, the latest computed day) in `readings.py`, the
stored scorecard and series in `reads.py`; the config mapping is in `config_map.py`.
No Slack and no HTTP here.
"""
from bot.metrics.catalogue import CATALOGUE, MetricDef, UnknownMetricError, resolve_metric

__all__ = ["CATALOGUE", "MetricDef", "UnknownMetricError", "resolve_metric"]
