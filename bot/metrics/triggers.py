"""Rule triggers after a rollup: rules fire on the judged zones (and open their playbook's action) or recover.

Called by `bot.metrics.rollup` inside the rollup's transaction, on the zones of the series some rule
watches; a rule does not fire inside a mute (`bot.actions.mutes`).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics.rules import DayZone, RuleEvent, RuleState, evaluate_rule
from bot.metrics.series_state import Key
from bot.metrics.settings import RollupSettings
from bot.metrics.zones import ZoneResult
from bot.storage import metrics as store

SYSTEM_ACTOR = "signalroom"


def fire_triggers(session: Session, *, workspace_id: str, settings: RollupSettings, zones: Mapping[Key, list[DayZone]],
                  results: Mapping[Key, list[ZoneResult]], as_of: date,
                  alerts_channel: str | None) -> tuple[list[RuleEvent], list[RuleEvent]]:
    if not settings.rules:
        return [], []
    from bot.actions.mutes import unmuted_zones, windows
    from bot.actions.service import next_working_day, open_action
    from bot.actions.workdays import of_business_hours

    working = of_business_hours(settings.definitions.business_hours,
                                [*(c.day for c in settings.change_days if c.kind == "holiday"),
                                 *(day for day, kind, _ in store.annotations(session, workspace_id=workspace_id)
                                   if kind == "holiday")])

    muted = windows(session, workspace_id=workspace_id)
    existing = store.trigger_rows(session, workspace_id=workspace_id, rules=[r.name for r in settings.rules])
    open_by: dict[tuple[str, str, str], Any] = {}
    last_recovered: dict[tuple[str, str, str], date] = {}
    for t in existing:
        k = (t.rule, t.dimension, t.segment)
        if t.status == "open":
            open_by[k] = t
        elif t.recovered_on is not None:
            last_recovered[k] = max(last_recovered.get(k, t.recovered_on), t.recovered_on)
    evidence = {(k, r.day): r for k, rs in results.items() for r in rs}
    fired, recovered = [], []
    for rule in settings.rules:
        for key, days in zones.items():
            m, dim, seg = key
            if not rule.matches(m, dim, seg):
                continue
            tk = (rule.name, dim, seg)
            trig = open_by.get(tk)
            if trig is not None:
                after = trig.fired_on
                state = RuleState(open_since=trig.fired_on)
            else:
                after = max(last_recovered.get(tk, date.min), as_of - timedelta(days=rule.days + 7))
                state = RuleState()
            window = sorted((d for d in days if after < d.day <= as_of), key=lambda d: d.day)
            if trig is None and muted:  # a rule does not fire inside a mute (bot.actions.mutes)
                window = unmuted_zones(window, muted, rule=rule.name, metric=m, dimension=dim, segment=seg,
                                       tz=settings.tz)
            events, _ = evaluate_rule(rule, window, dimension=dim, segment=seg, state=state)
            for e in events:
                if e.kind == "recover":
                    if trig is not None:
                        store.recover_trigger(session, workspace_id=workspace_id, trigger_id=trig.id, day=e.day)
                        trig = None
                    recovered.append(e)
                    continue
                r = evidence.get((key, e.day))
                pb = settings.playbook(rule.playbook)
                channel = (pb.channel if pb and pb.channel else None) or alerts_channel
                ev = r.to_dict() if r else {}
                ev["since"] = e.since.isoformat()
                trig = store.add_trigger(
                    session, workspace_id=workspace_id, rule=rule.name, metric=m, dimension=dim, segment=seg,
                    zone=r.zone if r else rule.zone, status="open", fired_on=e.day, playbook=rule.playbook,
                    evidence=ev, alert_channel=channel)
                if pb is not None:
                    # The action is the playbook's steps; why it fired stays with the trigger's evidence
                    # (alerts show it), so reminders and the review list short, doable lines.
                    # Its short title on the first line (messages show it in bold), the steps below it.
                    text = pb.heading + "".join(f"\n{i}. {step}" for i, step in enumerate(pb.steps, 1))
                    open_action(session, workspace_id=workspace_id, metric=m, description=text[:2000],
                                owner=pb.owner, created_by=SYSTEM_ACTOR,
                                due_on=next_working_day(e.day + timedelta(days=pb.follow_up_days), working),
                                dimension=dim, segment=seg,
                                trigger_id=trig.id, value_at_open=r.value if r else None, channel=channel)
                fired.append(e)
    return fired, recovered

