from datetime import datetime, timedelta, timezone

from bot.metrics.spikes import VolumeEvent, detect_spikes, past_windows
from bot.metrics.settings import SpikeSettings

UTC = timezone.utc
# Tuesday 2024-05-14 15:30 Berlin (13:30 UTC)
NOW = datetime(2024, 5, 14, 13, 30, tzinfo=UTC)


def test_same_hour_of_week_survives_dst():
    # Eight weeks before 14 May is 19 March (CET, UTC+1): same 15:30 local wall clock = 14:30 UTC.
    windows = past_windows(NOW, SpikeSettings(weeks=8), __import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert windows[0][1] == NOW - timedelta(weeks=1)
    assert windows[-1][1] == datetime(2024, 3, 19, 14, 30, tzinfo=UTC)


def test_tuesday_afternoon_surge_in_one_area_is_caught():
    events = []
    for week in range(1, 9):  # usual: 2 billing tickets in this hour, 3 login tickets
        base = NOW - timedelta(weeks=week) - timedelta(minutes=30)
        events += [VolumeEvent(base, "billing", ("refund",)) for _ in range(2)]
        events += [VolumeEvent(base, "login", ()) for _ in range(3)]
    start = NOW - timedelta(minutes=50)
    events += [VolumeEvent(start + timedelta(minutes=i), "billing", ("refund",)) for i in range(14)]
    events += [VolumeEvent(start, "login", ()) for _ in range(3)]
    spikes = detect_spikes(events, now_at=NOW, settings=SpikeSettings(), timezone_name="Europe/Berlin",
                           history_start_at=NOW - timedelta(weeks=10))
    keys = [(s.dimension, s.segment, s.zone) for s in spikes]
    assert ("product_area", "billing", "act_now") in keys
    assert ("tag", "refund", "act_now") in keys
    assert not any(seg == "login" for _, seg, _ in keys)
    billing = next(s for s in spikes if s.segment == "billing")
    # expected 2, spread max(0, √2) → (14 − 2) / 1.414 = 8.5
    assert billing.count == 14 and billing.expected == 2 and round(billing.score, 1) == 8.5
    assert "Tuesday 15:30–16:30" not in billing.explanation and "Tuesday 14:30–15:30" in billing.explanation


def test_spikes_learn_first():
    events = [VolumeEvent(NOW - timedelta(minutes=5), "billing") for _ in range(20)]
    spikes = detect_spikes(events, now_at=NOW, settings=SpikeSettings(), timezone_name="UTC",
                           include_healthy=True)
    assert spikes[0].zone == "learning"
