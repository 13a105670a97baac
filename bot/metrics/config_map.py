"""The application config (`bot.config.Settings`) mapped onto the metrics dataclasses (`RollupSettings`).

Rollups, rituals, themes and the CLI read the metrics settings through `rollup_settings`; this module
loads no database or numpy code, so importing it is cheap.
"""
from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

from bot.metrics.business_hours import BusinessHours
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.settings import (
    AbsoluteThreshold,
    ChangeDay,
    DefinitionSettings,
    MetricSettings,
    Playbook,
    ProductArea,
    RollupSettings,
    Rule,
    SegmentSettings,
    ZoneSettings,
)
from bot.weekdays import parse_days


def rollup_settings(app: Any) -> RollupSettings:
    """Map the application config (`bot.config.Settings`) onto the metrics dataclasses."""
    f = app.file
    m = f.metrics
    defaults = ZoneSettings(baseline_days=m.baseline_days, window_days=m.window_days,
                            learning_days=m.learning_days, watch=m.watch, act_now=m.act_now)
    per: dict[str, ZoneSettings] = {k: dataclasses.replace(defaults, min_sample=m.min_sample)
                                    for k, d in CATALOGUE.items() if d.kind == "rate"}
    for key, o in (m.overrides or {}).items():
        zs = per.get(key, defaults)
        changes: dict[str, Any] = {k: getattr(o, k) for k in ("watch", "act_now", "min_sample")
                                   if getattr(o, k, None) is not None}
        limits = {k: getattr(o, k, None) for k in ("watch_above", "act_now_above", "watch_below", "act_now_below")}
        if any(v is not None for v in limits.values()):
            changes["absolute"] = AbsoluteThreshold(**limits)
        per[key] = dataclasses.replace(zs, **changes)
    definitions = DefinitionSettings(
        escalation_by_reassignment=m.escalate_on_group_change,
        escalation_tags=tuple(m.escalation_tags),
        repeat_contact_days=m.repeat_contact_days,
        repeat_contact_by=m.repeat_contact_by,
        monthly_support_cost=m.monthly_support_cost,
        currency=m.currency,
        include_outbound=m.include_outbound,
        business_hours=None if m.business_hours is None else BusinessHours(
            parse_days(m.business_hours.days), m.business_hours.opens, m.business_hours.closes,
            holidays=frozenset(d for a in f.annotations if a.kind == "holiday" for d in a.days())),
    )
    segments = SegmentSettings(
        product_areas=tuple(ProductArea(a, tuple(v)) for a, v in (f.product_areas or {}).items()),
        high_value_orgs=frozenset(f.accounts.high_value),
    )
    rules = []
    for r in f.rules:
        seg = dict(r.segment or {})
        dim = r.by or (next(iter(seg)) if seg else None)
        segs = (seg[dim],) if dim in seg else ()
        rules.append(Rule(r.name, r.metric, r.zone, r.days, r.recover_days, dim, segs, r.playbook))
    playbooks = tuple(Playbook(name, p.owner, tuple(p.steps), p.due_days, p.channel, p.title or "")
                      for name, p in (f.playbooks or {}).items())
    changes_cfg = tuple(ChangeDay(d, a.label, a.kind) for a in f.annotations for d in a.days())  # ranges, seasons
    return RollupSettings(
        timezone=f.timezone,
        metrics=MetricSettings(defaults=defaults, per_metric=MappingProxyType(per)),
        segments=segments, definitions=definitions, change_days=changes_cfg,
        rules=tuple(rules), playbooks=playbooks,
    )

