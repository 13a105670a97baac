"""Monthly leadership summary: three to five KPIs with their trend, and one to three recommended actions.

KPIs are computed from the month's solved tickets against the month before (a trend
reads better or worse only beyond sampling noise, `bot.metrics.verdicts.period_trend`):
CSAT, first contact resolution, median resolution time, cost per resolution
(when `metrics.monthly_support_cost` is set) and deflection (when the source
reports bot involvement). Recommendations come from the month's triggers,
act-now first, using each rule's playbook when it has one. Actions completed in
the month are counted by their verdict, from the same engine as the weekly review.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy.orm import Session

from bot.actions.statuses import DONE
from bot.blocks import Message, render
from bot.config import Settings
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.verdicts import PeriodSample, period_trend
from bot.metrics.zone_names import ACT_NOW
from bot.rituals import ledger, schedule, store, windows, words
from bot.rituals.store import TicketFact
from bot.rituals.units import duration
from bot.rituals.verdict import action_verdicts, tally
from bot.storage.reference import segment_names


@dataclass(frozen=True, slots=True)
class Kpi:
    label: str
    value: str
    previous: str
    trend: str  # better | worse | steady | new


@dataclass(frozen=True, slots=True)
class Summary:
    channel: str
    month: str  # 2026-10
    kpis: tuple[Kpi, ...]
    recommendations: tuple[str, ...]
    solved: int
    outcomes: tuple[tuple[str, int], ...] = ()  # actions done in the month by verdict: (("improved", 1), …)

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("leadership", self.channel, self.month)

    @property
    def first_day(self) -> date:
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)

    @property
    def month_words(self) -> str:
        """'October 2026' (the month the figures cover; never '2026-10')."""
        return windows.month(self.first_day)

    @property
    def month_name(self) -> str:
        return windows.MONTH_NAMES[self.first_day.month - 1]

    @property
    def previous_name(self) -> str:
        """The month the figures are compared with: 'September'."""
        return windows.MONTH_NAMES[(self.first_day - timedelta(days=1)).month - 1]


def kpi_values(solved: Sequence[TicketFact], monthly_cost: float | None) -> dict[str, float | None]:
    rated = [t for t in solved if t.csat in ("satisfied", "unsatisfied")]
    known = [t for t in solved if t.agent_replies is not None]
    resolutions = [t.resolution_seconds for t in solved if t.resolution_seconds is not None]
    bot = [t for t in solved if t.bot_involved]
    return {
        "csat": sum(t.csat == "satisfied" for t in rated) / len(rated) if rated else None,
        "fcr_rate": sum((t.agent_replies or 0) <= 1 and t.reopens == 0 for t in known) / len(known) if known else None,
        "resolution_time": median(resolutions) if resolutions else None,
        "cost_per_resolution": monthly_cost / len(solved) if monthly_cost and solved else None,
        "deflection_rate": sum(t.bot_resolved for t in bot) / len(bot) if bot else None,
    }


LOWER_IS_BETTER = {"resolution_time", "cost_per_resolution"}
LABELS = {"csat": "CSAT", "fcr_rate": "First contact resolution", "resolution_time": "Resolution time (median)",
          "cost_per_resolution": "Cost per resolution", "deflection_rate": "Deflection"}


def _fmt(key: str, value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "n/a"
    if key == "resolution_time":
        return duration(value)
    if key == "cost_per_resolution":
        return f"{value:,.2f} {currency}" if currency else f"{value:,.2f}"
    return f"{value * 100:.0f} %"


def kpi_samples(solved: Sequence[TicketFact], monthly_cost: float | None) -> dict[str, PeriodSample | None]:
    """What each KPI of `kpi_values` rests on, for a trend that knows sampling noise."""
    rated = [t for t in solved if t.csat in ("satisfied", "unsatisfied")]
    known = [t for t in solved if t.agent_replies is not None]
    resolutions = tuple(t.resolution_seconds for t in solved if t.resolution_seconds is not None)
    bot = [t for t in solved if t.bot_involved]
    share = lambda xs, ok: PeriodSample(sum(1 for t in xs if ok(t)), len(xs)) if xs else None  # noqa: E731
    return {
        "csat": share(rated, lambda t: t.csat == "satisfied"),
        "fcr_rate": share(known, lambda t: (t.agent_replies or 0) <= 1 and t.reopens == 0),
        "resolution_time": PeriodSample(values=resolutions) if resolutions else None,
        "cost_per_resolution": PeriodSample(count=len(solved)) if monthly_cost and solved else None,
        "deflection_rate": share(bot, lambda t: t.bot_resolved),
    }


def trend(key: str, now: PeriodSample | None, before: PeriodSample | None) -> str:
    """Pure: better / worse (beyond sampling noise) / steady / new. A fixed monthly cost per resolution
    falls as resolutions rise, so its sample is the count and more is better."""
    higher_is_better = key == "cost_per_resolution" or key not in LOWER_IS_BETTER
    return period_trend(now, before, higher_is_better=higher_is_better)


def kpis(this: dict[str, float | None], last: dict[str, float | None], *, currency: str | None = None,
         this_samples: dict[str, PeriodSample | None] | None = None,
         last_samples: dict[str, PeriodSample | None] | None = None) -> list[Kpi]:
    now, before = this_samples or {}, last_samples or {}
    return [Kpi(LABELS[k], _fmt(k, this[k], currency), _fmt(k, last[k], currency),
                trend(k, now.get(k), before.get(k)) if last[k] is not None else "new")
            for k in LABELS if this[k] is not None][:5]


def recommend(triggers, settings: Settings, *, today: date, names: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Up to three recommendations: act-now first, then the longest-open triggers."""
    ranked = sorted(triggers, key=lambda t: (t.zone != ACT_NOW, -((t.recovered_on or today) - t.fired_on).days, t.id))
    out: list[str] = []
    seen = set()
    for t in ranked:
        if (t.rule, t.segment) in seen:
            continue
        seen.add((t.rule, t.segment))
        definition = CATALOGUE.get(t.metric)
        segment = names.get((t.dimension, t.segment), t.segment) if names else t.segment
        if segment and t.dimension:  # "high-value accounts", "billing (product area)"
            segment = words.unescaped(words.segment(t.dimension, segment))
        label = (definition.label if definition else t.metric) + (f" in {segment}" if segment else "")
        playbook = settings.file.playbooks.get(t.playbook) if t.playbook else None
        step = playbook.steps[0] if playbook and playbook.steps else f"find the main cause of the {label.lower()} change"
        out.append(f"{label}: {step[:1].lower() + step[1:]}")
        if len(out) == 3:
            break
    return out


def gather(session: Session, *, settings: Settings, today: date) -> Summary | None:
    channel = settings.file.rituals.leadership.channel or settings.file.slack.leadership_channel
    if not channel:
        return None
    tz = settings.timezone
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_start = today.replace(day=1)
    prev_start = (month_start - timedelta(days=1)).replace(day=1)
    at = lambda d: schedule.local_instant(d, datetime.min.time(), tz)
    this = store.solved_tickets(session, workspace_id=settings.workspace_id, solved_from=at(month_start),
                                solved_to=at(next_start))
    last = store.solved_tickets(session, workspace_id=settings.workspace_id, solved_from=at(prev_start),
                                solved_to=at(month_start))
    cost = settings.file.metrics.monthly_support_cost
    triggers = [t for t in store.triggers(session, workspace_id=settings.workspace_id, fired_since=month_start)
                if t.fired_on < next_start]
    figures = kpis(kpi_values(this, cost), kpi_values(last, cost), currency=settings.file.metrics.currency,
                   this_samples=kpi_samples(this, cost), last_samples=kpi_samples(last, cost))
    outcomes = month_outcomes(session, settings=settings, start=month_start, end=next_start, today=today)
    return Summary(channel, f"{month_start.year}-{month_start.month:02d}",
                   tuple(figures), tuple(recommend(triggers, settings, today=today, names=segment_names(
                       session, workspace_id=settings.workspace_id, pairs=[(t.dimension, t.segment) for t in triggers]))), len(this), outcomes)


def month_outcomes(session: Session, *, settings: Settings, start: date, end: date,
                   today: date) -> tuple[tuple[str, int], ...]:
    """The actions done in [start, end) counted by verdict: all judged from one read of their readings
    (`action_verdicts`), their triggers read in one query, whatever their number."""
    tz = settings.timezone
    done = [a for a in store.actions(session, workspace_id=settings.workspace_id, statuses=(DONE,))
            if a.closed_at is not None and start <= a.closed_at.astimezone(tz).date() < end]
    triggers = {t.id: t for t in store.triggers_by_ids(session, workspace_id=settings.workspace_id,
                                                       ids={a.trigger_id for a in done if a.trigger_id})}
    verdicts = action_verdicts(session, settings=settings, workspace_id=settings.workspace_id, actions=done,
                               triggers=triggers, today=today)
    return tally(v.label for a in done if (v := verdicts[a.id]) is not None)


def render_summary(summary: Summary) -> Message:
    return render("ritual_leadership", s=summary)
