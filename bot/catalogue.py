"""The metric catalogue: canonical keys, definitions, units, directions and denominators.

Pure and below every package: the config, actions, metrics, rituals and Slack all read it
(`bot.metrics.catalogue` re-exports it under its older name).

The keys are the contract of ARCHITECTURE.md (JSON `key`). `resolve_metric`
accepts the forgiving names people type in Slack ("frt", "first response",
"CSAT", "reopens") and raises `UnknownMetricError` with suggestions otherwise.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher_is_worse", "lower_is_worse", "both"]
Category = Literal["operational", "experience", "business_impact"]
# How a day's value is aggregated, which decides how it is judged:
#   count    — a number of tickets (judged on the daily value, Poisson noise floor)
#   duration — an exact median or p90 of per-ticket seconds
#   rate     — numerator / denominator, pooled over a trailing window with a Wilson interval
#   ratio    — a quotient that is not a share (tickets per agent, cost per resolution)
#   value    — any other daily figure (a backtest of an uploaded series)
Kind = Literal["count", "duration", "rate", "ratio", "value"]
DIRECTIONS: tuple[str, ...] = ("higher_is_worse", "lower_is_worse", "both")
DIMENSIONS: tuple[str, ...] = (
    "source", "channel", "priority", "group", "product_area", "account_tier", "agent",
)
# The ticket fields a `[product_areas]` entry can match as `field:value` (else it names a tag).
AREA_FIELDS: tuple[str, ...] = ("source", "channel", "priority", "group", "organization", "assignee")


@dataclass(frozen=True, slots=True)
class MetricDef:
    key: str
    label: str
    definition: str
    unit: str  # "tickets", "seconds", "share", "tickets/agent", "currency"
    direction: Direction
    category: Category
    denominator: str  # what the figure is shown next to
    kind: Kind
    aggregate: str = "value"  # "count", "median", "p90", "share", "ratio"
    attributed_to: str = "created"  # the day a ticket counts on: created, first_response, solved, end_of_day,
    # sla_outcome (when a target was met, or when it was missed)
    dimensions: tuple[str, ...] = DIMENSIONS
    aliases: tuple[str, ...] = ()
    optional: bool = False  # only computed when the data (or config) allows it


_ALL = DIMENSIONS
_NOT_AGENT = tuple(d for d in DIMENSIONS if d != "agent")

_DEFS: tuple[MetricDef, ...] = (
    MetricDef(
        "ticket_volume", "Ticket volume",
        "Tickets created on the day (deleted tickets excluded).",
        "tickets", "both", "operational", "active agents that day (volume per agent)",
        "count", "count", "created", _ALL, ("volume", "tickets", "new tickets", "inflow", "ticket volume"),
    ),
    MetricDef(
        "first_response_time", "First response time (median)",
        "First public agent reply minus creation, median over tickets first answered on the day.",
        "seconds", "higher_is_worse", "experience", "tickets first answered that day",
        "duration", "median", "first_response", _ALL,
        ("frt", "first response", "first reply", "first reply time", "response time", "first response time"),
    ),
    MetricDef(
        "first_response_time_p90", "First response time (p90)",
        "First public agent reply minus creation, 90th percentile (linear interpolation) over tickets first answered on the day.",
        "seconds", "higher_is_worse", "experience", "tickets first answered that day",
        "duration", "p90", "first_response", _ALL,
        ("frt p90", "frt90", "first response p90", "p90 frt", "first reply p90"),
    ),
    MetricDef(
        "resolution_time", "Resolution time (median)",
        "Solved minus creation, median over tickets solved on the day.",
        "seconds", "higher_is_worse", "experience", "tickets solved that day",
        "duration", "median", "solved", _ALL,
        ("resolution", "ttr", "time to resolution", "time to resolve", "full resolution", "resolution time"),
    ),
    MetricDef(
        "resolution_time_p90", "Resolution time (p90)",
        "Solved minus creation, 90th percentile over tickets solved on the day.",
        "seconds", "higher_is_worse", "experience", "tickets solved that day",
        "duration", "p90", "solved", _ALL,
        ("resolution p90", "ttr p90", "ttr90", "resolution time p90"),
    ),
    MetricDef(
        "csat", "Customer satisfaction",
        "Share of rated tickets solved on the day that were rated satisfied.",
        "share", "lower_is_worse", "experience", "rated tickets (share of rated)",
        "rate", "share", "solved", _ALL,
        ("satisfaction", "customer satisfaction", "csat score", "happiness"),
    ),
    MetricDef(
        "fcr_rate", "First contact resolution",
        "Share of tickets solved on the day with at most one agent reply and no reopen.",
        "share", "lower_is_worse", "experience", "solved tickets with a known reply count",
        "rate", "share", "solved", _ALL,
        ("fcr", "first contact resolution", "one touch", "one-touch resolution", "first contact"),
    ),
    MetricDef(
        "reopen_rate", "Reopen rate",
        "Share of tickets solved on the day that were reopened at least once.",
        "share", "higher_is_worse", "experience", "solved tickets",
        "rate", "share", "solved", _ALL,
        ("reopens", "reopen", "reopened", "reopen rate"),
    ),
    MetricDef(
        "escalation_rate", "Escalation rate",
        "Share of tickets solved on the day that were reassigned across groups or tagged/flagged as escalated (configurable).",
        "share", "higher_is_worse", "operational", "solved tickets",
        "rate", "share", "solved", _ALL,
        ("escalations", "escalation", "escalated"),
    ),
    MetricDef(
        "backlog", "Backlog",
        "Tickets not solved at the end of the day (created before midnight, solved after it or not yet).",
        "tickets", "higher_is_worse", "operational", "active agents that day (backlog per agent)",
        "count", "count", "end_of_day", _ALL,
        ("open tickets", "open", "unsolved", "queue", "queue size"),
    ),
    MetricDef(
        "backlog_age", "Backlog age (median)",
        "Median age at the end of the day of the tickets in the backlog.",
        "seconds", "higher_is_worse", "operational", "tickets in the backlog",
        "duration", "median", "end_of_day", _ALL,
        ("age", "open age", "backlog age", "ticket age"),
    ),
    MetricDef(
        "tickets_per_agent", "Tickets per agent",
        "Tickets created on the day divided by the agents active that day (assignees of tickets first answered or solved that day).",
        "tickets/agent", "higher_is_worse", "operational", "active agents",
        "ratio", "ratio", "created", _NOT_AGENT,
        ("per agent", "load", "workload", "tickets per agent", "volume per agent"),
    ),
    MetricDef(
        "repeat_contact_rate", "Repeat contact rate",
        "Share of tickets created on the day whose requester (or organization, configurable) had opened another ticket in the previous N days.",
        "share", "higher_is_worse", "experience", "tickets created with a known requester",
        "rate", "share", "created", _ALL,
        ("repeat contact", "repeat contacts", "repeats", "recontact", "repeat"),
    ),
    MetricDef(
        "deflection_rate", "Deflection rate",
        "Share of tickets solved on the day that a bot or AI agent resolved (where the source reports it).",
        "share", "lower_is_worse", "business_impact", "solved tickets",
        "rate", "share", "solved", _NOT_AGENT,
        ("deflection", "bot resolution", "ai resolution", "self service", "automation rate"),
        optional=True,
    ),
    # SLA compliance: only tickets with a target (the source's SLA policy, or due columns in a CSV).
    MetricDef(
        "sla_first_response_met", "First response SLA met",
        "Share of tickets with a first-response target whose outcome fell on the day that met it: counted on the "
        "day of the first reply when met, on the due day when missed (the source's own verdict wins).",
        "share", "lower_is_worse", "experience", "tickets with a first-response target due or answered that day",
        "rate", "share", "sla_outcome", _ALL,
        ("sla", "sla_frt", "sla frt", "frt sla", "first response sla", "first reply sla", "response sla",
         "sla compliance", "sla first response"),
        optional=True,
    ),
    MetricDef(
        "sla_resolution_met", "Resolution SLA met",
        "Share of tickets with a resolution target whose outcome fell on the day that met it: counted on the "
        "solve day when met, on the due day when missed (the source's own verdict wins).",
        "share", "lower_is_worse", "experience", "tickets with a resolution target due or solved that day",
        "rate", "share", "sla_outcome", _ALL,
        ("sla_resolution", "sla resolution", "resolution sla", "sla ttr", "ttr sla", "sla_ttr", "resolve sla"),
        optional=True,
    ),
    MetricDef(
        "cost_per_resolution", "Cost per resolution",
        "Monthly support cost from config spread evenly over the month's days, divided by tickets solved on the day.",
        "currency", "higher_is_worse", "business_impact", "tickets solved that day",
        "ratio", "ratio", "solved", (),
        ("cost", "cost per ticket", "cpr", "cost per resolution"),
        optional=True,
    ),
    # Business-hours variants: the source's business-time durations, else `[metrics.business_hours]`.
    MetricDef(
        "first_response_time_business", "First response time, business hours (median)",
        "First reply time in business hours (as the source reports it, or by the team's schedule), median over tickets first answered on the day.",
        "seconds", "higher_is_worse", "experience", "tickets first answered that day with a business-hours figure",
        "duration", "median", "first_response", _ALL,
        ("frt business", "business frt", "first response business hours"),
        optional=True,
    ),
    MetricDef(
        "resolution_time_business", "Resolution time, business hours (median)",
        "Resolution time in business hours (as the source reports it, or by the team's schedule), median over tickets solved on the day.",
        "seconds", "higher_is_worse", "experience", "tickets solved that day with a business-hours figure",
        "duration", "median", "solved", _ALL,
        ("resolution business", "business resolution", "ttr business"),
        optional=True,
    ),
)

CATALOGUE: dict[str, MetricDef] = {m.key: m for m in _DEFS}
# The 16 keys of ARCHITECTURE.md, in scorecard order.
CANONICAL_KEYS: tuple[str, ...] = tuple(k for k in CATALOGUE if k not in {
    "cost_per_resolution", "first_response_time_business", "resolution_time_business"})


class UnknownMetricError(ValueError):
    """A metric name that matches no key or alias; carries close suggestions."""

    def __init__(self, name: str, suggestions: tuple[str, ...]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown metric {name!r}{hint} (known: {', '.join(CATALOGUE)})")
        self.name = name
        self.suggestions = suggestions


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", text.strip().lower()).strip()


_LOOKUP: dict[str, str] = {}
for _m in _DEFS:
    for _name in (_m.key, _m.label, *_m.aliases):
        _LOOKUP.setdefault(_norm(_name), _m.key)
    _LOOKUP.setdefault(_norm(_m.key).replace(" ", ""), _m.key)


def resolve_metric(name: str) -> MetricDef:
    """The metric a person meant: canonical key, label or alias, case- and separator-insensitive."""
    norm = _norm(name)
    key = _LOOKUP.get(norm) or _LOOKUP.get(norm.replace(" ", ""))
    if key is None and norm.endswith(" rate"):
        key = _LOOKUP.get(norm[: -len(" rate")])
    if key is not None:
        return CATALOGUE[key]
    close = difflib.get_close_matches(norm, list(_LOOKUP), n=6, cutoff=0.6)
    suggestions = tuple(dict.fromkeys(_LOOKUP[c] for c in close))[:3]
    raise UnknownMetricError(name, suggestions)


def metric(key: str) -> MetricDef:
    """A metric by its exact canonical key (KeyError otherwise)."""
    return CATALOGUE[key]


def adhoc_metric(direction: str, *, key: str = "series", unit: str = "value") -> MetricDef:
    """A metric for an arbitrary daily series (backtest --series): judged like a level, no sample size."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    return MetricDef(key, key, "An uploaded daily series.", unit, direction, "operational",  # type: ignore[arg-type]
                     "—", "value", "value", "created", ())
