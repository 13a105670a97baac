"""The config file → `RollupSettings` (`rollup_settings`), as the rollup reads it: aliases canonical,
currency, spikes' threshold; a bad value names its key."""
from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.metrics.config_map import rollup_settings
from bot.rituals import spikes


def _load(tmp_path, text: str):
    path = tmp_path / "signalroom.toml"
    path.write_text(text)
    return load_settings({}, config_path=str(path))


def test_aliases_threshold_and_currency(tmp_path):
    settings = _load(tmp_path, (
        '[metrics]\ncurrency = "USD"\n'
        '[metrics.spikes]\nthreshold = 6.0\nchannel = "C0SURGE"\n'
        '[metrics.overrides.frt_p90]\nwatch = 3.0\n'
        '[[rules]]\nname = "slow first replies"\nmetric = "frt"\n'))
    s = rollup_settings(settings)
    assert s.definitions.currency == "USD"
    assert s.metrics.for_metric("first_response_time_p90").watch == 3.0
    assert s.rules[0].metric == "first_response_time"
    surge = spikes.configured(settings)
    assert (surge.watch, surge.act_now) == (6.0, 6.0)
    assert rollup_settings(_load(tmp_path, "")).definitions.currency is None


def test_a_bad_value_names_its_key(tmp_path):
    # Unknown metrics, a second override and the rest: tests/test_config.py.
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, '[metrics.spikes]\nthreshold = "high"')
    assert error.value.key == "metrics.spikes.threshold" and "valid number" in error.value.problem
