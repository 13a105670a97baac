"""`[metrics.spikes]`: surge alerts can be switched off, made less eager, and sent to their own channel."""
from __future__ import annotations

from bot.rituals import spikes
from bot.rituals.delivery import RecordingDelivery
from bot.rituals.runner import Runner
from tests.rituals.scenario import settings as make_settings
from tests.rituals.test_spikes import NOW, seed


def _send(tmp_path, session_factory, extra: str, now_count: int = 25):
    s = make_settings(tmp_path, extra)
    seed(session_factory, s.workspace_id, now_count=now_count)
    delivery = RecordingDelivery()
    results = Runner(s, session_factory, delivery, clock=lambda: NOW).run_now("spikes", NOW)
    return results, delivery


def test_defaults_post_to_the_alerts_channel(tmp_path, session_factory):
    (result,), _ = _send(tmp_path, session_factory, "")
    assert result.key.channel == "C0ALERTS"


def test_own_channel(tmp_path, session_factory):
    (result,), delivery = _send(tmp_path, session_factory, '\n[metrics.spikes]\nchannel = "C0SURGES"\n')
    assert result.key.channel == "C0SURGES" and delivery.sent[0].channel == "C0SURGES"


def test_disabled_posts_nothing(tmp_path, session_factory):
    results, delivery = _send(tmp_path, session_factory, "\n[metrics.spikes]\nenabled = false\n")
    assert results == [] and delivery.sent == []


def test_a_higher_threshold_ignores_a_moderate_surge(tmp_path, session_factory):
    # 12 tickets against the usual 3-4: no surge at a threshold of 40, a surge at the default of 3.
    (tmp_path / "strict").mkdir()
    results, _ = _send(tmp_path / "strict", session_factory, "\n[metrics.spikes]\nthreshold = 40\n", now_count=12)
    assert results == []
    (posted,), _ = _send(tmp_path, session_factory, "", now_count=12)
    assert posted.outcome == "posted"


def test_threshold_maps_onto_the_detector(tmp_path):
    s = make_settings(tmp_path, "\n[metrics.spikes]\nthreshold = 6.5\n")
    configured = spikes.configured(s)
    assert (configured.watch, configured.act_now, configured.enabled) == (6.5, 6.5, True)
    (tmp_path / "b").mkdir()
    assert spikes.configured(make_settings(tmp_path / "b")).watch == 3.0
