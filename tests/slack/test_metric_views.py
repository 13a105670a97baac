"""Every metric view answers in a new workspace (no data at all): once, each one failed with "Something went wrong"."""
from __future__ import annotations

import pytest

from bot.metrics.catalogue import CATALOGUE


@pytest.mark.parametrize("by", ["", " by channel"])
def test_every_metric_view_renders_without_data(driver, by):
    for number, key in enumerate(sorted(CATALOGUE), start=1):
        response = driver.command(f"{key}{by}")
        assert response.status_code == 200, key
        text = driver.texts(driver.answer(number))
        assert "Something went wrong" not in text, key
        assert f"No data for {CATALOGUE[key].label}" in text, key
