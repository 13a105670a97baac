"""Mute windows: a metric (or one rule), overall or for one segment, silenced until an instant.

A mute silences the alerts ritual and rule firings for what it names, and its
days are left out of that metric's baselines like any other known event
(`known_days`). Muting and unmuting append an `ActionEvent` (kind `muted` /
`unmuted`, who and why) to the action log's history. Nothing is deleted:
unmuting early ends the window at that instant.

The decisions (`matches`, `silences`, `muted_days`, `mute_until`) are pure over
plain data; the store functions take the caller's session and never commit.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import CATALOGUE
from bot.errors import UsageError
from bot.storage.models import ActionEvent, Mute
from bot.storage.reference import segment_names

MAX_MUTE = timedelta(days=91)  # a quarter: longer than that is a change to the rules, not a mute
MIN_MUTE = timedelta(hours=1)
MAX_REASON = 200
DEFAULT_BUTTON_MUTE = timedelta(days=7)  # the alert's Mute button


@dataclass(frozen=True, slots=True)
class Target:
    """What a mute names: a metric, or a rule (with the metric it watches); optionally one segment."""

    metric: str
    rule: str | None = None
    dimension: str = ""
    segment: str = ""


@dataclass(frozen=True, slots=True)
class MuteWindow:
    """A stored mute as plain data."""

    id: int
    target: Target
    starts_at: datetime
    until_at: datetime
    reason: str | None
    created_by: str
    ended_at: datetime | None = None
    ended_by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.until_at

    @classmethod
    def of(cls, row: Mute) -> MuteWindow:
        return cls(row.id, Target(row.metric, row.rule, row.dimension or "", row.segment or ""), row.starts_at,
                   row.until_at, row.reason, row.created_by, row.ended_at, row.ended_by)


# --- pure decisions ---------------------------------------------------------------------------------

def matches(target: Target, *, metric: str, rule: str | None = None, dimension: str = "", segment: str = "") -> bool:
    """Does a mute of `target` cover this metric / rule / segment?

    A rule's mute covers only that rule's firings; a metric's mute covers every rule and alert of
    the metric. Without a segment it covers the metric overall and every segment; with one, only it.
    """
    if target.rule is not None:
        if rule != target.rule:
            return False
    elif metric != target.metric:
        return False
    if target.dimension:
        return dimension == target.dimension and segment == target.segment
    return True


def silences(windows: Iterable[MuteWindow], *, metric: str, rule: str | None, dimension: str, segment: str,
             fired_on: date, created_at: datetime, now: datetime, tz: ZoneInfo) -> MuteWindow | None:
    """The mute that keeps a trigger's alert from being posted, if any.

    A trigger is silenced by a matching mute that is active now, that covered the day it fired, or
    that was set after it fired and before its alert went out (the mute answered this very trigger):
    when that mute ends, a stale alert from inside it is not posted after all.
    """
    for w in windows:
        if not matches(w.target, metric=metric, rule=rule, dimension=dimension, segment=segment):
            continue
        if w.active(now) or fired_on in muted_days(w, tz) or w.until_at > created_at:
            return w
    return None


def muted_days(window: MuteWindow, tz: ZoneInfo) -> list[date]:
    """The local days a mute touches: from the day it starts to the day it ends (its last instant)."""
    if window.until_at <= window.starts_at:
        return []
    first = window.starts_at.astimezone(tz).date()
    last = (window.until_at - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def mute_until(now: datetime, *, duration: timedelta | None = None, until_day: date | None = None,
               tz: ZoneInfo) -> datetime:
    """The instant a mute ends: `now + duration`, or the start of `until_day` in the team's timezone."""
    if (duration is None) == (until_day is None):
        raise ValueError("give a duration or a day")
    if duration is not None:
        until = now + duration
    else:
        until = datetime.combine(until_day, time(0), tzinfo=tz).astimezone(timezone.utc)
    if until - now < MIN_MUTE:
        raise UsageError("a mute lasts at least an hour; `until` needs a day after today")
    if until - now > MAX_MUTE + timedelta(days=1):
        raise UsageError(f"a mute lasts at most {MAX_MUTE.days} days; to stop a rule for good, "
                         "change or remove it in signalroom.toml")
    return until


def known_days(windows: Iterable[MuteWindow], tz: ZoneInfo) -> dict[str, dict[date, str]]:
    """metric → {muted day: reason}: the days left out of that metric's baselines.

    Baselines are computed per metric (all its segments in one pass), so a segment's mute leaves its
    days out of the metric's baselines for every segment: a few days fewer in a 90-day history.
    """
    out: dict[str, dict[date, str]] = {}
    for w in windows:
        days = out.setdefault(w.target.metric, {})
        for day in muted_days(w, tz):
            days.setdefault(day, w.reason or "no reason given")
    return out


def unmuted_zones(days: Sequence[Any], windows: Sequence[MuteWindow], *, rule: str, metric: str, dimension: str,
                  segment: str, tz: ZoneInfo) -> list[Any]:
    """A rule's daily zones (`bot.metrics.rules.DayZone`) with muted days read as "muted": neither at the
    rule's zone nor healthy, so a muted day breaks a firing streak and a rule cannot fire inside a mute;
    after it, the rule needs its N days again."""
    muted: set[date] = set()
    for w in windows:
        if matches(w.target, metric=metric, rule=rule, dimension=dimension, segment=segment):
            muted.update(muted_days(w, tz))
    if not muted:
        return list(days)
    return [dataclasses.replace(d, zone="muted") if d.day in muted else d for d in days]


# --- store ----------------------------------------------------------------------------------------

def _record(session: Session, row: Mute, *, kind: str, actor: str, at: datetime, changes: dict[str, Any]) -> None:
    def plain(v: Any) -> Any:
        return [plain(x) for x in v] if isinstance(v, list) else v.isoformat() if isinstance(v, (date, datetime)) else v

    session.add(ActionEvent(workspace_id=row.workspace_id, mute_id=row.id, kind=kind, actor=actor,
                            changes={k: plain(v) for k, v in changes.items()}, at=at))


def _target_json(t: Target) -> dict[str, Any]:
    return {"metric": t.metric, "rule": t.rule, "segment": {t.dimension: t.segment} if t.dimension else {}}


def _exactly(query, target: Target):
    query = query.where(Mute.metric == target.metric, Mute.dimension == target.dimension,
                        Mute.segment == target.segment)
    return query.where(Mute.rule.is_(None)) if target.rule is None else query.where(Mute.rule == target.rule)


def mute(session: Session, *, workspace_id: str, target: Target, until_at: datetime, reason: str | None,
         actor: str, now: datetime) -> tuple[MuteWindow, bool]:
    """Mute `target` until `until_at`; an active mute of exactly that target is extended (or shortened)
    instead. Returns (the window, whether it already existed)."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise UsageError(f"the reason is {len(reason)} characters; keep it under {MAX_REASON}")
    if until_at <= now:
        raise UsageError("that mute would already be over")
    existing = session.scalar(_exactly(select(Mute), target).where(
        Mute.workspace_id == workspace_id, Mute.starts_at <= now, Mute.until_at > now).order_by(Mute.id.desc()))
    if existing is not None:
        old = existing.until_at
        existing.until_at = until_at
        if reason:
            existing.reason = reason
        session.flush()
        _record(session, existing, kind="muted", actor=actor, at=now,
                changes={**_target_json(target), "until_at": [old, until_at], "reason": reason})
        return MuteWindow.of(existing), True
    row = Mute(workspace_id=workspace_id, metric=target.metric, rule=target.rule, dimension=target.dimension,
               segment=target.segment, starts_at=now, until_at=until_at, reason=reason, created_by=actor,
               created_at=now)
    session.add(row)
    session.flush()
    _record(session, row, kind="muted", actor=actor, at=now,
            changes={**_target_json(target), "until_at": until_at, "reason": reason})
    return MuteWindow.of(row), False


def unmute(session: Session, *, workspace_id: str, actor: str, now: datetime, target: Target | None = None,
           mute_id: int | None = None, reason: str | None = None) -> list[MuteWindow]:
    """End the active mutes of exactly `target` (or the mute `mute_id`) now; UsageError when none is active."""
    query = select(Mute).where(Mute.workspace_id == workspace_id, Mute.until_at > now)
    if mute_id is not None:
        query = query.where(Mute.id == mute_id)
    elif target is not None:
        query = _exactly(query, target)
    else:
        raise ValueError("unmute needs a target or an id")
    rows = list(session.scalars(query.order_by(Mute.id)))
    if not rows:
        what = f"mute #{mute_id}" if mute_id is not None else "that"
        raise UsageError(f"{what} is not muted now (see `/metrics mutes`)")
    for row in rows:
        old = row.until_at
        row.until_at = max(now, row.starts_at)
        row.ended_at, row.ended_by = now, actor
        session.flush()
        _record(session, row, kind="unmuted", actor=actor, at=now,
                changes={**_target_json(MuteWindow.of(row).target), "until_at": [old, row.until_at],
                         "reason": (reason or "").strip() or None})
    return [MuteWindow.of(r) for r in rows]


def windows(session: Session, *, workspace_id: str, ending_after: datetime | None = None,
            starting_before: datetime | None = None) -> list[MuteWindow]:
    """Mutes of the workspace (optionally those still running after / begun before an instant), oldest first."""
    query = select(Mute).where(Mute.workspace_id == workspace_id)
    if ending_after is not None:
        query = query.where(Mute.until_at > ending_after)
    if starting_before is not None:
        query = query.where(Mute.starts_at < starting_before)
    return [MuteWindow.of(r) for r in session.scalars(query.order_by(Mute.starts_at, Mute.id))]


def active(session: Session, *, workspace_id: str, now: datetime) -> list[MuteWindow]:
    return [w for w in windows(session, workspace_id=workspace_id, ending_after=now) if w.active(now)]


def history(session: Session, *, workspace_id: str, mute_id: int) -> list[ActionEvent]:
    return list(session.scalars(select(ActionEvent).where(
        ActionEvent.workspace_id == workspace_id, ActionEvent.mute_id == mute_id).order_by(ActionEvent.id)))


# --- what messages show ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MuteLine:
    """A mute as messages show it (`/metrics mutes`, the confirmation, the weekly review)."""

    id: int
    title: str  # "Ticket volume", "CSAT — Billing (product area)", "First response time (rule frt-spike)"
    until_at: datetime
    reason: str | None
    created_by: str
    ended: bool
    unmute_hint: str  # what to type after `/metrics unmute`


def described(session: Session, *, workspace_id: str, windows: Sequence[MuteWindow]) -> list[MuteLine]:
    """`describe` each window with its segment's display name (one query per dimension, not one per mute)."""
    names = segment_names(session, workspace_id=workspace_id,
                          pairs=((w.target.dimension, w.target.segment) for w in windows if w.target.dimension))
    return [describe(w, segment_name=names.get((w.target.dimension, w.target.segment))) for w in windows]


def describe(window: MuteWindow, *, segment_name: str | None = None) -> MuteLine:
    t = window.target
    definition = CATALOGUE.get(t.metric)
    title = definition.label if definition else t.metric
    if t.rule is not None:
        title = f"{title} (rule {t.rule})"
    segment = ""
    if t.dimension:
        segment = f"{t.dimension}={segment_name or t.segment}"
        title = f"{title} — {segment_name or t.segment} ({t.dimension.replace('_', ' ')})"
    hint = f"{t.rule or t.metric}{' ' + segment if segment else ''}"
    return MuteLine(window.id, title, window.until_at, window.reason, window.created_by, window.ended_at is not None,
                    hint)
