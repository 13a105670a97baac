"""Intraday spikes, checked after every sync: ticket volume per product area and tag in the last hour
against the same hour of the week in the previous weeks, so a Tuesday-afternoon surge is posted on
Tuesday afternoon. One grouped message per channel and local hour; a later sync in the same hour edits
it with the new counts instead of posting again. Registered as `SPIKES` (bot/rituals/registry.py): the
worker runs it after every sync, and the runner posts each alert under its own ledger key.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.actions import mutes
from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.settings import SpikeSettings
from bot.metrics.facts import AreaMatcher
from bot.metrics.spikes import Spike, VolumeEvent, detect_spikes, past_windows
from bot.metrics.zone_names import ACT_NOW, BAD, WATCH, emoji
from bot.rituals import ledger
from bot.storage.models import TicketRow
from bot.themes.service import area_matcher


def configured(settings: Settings) -> SpikeSettings:
    """`[metrics.spikes]`: on/off and the threshold (robust deviations above the usual count for that hour)."""
    config = settings.file.metrics.spikes
    defaults = SpikeSettings()
    return SpikeSettings(enabled=config.enabled, watch=config.threshold, act_now=max(defaults.act_now, config.threshold))


def alert_channel(settings: Settings) -> str | None:
    return settings.file.metrics.spikes.channel or settings.file.slack.alerts_channel


@dataclass(frozen=True, slots=True)
class SpikeAlert:
    channel: str
    hour: str  # local "YYYY-MM-DDTHH": one message per channel and hour
    spikes: tuple[Spike, ...]

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("spike", self.channel, self.hour)

    @property
    def worst(self) -> str:
        return ACT_NOW if any(s.zone == ACT_NOW for s in self.spikes) else WATCH


def events(session: Session, *, workspace_id: str, windows: Sequence[tuple[datetime, datetime]],
           areas: AreaMatcher) -> list[VolumeEvent]:
    """Ticket creations inside the given windows only (an indexed range each), as volume events."""
    t = TicketRow
    ranges = [(t.created_at >= start) & (t.created_at < end) for start, end in windows]
    rows = session.execute(select(t.created_at, t.tags, t.source, t.channel, t.priority, t.group_name,
                                  t.organization, t.assignee).where(
        t.workspace_id == workspace_id, t.deleted.is_(False), t.outbound.is_(False), or_(*ranges)))
    out = []
    for created_at, tags, source, channel, priority, group, organization, assignee in rows:
        fields = {"source": source, "channel": channel, "priority": priority, "group": group,
                  "organization": organization, "assignee": assignee}
        out.append(VolumeEvent(created_at, areas.name(tags or (), fields), tuple(tags or ())))
    return out


def history_start(session: Session, *, workspace_id: str) -> datetime | None:
    value = session.scalar(select(func.min(TicketRow.created_at)).where(TicketRow.workspace_id == workspace_id))
    return value


def gather(session: Session, *, settings: Settings, now: datetime,
           spike_settings: SpikeSettings | None = None) -> list[SpikeAlert]:
    spike_settings = spike_settings or configured(settings)
    channel = alert_channel(settings)
    if not channel or not spike_settings.enabled:
        return []
    tz = ZoneInfo(settings.file.timezone)
    current = (now - timedelta(minutes=spike_settings.window_minutes), now)
    windows = [current, *past_windows(now, spike_settings, tz)]
    found = detect_spikes(
        events(session, workspace_id=settings.workspace_id, windows=windows, areas=area_matcher(settings, session)),
        now_at=now, settings=spike_settings, timezone_name=settings.file.timezone,
        history_start_at=history_start(session, workspace_id=settings.workspace_id),
    )
    found = [s for s in found if s.zone in BAD and not _muted(session, settings, s, now)]
    if not found:
        return []
    return [SpikeAlert(channel, now.astimezone(tz).strftime("%Y-%m-%dT%H"), tuple(found[:10]))]


def _muted(session: Session, settings: Settings, spike: Spike, now: datetime) -> bool:
    """A surge is ticket volume: a mute of ticket volume (overall, or for that product area) silences it."""
    return any(mutes.matches(w.target, metric="ticket_volume", dimension=spike.dimension, segment=spike.segment)
               for w in mutes.active(session, workspace_id=settings.workspace_id, now=now))


def render_alert(alert: SpikeAlert) -> Message:
    return render("ritual_spike", a=alert, emoji=emoji)
