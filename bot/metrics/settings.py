"""Settings for the metrics math: plain frozen dataclasses.

The application config (`bot/config.py`) builds these from `signalroom.toml`;
`settings_from_mapping` does that for the `[metrics]`, `[[rules]]` and
`[[playbooks]]` tables and names the offending key on error, so the config
layer can delegate to it. Tests build them directly.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.metrics.business_hours import BusinessHours
from bot.metrics.catalogue import DIMENSIONS, UnknownMetricError, resolve_metric

Zone = Literal["healthy", "watch", "act_now", "insufficient_data", "learning"]
ZONES: tuple[str, ...] = ("act_now", "watch", "insufficient_data", "learning", "healthy")


class MetricsConfigError(ValueError):
    """A metrics setting that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class AbsoluteThreshold:
    """Explicit limits in the metric's unit; crossing one sets the zone regardless of bands."""

    watch_above: float | None = None
    act_now_above: float | None = None
    watch_below: float | None = None
    act_now_below: float | None = None

    def zone_for(self, value: float) -> str | None:
        if self.act_now_above is not None and value > self.act_now_above:
            return "act_now"
        if self.act_now_below is not None and value < self.act_now_below:
            return "act_now"
        if self.watch_above is not None and value > self.watch_above:
            return "watch"
        if self.watch_below is not None and value < self.watch_below:
            return "watch"
        return None


@dataclass(frozen=True, slots=True)
class ZoneSettings:
    """How one metric is judged. Cut-offs are in robust deviations (scaled MADs)."""

    baseline_days: int = 90  # trailing window of the baseline; rounded up to whole weeks
    window_days: int = 7  # rates are pooled over this trailing window
    min_sample: int | None = None  # None: 30 for rates, 5 for durations, 0 for counts
    learning_days: int = 21  # fewer days of history than this → `learning`
    watch: float = 2.0
    act_now: float = 3.5
    relative_floor: float = 0.05  # spread is at least this share of the expected value
    min_weekday_samples: int = 3  # same-weekday median needs this many; else all days
    absolute: AbsoluteThreshold | None = None

    def effective_min_sample(self, kind: str) -> int:
        if self.min_sample is not None:
            return self.min_sample
        return {"rate": 30, "duration": 5, "ratio": 1}.get(kind, 0)


@dataclass(frozen=True, slots=True)
class DriftSettings:
    """EWMA of the daily score: slow drift that never crosses a daily band."""

    enabled: bool = True
    lam: float = 0.2
    limit: float = 1.0  # EWMA above this (3σ of an EWMA of unit-variance scores at λ=0.2) → watch
    min_days: int = 7  # scored days before drift can be reported


@dataclass(frozen=True, slots=True)
class MetricSettings:
    defaults: ZoneSettings = ZoneSettings()
    per_metric: Mapping[str, ZoneSettings] = field(default_factory=lambda: MappingProxyType({}))
    drift: DriftSettings = DriftSettings()

    def for_metric(self, key: str) -> ZoneSettings:
        return self.per_metric.get(key, self.defaults)


@dataclass(frozen=True, slots=True)
class ProductArea:
    """An area and what puts a ticket in it: tags ("refund") or fields ("group:Payments")."""

    name: str
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SegmentSettings:
    product_areas: tuple[ProductArea, ...] = ()  # first match wins, in config order
    high_value_orgs: frozenset[str] = frozenset()
    high_value_tier: str = "high_value"
    default_tier: str = "standard"


@dataclass(frozen=True, slots=True)
class DefinitionSettings:
    escalation_by_reassignment: bool = True  # reassigned across groups at least once
    escalation_by_flag: bool = True  # the source's escalated flag
    escalation_tags: tuple[str, ...] = ("escalated",)
    repeat_contact_days: int = 7
    repeat_contact_by: Literal["requester", "organization"] = "requester"
    monthly_support_cost: float | None = None
    currency: str | None = None  # ISO 4217 code shown with cost per resolution; None: the bare figure
    deflection: bool | None = None  # None: computed when any ticket reports bot involvement
    # Count agent-initiated conversations (Ticket.outbound) in volume and response metrics too.
    include_outbound: bool = False
    # The team's schedule: business-hours durations for tickets whose source reports none.
    business_hours: BusinessHours | None = None


@dataclass(frozen=True, slots=True)
class ChangeDay:
    """A known change day (release, holiday, incident): excluded from baselines, annotated on alerts."""

    day: date
    label: str
    kind: str = "change"
    exclude: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    """metric + segment filter + zone + N consecutive days; recovers after M healthy days.

    `dimension=None` watches the overall series; with a dimension, `segments`
    restricts to those values (empty: every segment of the dimension).
    """

    name: str
    metric: str
    zone: Literal["watch", "act_now"] = "act_now"
    days: int = 1
    recovery_days: int = 3
    dimension: str | None = None
    segments: tuple[str, ...] = ()
    playbook: str | None = None

    def matches(self, metric: str, dimension: str, segment: str) -> bool:
        if metric != self.metric:
            return False
        if self.dimension is None:
            return dimension == ""
        return dimension == self.dimension and (not self.segments or segment in self.segments)


@dataclass(frozen=True, slots=True)
class Playbook:
    name: str
    owner: str  # Slack user id (U…) or an email resolved later
    steps: tuple[str, ...] = ()
    follow_up_days: int = 7
    channel: str | None = None  # default: [slack].alerts_channel
    title: str = ""  # the short heading messages show; "" = from the name

    @property
    def heading(self) -> str:
        return playbook_title(self.name, self.title)


ACRONYMS = frozenset({"csat", "frt", "fcr", "sla", "slas", "nps", "vip", "api", "ai", "faq", "sso"})


def playbook_title(name: str, title: str | None = None) -> str:
    """A playbook's short heading: its `title`, else its name in words ("csat-recovery" → "CSAT recovery")."""
    if title:
        return title
    words = name.replace("_", " ").replace("-", " ").split()
    words = [w.upper() if w.lower() in ACRONYMS else w.lower() for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    enabled: bool = True
    window_minutes: int = 60
    weeks: int = 8  # same hour-of-week in this many past weeks
    min_weeks: int = 3  # fewer past weeks with data → learning
    min_count: int = 5  # a spike needs at least this many tickets in the window
    watch: float = 3.0
    act_now: float = 5.0
    dimensions: tuple[str, ...] = ("product_area", "tag")


@dataclass(frozen=True, slots=True)
class RollupSettings:
    """Everything the metrics core needs, built once from config."""

    timezone: str = "UTC"
    metrics: MetricSettings = MetricSettings()
    segments: SegmentSettings = SegmentSettings()
    definitions: DefinitionSettings = DefinitionSettings()
    change_days: tuple[ChangeDay, ...] = ()
    rules: tuple[Rule, ...] = ()
    playbooks: tuple[Playbook, ...] = ()
    spikes: SpikeSettings = SpikeSettings()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def playbook(self, name: str | None) -> Playbook | None:
        return next((p for p in self.playbooks if p.name == name), None)


# --- building from a TOML-shaped mapping ---------------------------------------------------

_ZONE_KEYS = {f.name for f in dataclasses.fields(ZoneSettings)} - {"absolute"}
_ABS_KEYS = {f.name for f in dataclasses.fields(AbsoluteThreshold)}


def _check_keys(table: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in table:
        if key not in allowed:
            raise MetricsConfigError(f"{path}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _typed(value: Any, typ: type, path: str) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise MetricsConfigError(f"{path}: expected {typ.__name__}, got {value!r}")
    return value


def _zone_fields(table: Mapping[str, Any], path: str) -> dict[str, Any]:
    types = {"baseline_days": int, "window_days": int, "min_sample": int, "learning_days": int,
             "watch": float, "act_now": float, "relative_floor": float, "min_weekday_samples": int}
    out = {k: _typed(table[k], types[k], f"{path}.{k}") for k in types if k in table}
    for k in ("baseline_days", "window_days", "learning_days"):
        if k in out and out[k] < 1:
            raise MetricsConfigError(f"{path}.{k}: must be at least 1")
    return out


def _absolute(table: Mapping[str, Any], path: str) -> AbsoluteThreshold:
    if not isinstance(table, Mapping):
        raise MetricsConfigError(f"{path}: expected a table")
    _check_keys(table, _ABS_KEYS, path)
    return AbsoluteThreshold(**{k: _typed(v, float, f"{path}.{k}") for k, v in table.items()})


def _known_metric(key: str, path: str) -> str:
    """The canonical key for a key or alias (as `/metrics` accepts them); else an error with "did you mean"."""
    try:
        return resolve_metric(key).key
    except UnknownMetricError as exc:
        raise MetricsConfigError(f"{path}: {exc}") from None


def settings_from_mapping(
    metrics: Mapping[str, Any] | None = None,
    *,
    rules: list[Mapping[str, Any]] | None = None,
    playbooks: list[Mapping[str, Any]] | None = None,
    timezone: str = "UTC",
) -> RollupSettings:
    """Build `RollupSettings` from the `[metrics]` table and the `[[rules]]`/`[[playbooks]]` arrays."""
    m = dict(metrics or {})
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MetricsConfigError(f"timezone: unknown IANA timezone {timezone!r}") from exc
    tables = {"overrides", "absolute", "escalation", "segments", "product_areas", "drift", "spikes", "change_days"}
    scalars = _ZONE_KEYS | {"repeat_contact_days", "repeat_contact_by", "monthly_support_cost", "currency", "deflection",
                           "include_outbound"}
    _check_keys(m, tables | scalars, "metrics")
    defaults = ZoneSettings(**_zone_fields(m, "metrics"))

    absolute = {k: _absolute(v, f"metrics.absolute.{k}") for k, v in dict(m.get("absolute", {})).items()}
    per_metric: dict[str, ZoneSettings] = {}
    for name, table in dict(m.get("overrides", {})).items():
        path = f"metrics.overrides.{name}"
        key = _known_metric(name, path)
        if key in per_metric:
            raise MetricsConfigError(f"{path}: a second override for {key} (one table per metric)")
        _check_keys(table, _ZONE_KEYS | {"absolute"}, path)
        zs = dataclasses.replace(defaults, **_zone_fields(table, path))
        if "absolute" in table:
            zs = dataclasses.replace(zs, absolute=_absolute(table["absolute"], f"{path}.absolute"))
        per_metric[key] = zs
    for name, thr in absolute.items():
        key = _known_metric(name, f"metrics.absolute.{name}")
        per_metric[key] = dataclasses.replace(per_metric.get(key, defaults), absolute=thr)

    drift_t = dict(m.get("drift", {}))
    _check_keys(drift_t, {"enabled", "lambda", "limit", "min_days"}, "metrics.drift")
    drift = DriftSettings(
        enabled=_typed(drift_t.get("enabled", True), bool, "metrics.drift.enabled"),
        lam=_typed(drift_t.get("lambda", 0.2), float, "metrics.drift.lambda"),
        limit=_typed(drift_t.get("limit", 1.0), float, "metrics.drift.limit"),
        min_days=_typed(drift_t.get("min_days", 7), int, "metrics.drift.min_days"),
    )
    if not 0 < drift.lam <= 1:
        raise MetricsConfigError("metrics.drift.lambda: must be within (0, 1]")

    esc = dict(m.get("escalation", {}))
    _check_keys(esc, {"reassignment", "flag", "tags"}, "metrics.escalation")
    rc_by = m.get("repeat_contact_by", "requester")
    if rc_by not in ("requester", "organization"):
        raise MetricsConfigError("metrics.repeat_contact_by: expected 'requester' or 'organization'")
    deflection = m.get("deflection", "auto")
    if deflection not in ("auto", True, False):
        raise MetricsConfigError("metrics.deflection: expected true, false or 'auto'")
    cost = m.get("monthly_support_cost")
    definitions = DefinitionSettings(
        escalation_by_reassignment=_typed(esc.get("reassignment", True), bool, "metrics.escalation.reassignment"),
        escalation_by_flag=_typed(esc.get("flag", True), bool, "metrics.escalation.flag"),
        escalation_tags=tuple(_typed(t, str, "metrics.escalation.tags[]") for t in esc.get("tags", ["escalated"])),
        repeat_contact_days=_typed(m.get("repeat_contact_days", 7), int, "metrics.repeat_contact_days"),
        repeat_contact_by=rc_by,
        monthly_support_cost=None if cost is None else _typed(cost, float, "metrics.monthly_support_cost"),
        currency=None if m.get("currency") is None else _typed(m["currency"], str, "metrics.currency"),
        deflection=None if deflection == "auto" else deflection,
        include_outbound=_typed(m.get("include_outbound", False), bool, "metrics.include_outbound"),
    )

    seg = dict(m.get("segments", {}))
    _check_keys(seg, {"high_value_orgs", "high_value_tier", "default_tier"}, "metrics.segments")
    areas = tuple(
        ProductArea(name, tuple(_typed(x, str, f"metrics.product_areas.{name}[]") for x in (v if isinstance(v, list) else [v])))
        for name, v in dict(m.get("product_areas", {})).items()
    )
    segments = SegmentSettings(
        product_areas=areas,
        high_value_orgs=frozenset(_typed(o, str, "metrics.segments.high_value_orgs[]") for o in seg.get("high_value_orgs", [])),
        high_value_tier=_typed(seg.get("high_value_tier", "high_value"), str, "metrics.segments.high_value_tier"),
        default_tier=_typed(seg.get("default_tier", "standard"), str, "metrics.segments.default_tier"),
    )

    changes = []
    for i, c in enumerate(m.get("change_days", [])):
        path = f"metrics.change_days[{i}]"
        _check_keys(c, {"date", "label", "kind", "exclude"}, path)
        raw = c.get("date")
        try:
            d = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError as exc:
            raise MetricsConfigError(f"{path}.date: expected YYYY-MM-DD, got {raw!r}") from exc
        changes.append(ChangeDay(d, str(c.get("label", "change")), str(c.get("kind", "change")), bool(c.get("exclude", True))))

    sp = dict(m.get("spikes", {}))
    sp_types = {"enabled": bool, "window_minutes": int, "weeks": int, "min_weeks": int, "min_count": int,
                "watch": float, "act_now": float}
    # `threshold` and `channel` as in signalroom.toml's [metrics.spikes]; the channel is the rituals' business.
    _check_keys(sp, set(sp_types) | {"dimensions", "threshold", "channel"}, "metrics.spikes")
    spike_fields = {k: _typed(v, sp_types[k], f"metrics.spikes.{k}") for k, v in sp.items() if k in sp_types}
    if "threshold" in sp:
        threshold = _typed(sp["threshold"], float, "metrics.spikes.threshold")
        spike_fields.setdefault("watch", threshold)
        spike_fields.setdefault("act_now", max(SpikeSettings().act_now, threshold))
    spikes = SpikeSettings(**spike_fields, **({"dimensions": tuple(sp["dimensions"])} if "dimensions" in sp else {}))

    pbs = []
    for i, p in enumerate(playbooks or []):
        path = f"playbooks[{i}]"
        _check_keys(p, {"name", "owner", "steps", "follow_up_days", "channel", "title"}, path)
        for req in ("name", "owner"):
            if req not in p:
                raise MetricsConfigError(f"{path}.{req}: required")
        pbs.append(Playbook(
            name=_typed(p["name"], str, f"{path}.name"), owner=_typed(p["owner"], str, f"{path}.owner"),
            steps=tuple(_typed(s, str, f"{path}.steps[]") for s in p.get("steps", [])),
            follow_up_days=_typed(p.get("follow_up_days", 7), int, f"{path}.follow_up_days"),
            channel=p.get("channel"), title=_typed(p.get("title", ""), str, f"{path}.title"),
        ))
    names = {p.name for p in pbs}
    rls = []
    for i, r in enumerate(rules or []):
        path = f"rules[{i}]"
        _check_keys(r, {"name", "metric", "zone", "days", "recovery_days", "by", "segments", "playbook"}, path)
        if "metric" not in r:
            raise MetricsConfigError(f"{path}.metric: required")
        key = _known_metric(r["metric"], f"{path}.metric")
        zone = r.get("zone", "act_now")
        if zone not in ("watch", "act_now"):
            raise MetricsConfigError(f"{path}.zone: expected 'watch' or 'act_now', got {zone!r}")
        by = r.get("by")
        if by is not None and by not in DIMENSIONS:
            raise MetricsConfigError(f"{path}.by: unknown dimension {by!r} (known: {', '.join(DIMENSIONS)})")
        pb = r.get("playbook")
        if pb is not None and pb not in names:
            raise MetricsConfigError(f"{path}.playbook: no playbook named {pb!r}")
        days = _typed(r.get("days", 1), int, f"{path}.days")
        rec = _typed(r.get("recovery_days", 3), int, f"{path}.recovery_days")
        if days < 1 or rec < 1:
            raise MetricsConfigError(f"{path}: days and recovery_days must be at least 1")
        rls.append(Rule(
            name=str(r.get("name") or f"{key}-{zone}-{days}d" + (f"-{by}" if by else "")),
            metric=key, zone=zone, days=days, recovery_days=rec, dimension=by,
            segments=tuple(str(s) for s in r.get("segments", [])), playbook=pb,
        ))
    return RollupSettings(
        timezone=timezone,
        metrics=MetricSettings(defaults=defaults, per_metric=MappingProxyType(per_metric), drift=drift),
        segments=segments, definitions=definitions, change_days=tuple(changes),
        rules=tuple(rls), playbooks=tuple(pbs), spikes=spikes,
    )
