"""Rule triggers after a rollup: rules fire on the judged zones (and open their playbook's action) or recover.

Called by `bot.metrics.rollup` inside the rollup's transaction, on the zones of the series some rule
watches; a rule does not fire inside a mute (`bot.actions.mutes`).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.actions.mutes import unmuted_zones, windows
from bot.actions.service import next_working_day, open_action
from bot.actions.workdays import of_business_hours
from bot.metrics.rules import DayZone, RuleEvent, RuleState, evaluate_rule
from bot.metrics.series_state import Key
from bot.metrics.settings import RollupSettings, Rule
from bot.metrics.zones import ZoneResult
from bot.storage import metrics as store
from bot.storage.models import TRIGGER_OPEN

SYSTEM_ACTOR = "signalroom"


def fire_triggers(session: Session, *, workspace_id: str, settings: RollupSettings, zones: Mapping[Key, list[DayZone]],
                  results: Mapping[Key, list[ZoneResult]], as_of: date,
                  alerts_channel: str | None) -> tuple[list[RuleEvent], list[RuleEvent]]:
    if not settings.rules:
        return [], []
    run = _Firing(session, workspace_id, settings, results, alerts_channel)
    fired, recovered = [], []
    for rule in settings.rules:
        for key, days in zones.items():
            if rule.matches(*key):
                f, r = run.evaluate(rule, key, days, as_of)
                fired += f
                recovered += r
    return fired, recovered


class _Firing:
    """One rollup's trigger pass: the stored triggers of its rules, the mutes, the team's working days."""

    def __init__(self, session: Session, workspace_id: str, settings: RollupSettings,
                 results: Mapping[Key, list[ZoneResult]], alerts_channel: str | None) -> None:
        self.session, self.workspace_id, self.settings = session, workspace_id, settings
        self.alerts_channel = alerts_channel
        self.working = of_business_hours(settings.definitions.business_hours,
                                         [*(c.day for c in settings.change_days if c.kind == "holiday"),
                                          *(day for day, kind, _ in store.annotations(session, workspace_id=workspace_id)
                                            if kind == "holiday")])
        self.muted = windows(session, workspace_id=workspace_id)
        self.open_by: dict[tuple[str, str, str], Any] = {}
        self.last_recovered: dict[tuple[str, str, str], date] = {}
        for t in store.trigger_rows(session, workspace_id=workspace_id, rules=[r.name for r in settings.rules]):
            k = (t.rule, t.dimension, t.segment)
            if t.status == TRIGGER_OPEN:
                self.open_by[k] = t
            elif t.recovered_on is not None:
                self.last_recovered[k] = max(self.last_recovered.get(k, t.recovered_on), t.recovered_on)
        self.evidence = {(k, r.day): r for k, rs in results.items() for r in rs}

    def evaluate(self, rule: Rule, key: Key, days: list[DayZone],
                 as_of: date) -> tuple[list[RuleEvent], list[RuleEvent]]:
        """One rule on one series: its recoveries, then (the trigger closed) its firings."""
        m, dim, seg = key
        tk = (rule.name, dim, seg)
        trig = self.open_by.get(tk)
        if trig is not None:
            after = trig.fired_on
            state = RuleState(open_since=trig.fired_on)
        else:
            after = max(self.last_recovered.get(tk, date.min), as_of - timedelta(days=rule.days + 7))
            state = RuleState()
        window = sorted((d for d in days if after < d.day <= as_of), key=lambda d: d.day)
        if trig is None and self.muted:  # a rule does not fire inside a mute (bot.actions.mutes)
            window = unmuted_zones(window, self.muted, rule=rule.name, metric=m, dimension=dim, segment=seg,
                                   tz=self.settings.tz)
        events, _ = evaluate_rule(rule, window, dimension=dim, segment=seg, state=state)
        fired, recovered = [], []
        for e in events:
            if e.kind == "recover":
                if trig is not None:
                    store.recover_trigger(self.session, workspace_id=self.workspace_id, trigger_id=trig.id, day=e.day)
                    trig = None
                recovered.append(e)
            else:
                trig = self.fire(rule, key, e)
                fired.append(e)
        return fired, recovered

    def fire(self, rule: Rule, key: Key, e: RuleEvent) -> Any:
        """Store the trigger with the day's evidence and open its playbook's action."""
        m, dim, seg = key
        r = self.evidence.get((key, e.day))
        pb = self.settings.playbook(rule.playbook)
        channel = (pb.channel if pb and pb.channel else None) or self.alerts_channel
        ev = r.to_dict() if r else {}
        ev["since"] = e.since.isoformat()
        trig = store.add_trigger(
            self.session, workspace_id=self.workspace_id, rule=rule.name, metric=m, dimension=dim, segment=seg,
            zone=r.zone if r else rule.zone, status=TRIGGER_OPEN, fired_on=e.day, playbook=rule.playbook,
            evidence=ev, alert_channel=channel)
        if pb is not None:
            # The action is the playbook's steps; why it fired stays with the trigger's evidence
            # (alerts show it), so reminders and the review list short, doable lines.
            # Its short title on the first line (messages show it in bold), the steps below it.
            text = pb.heading + "".join(f"\n{i}. {step}" for i, step in enumerate(pb.steps, 1))
            open_action(self.session, workspace_id=self.workspace_id, metric=m, description=text[:2000],
                        owner=pb.owner, created_by=SYSTEM_ACTOR,
                        due_on=next_working_day(e.day + timedelta(days=pb.follow_up_days), self.working),
                        dimension=dim, segment=seg,
                        trigger_id=trig.id, value_at_open=r.value if r else None, channel=channel)
        return trig
