"""bot.actions.mutes: the pure decisions (table-driven) and the store (scoped by workspace, history kept)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.actions import mutes
from bot.actions.mutes import MuteWindow, Target
from bot.errors import UsageError
from bot.metrics.rules import DayZone

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def window(target: Target, start: datetime = NOW, hours: float = 72, **kw) -> MuteWindow:
    return MuteWindow(kw.pop("id", 1), target, start, start + timedelta(hours=hours), kw.pop("reason", None), "U0LEAD",
                      **kw)


@pytest.mark.parametrize("target, metric, rule, dimension, segment, expected", [
    (Target("csat"), "csat", "csat-drop", "", "", True),
    (Target("csat"), "csat", None, "product_area", "billing", True),  # a metric's mute covers its segments
    (Target("csat"), "backlog", None, "", "", False),
    (Target("csat", None, "product_area", "billing"), "csat", "r", "product_area", "billing", True),
    (Target("csat", None, "product_area", "billing"), "csat", "r", "product_area", "login", False),
    (Target("csat", None, "product_area", "billing"), "csat", "r", "", "", False),  # not the overall series
    (Target("csat", "csat-drop"), "csat", "csat-drop", "product_area", "billing", True),
    (Target("csat", "csat-drop"), "csat", "other-rule", "", "", False),  # a rule's mute: that rule only
    (Target("csat", "csat-drop"), "csat", None, "", "", False),
])
def test_matches(target, metric, rule, dimension, segment, expected):
    assert mutes.matches(target, metric=metric, rule=rule, dimension=dimension, segment=segment) is expected


@pytest.mark.parametrize("start, hours, days", [
    (NOW, 72, [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]),
    (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), 24, [date(2026, 11, 23)]),  # local midnight to midnight
    (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 25, [date(2026, 10, 25)]),  # the 25-hour autumn DST day
    (NOW, 0, []),
])
def test_muted_days_are_local_days(start, hours, days):
    assert mutes.muted_days(window(Target("csat"), start, hours), BERLIN) == days


@pytest.mark.parametrize("fired_on, created_at, now, silenced", [
    (date(2026, 11, 24), NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1), True),  # during the mute
    (date(2026, 11, 22), NOW - timedelta(hours=1), NOW + timedelta(minutes=5), True),  # waiting when it was set
    (date(2026, 11, 22), NOW - timedelta(hours=1), NOW + timedelta(days=5), True),  # ... and after it ended
    (date(2026, 11, 27), NOW + timedelta(days=4), NOW + timedelta(days=4), False),  # fired after it ended
    (date(2026, 11, 26), NOW + timedelta(days=4), NOW + timedelta(days=4), True),  # about a muted day
])
def test_silences(fired_on, created_at, now, silenced):
    w = window(Target("csat"))
    found = mutes.silences([w], metric="csat", rule="csat-drop", dimension="", segment="", fired_on=fired_on,
                           created_at=created_at, now=now, tz=BERLIN)
    assert (found is w) is silenced


@pytest.mark.parametrize("duration, until_day, expected", [
    (timedelta(days=3), None, NOW + timedelta(days=3)),
    (None, date(2026, 11, 27), datetime(2026, 11, 26, 23, 0, tzinfo=UTC)),  # Friday begins, Berlin time
    (timedelta(hours=1), None, NOW + timedelta(hours=1)),
])
def test_mute_until(duration, until_day, expected):
    assert mutes.mute_until(NOW, duration=duration, until_day=until_day, tz=BERLIN) == expected


@pytest.mark.parametrize("duration", [timedelta(minutes=30), timedelta(days=120)])
def test_mute_until_refuses_too_short_or_too_long(duration):
    with pytest.raises(UsageError):
        mutes.mute_until(NOW, duration=duration, tz=BERLIN)


def test_unmuted_zones_break_the_streak_on_muted_days_only():
    days = [DayZone(date(2026, 11, 22) + timedelta(days=i), "act_now") for i in range(6)]
    out = mutes.unmuted_zones(days, [window(Target("csat"), hours=48)], rule="r", metric="csat", dimension="",
                              segment="", tz=BERLIN)
    assert [d.zone for d in out] == ["act_now", "muted", "muted", "muted", "act_now", "act_now"]
    assert mutes.unmuted_zones(days, [window(Target("backlog"))], rule="r", metric="csat", dimension="", segment="",
                               tz=BERLIN) == days


def test_store_mute_extend_unmute_scoped_by_workspace(session_factory):
    target = Target("csat", None, "product_area", "billing")
    with session_factory.begin() as s:
        first, existed = mutes.mute(s, workspace_id="w1", target=target, until_at=NOW + timedelta(days=3),
                                    reason="outage", actor="U0LEAD", now=NOW)
        assert not existed
        again, existed = mutes.mute(s, workspace_id="w1", target=target, until_at=NOW + timedelta(days=7),
                                    reason=None, actor="U0OTHER", now=NOW + timedelta(hours=1))
        assert existed and again.id == first.id and again.until_at == NOW + timedelta(days=7)
        assert again.reason == "outage"  # an extension without a reason keeps the first one
        mutes.mute(s, workspace_id="w2", target=target, until_at=NOW + timedelta(days=1), reason=None,
                   actor="U0X", now=NOW)
    with session_factory.begin() as s:
        assert [w.id for w in mutes.active(s, workspace_id="w1", now=NOW + timedelta(hours=2))] == [first.id]
        with pytest.raises(UsageError, match="not muted now"):
            mutes.unmute(s, workspace_id="w1", actor="U0LEAD", now=NOW, target=Target("csat"))  # not that target
        with pytest.raises(UsageError, match="mute #99"):
            mutes.unmute(s, workspace_id="w1", actor="U0LEAD", now=NOW, mute_id=99)
    with session_factory.begin() as s:
        other = mutes.windows(s, workspace_id="w2")[0]
        with pytest.raises(UsageError):  # another workspace's mute is not reachable by id
            mutes.unmute(s, workspace_id="w1", actor="U0LEAD", now=NOW, mute_id=other.id)
        (ended,) = mutes.unmute(s, workspace_id="w1", actor="U0OTHER", now=NOW + timedelta(days=1),
                                mute_id=first.id, reason="fixed")
        assert ended.ended_at == ended.until_at == NOW + timedelta(days=1) and ended.ended_by == "U0OTHER"
        events = [(e.kind, e.actor, e.changes.get("reason"), e.action_id)
                  for e in mutes.history(s, workspace_id="w1", mute_id=first.id)]
    assert events == [("muted", "U0LEAD", "outage", None), ("muted", "U0OTHER", None, None),
                      ("unmuted", "U0OTHER", "fixed", None)]
    with session_factory.begin() as s:
        assert mutes.active(s, workspace_id="w1", now=NOW + timedelta(days=2)) == []
        assert len(mutes.active(s, workspace_id="w2", now=NOW)) == 1


def test_describe():
    line = mutes.describe(window(Target("first_response_time", "frt-spike", "group", "360001"), reason="deploy"),
                          segment_name="Billing")
    assert line.title == "First response time (median) (rule frt-spike) — Billing (group)"
    assert line.unmute_hint == "frt-spike group=Billing" and line.reason == "deploy" and not line.ended
