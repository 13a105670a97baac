"""The days baselines leave out: known change days (config [[annotations]] and days marked from Slack) for
every metric, plus each metric's muted days (`bot.actions.mutes.known_days`), which leave only that
metric's baselines. Read by the rollup and the stored backtest."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from bot.actions import mutes
from bot.metrics.settings import ChangeDay, RollupSettings
from bot.storage import metrics as store


class KnownDays(dict):
    """day → `ChangeDay` for every metric, plus each metric's muted days: see `for_metric`."""

    def __init__(self, days: Mapping, muted: Mapping[str, Mapping[date, str]] | None = None) -> None:
        super().__init__(days)
        self.muted = dict(muted or {})

    def for_metric(self, metric: str) -> dict:
        extra = self.muted.get(metric)
        if not extra:
            return self
        out = dict(self)
        for day, reason in extra.items():
            out.setdefault(day, ChangeDay(day, reason, "muted"))
        return out


def known_change_days(session: Session, workspace_id: str, settings: RollupSettings) -> KnownDays:
    """Known change days of every metric (the config's and the stored annotations, one label per day),
    and each metric's muted days."""
    out = {c.day: c for c in settings.change_days}
    for day, kind, label in store.annotations(session, workspace_id=workspace_id):
        if day in out:
            prev = out[day]
            out[day] = ChangeDay(day, f"{prev.label}; {label}", prev.kind, prev.exclude)
        else:
            out[day] = ChangeDay(day, label, kind)
    return KnownDays(out, mutes.known_days(mutes.windows(session, workspace_id=workspace_id), settings.tz))
