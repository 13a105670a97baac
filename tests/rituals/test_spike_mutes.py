"""A mute of ticket volume (overall, or for a product area) silences the hourly surge alerts too."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import mutes
from bot.rituals import spikes
from tests.rituals.scenario import settings as make_settings
from tests.rituals.test_spikes import NOW, seed


BOTH = {("product_area", "billing"), ("tag", "billing")}


@pytest.mark.parametrize("target, posted", [
    (None, BOTH),
    (mutes.Target("ticket_volume"), set()),
    (mutes.Target("ticket_volume", None, "product_area", "billing"), {("tag", "billing")}),
    (mutes.Target("ticket_volume", None, "product_area", "login"), BOTH),
    (mutes.Target("csat"), BOTH),
])
def test_a_volume_mute_silences_surges(tmp_path, session_factory, target, posted):
    s = make_settings(tmp_path)
    seed(session_factory, s.workspace_id, now_count=25)
    if target is not None:
        with session_factory.begin() as session:
            mutes.mute(session, workspace_id=s.workspace_id, target=target, until_at=NOW + timedelta(days=2),
                       reason="launch", actor="U0LEAD", now=NOW - timedelta(hours=2))
    with session_factory() as session:
        alerts = spikes.gather(session, settings=s, now=NOW)
    assert {(x.dimension, x.segment) for a in alerts for x in a.spikes} == posted
