"""Weekly product-channel digests: one per routing rule (product area → channel).

For the last whole week (Monday to Sunday, "week of 16 Nov") before the digest
day: the area's tickets, its top three recurring themes in business language
(the lead-in follows the change: "more customers are struggling with …: 42
tickets, +35 % over the 4-week average", "fewer customers needed help with …",
"new in the week of 16 Nov: …"), with CSAT, median resolution and example ticket links, and
the area's escalation rate. Skipped when nothing is notable and the route says
`only_when_notable`.

A ticket is in the route's area by the metrics core's product-area rule
(`AreaMatcher`: `[product_areas]` tags or `field:value` rules, first matching
area in config order; config refuses a route to an area it does not define).

Themes and their weekly counts are the latest stored themes run's
(`signalroom themes`, or the worker's themes job): a theme is in the digest of
its product area, with the count, 4-week average, CSAT and median resolution
that run computed for the week, so the digest and `signalroom themes` show the
same numbers for the same week. Before any run, the area's tickets are grouped
by their most specific tag (not a product-area tag or a generic one), or their
subject line when they have no such tag.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import RouteConfig, Settings
from bot.metrics.facts import AreaMatcher
from bot.rituals import ledger, links, schedule, store, windows
from bot.rituals.store import TicketFact
from bot.rituals.accounts import recent_comments
from bot.rituals.units import change, duration
from bot.storage.tickets import unsatisfied_comments
from bot.themes.service import ThemeWeekCount, area_matcher, theme_weeks
from bot.themes.weekly import last_complete_week
from bot.trackers import ids as tracker_ids
from bot.trackers.digest import with_trackers

GENERIC_TAGS = {"release", "escalated", "vip", "urgent", "spam", "merged"}
# What makes a digest worth posting.
NOTABLE_GROWTH = 0.25
NOTABLE_MIN_TICKETS = 10
NOTABLE_CSAT_GAP = 0.10
NOTABLE_ESCALATION_RISE = 0.05
STEADY = 0.10  # within ±10 % of the 4-week average, a theme reads as steady


@dataclass(frozen=True, slots=True)
class ThemeLine:
    label: str
    count: int
    avg_4w: float
    growth: str
    csat: float | None
    resolution: str | None
    examples: tuple[tuple[str, str | None], ...]  # (ticket id, url)
    notable: bool
    comments: tuple[str, ...] = ()  # latest unsatisfied CSAT comments of the theme's tickets (thread detail)
    key: str = ""  # the stored theme's id ("" for a tag line): what a linked tracker issue belongs to
    tracker: Any = None  # bot.trackers.digest.ThemeTracker when a tracker is set up: button, linked issue, verdict

    @property
    def csat_text(self) -> str | None:
        return None if self.csat is None else f"{self.csat * 100:.0f} %"

    @property
    def direction(self) -> str:
        """What the lead-in says: new (none in the 4 weeks before), rising, falling, or steady (within ±10 %)."""
        if not self.avg_4w:
            return "new"
        ratio = self.count / self.avg_4w
        return "rising" if ratio >= 1 + STEADY else "falling" if ratio <= 1 - STEADY else "steady"


@dataclass(frozen=True, slots=True)
class Digest:
    area: str
    channel: str
    week_start: date
    week_end: date
    period: str
    tickets: int
    tickets_4w_avg: float
    themes: tuple[ThemeLine, ...]
    csat_overall: float | None
    escalation_rate: float | None
    escalation_rate_4w: float | None
    notable: bool

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("digest", self.channel, self.period)

    @property
    def week_words(self) -> str:
        """'week of 16 Nov': the window every figure of the digest covers."""
        return windows.week_of(self.week_start)

    @property
    def csat_overall_text(self) -> str:
        return "n/a" if self.csat_overall is None else f"{self.csat_overall * 100:.0f} %"

    @property
    def escalation_text(self) -> str:
        return "n/a" if self.escalation_rate is None else f"{self.escalation_rate * 100:.0f} %"

    @property
    def escalation_4w_text(self) -> str:
        return "n/a" if self.escalation_rate_4w is None else f"{self.escalation_rate_4w * 100:.0f} %"


def area_of(ticket: TicketFact, areas: AreaMatcher) -> str | None:
    return areas.name(ticket.tags, ticket.fields())


def digest_areas(settings: Settings, session: Session | None = None) -> AreaMatcher:
    """The metrics core's product-area rule, as themes and metrics apply it (a route names a configured area)."""
    return area_matcher(settings, session)


def theme_of(ticket: TicketFact, exclude: set[str]) -> str | None:
    specific = [t for t in ticket.tags if t.lower() not in exclude and t.lower() not in GENERIC_TAGS]
    if specific:
        return specific[0].replace("_", " ").replace("-", " ")
    return (ticket.subject or "").strip()[:120] or None


def csat_share(tickets: Sequence[TicketFact]) -> float | None:
    rated = [t for t in tickets if t.csat in ("satisfied", "unsatisfied")]
    return sum(t.csat == "satisfied" for t in rated) / len(rated) if rated else None


def escalation_share(tickets: Sequence[TicketFact]) -> float | None:
    return sum(t.escalated or t.reassignments > 0 for t in tickets) / len(tickets) if tickets else None


def build(route: RouteConfig, *, areas: AreaMatcher, week: Sequence[TicketFact], prior: Sequence[TicketFact],
          everyone_week: Sequence[TicketFact], week_start: date, period: str, url_for,
          theme_weeks: Sequence[ThemeWeekCount] | None = None, comments: Mapping[int, str] | None = None) -> Digest:
    """Pure: the digest for one route from the week's and the previous four weeks' tickets.

    `areas` puts each ticket in its product area; `theme_weeks` are the latest themes run's counts for
    this week (None before any run: themes then come from tags); `comments` maps row ids to CSAT comments
    of unsatisfied ratings, the latest shown under their theme in the thread detail.
    """
    mine = [t for t in week if area_of(t, areas) == route.product_area]
    mine_prior = [t for t in prior if area_of(t, areas) == route.product_area]
    overall_csat = csat_share(everyone_week)
    if theme_weeks is None:
        lines = _tag_lines(mine, mine_prior, areas, overall_csat, url_for, comments or {})
    else:
        lines = _run_lines(route, theme_weeks, everyone_week, overall_csat, url_for, comments or {})
    esc, esc_prior = escalation_share(mine), escalation_share(mine_prior)
    escalation_notable = esc is not None and esc_prior is not None and esc - esc_prior >= NOTABLE_ESCALATION_RISE
    return Digest(route.product_area, route.channel, week_start, week_start + timedelta(days=6), period, len(mine),
                  len(mine_prior) / 4, tuple(lines), overall_csat, esc, esc_prior,
                  any(l.notable for l in lines) or escalation_notable)


def _csat_gap(csat: float | None, overall: float | None, count: int) -> bool:
    return (csat is not None and overall is not None and overall - csat >= NOTABLE_CSAT_GAP
            and count >= NOTABLE_MIN_TICKETS)


def _run_lines(route: RouteConfig, theme_weeks: Sequence[ThemeWeekCount], everyone_week: Sequence[TicketFact],
               overall_csat: float | None, url_for, comments: Mapping[int, str]) -> list[ThemeLine]:
    """The area's themes with the counts the themes run computed for the week (what `signalroom themes` shows)."""
    by_id = {t.id: t for t in everyone_week}
    ranked = sorted((w for w in theme_weeks if w.product_area == route.product_area and w.count >= 2),
                    key=lambda w: (-w.count, w.name))[:3]
    lines = []
    for w in ranked:
        avg = w.baseline or 0.0
        tickets = [t for t in everyone_week if t.id in w.ticket_ids]
        examples = tuple((by_id[i].external_id, url_for(by_id[i])) for i in w.example_ids if i in by_id)
        lines.append(ThemeLine(
            w.name, w.count, avg, change(w.count, avg) if avg else "new", w.csat,
            None if w.median_resolution_seconds is None else duration(w.median_resolution_seconds), examples,
            w.notable or _csat_gap(w.csat, overall_csat, w.count), recent_comments(tickets, comments), w.theme_id))
    return lines


def _tag_lines(mine: Sequence[TicketFact], mine_prior: Sequence[TicketFact], areas: AreaMatcher,
               overall_csat: float | None, url_for, comments: Mapping[int, str]) -> list[ThemeLine]:
    """Before any themes run: the area's tickets grouped by their most specific tag (or subject)."""
    area_tags = {t.lower() for t in areas.tag_area} | {name.lower() for name in areas.names}
    by_theme: dict[str, list[TicketFact]] = defaultdict(list)
    for t in mine:
        theme = theme_of(t, area_tags)
        if theme:
            by_theme[theme].append(t)
    prior_counts = Counter(theme_of(t, area_tags) for t in mine_prior)
    lines = []
    for label, tickets in sorted(by_theme.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:3]:
        if len(tickets) < 2:
            continue  # not recurring
        avg = prior_counts.get(label, 0) / 4
        csat = csat_share(tickets)
        resolutions = [t.resolution_seconds for t in tickets if t.resolution_seconds is not None]
        growth = (len(tickets) - avg) / avg if avg else (1.0 if len(tickets) >= NOTABLE_MIN_TICKETS else 0.0)
        notable = (len(tickets) >= NOTABLE_MIN_TICKETS and growth >= NOTABLE_GROWTH) or _csat_gap(
            csat, overall_csat, len(tickets))
        examples = tuple((t.external_id, url_for(t)) for t in tickets[-3:])
        lines.append(ThemeLine(label, len(tickets), avg, change(len(tickets), avg) if avg else "new",
                               csat, duration(median(resolutions)) if resolutions else None, examples, notable,
                               recent_comments(tickets, comments)))
    return lines


def gather(session: Session, *, settings: Settings, today: date, period: str) -> list[Digest]:
    """Digests for the last whole week before `today` (the local digest day), as `signalroom themes` counts it."""
    tz = settings.timezone
    week_start = last_complete_week(today)
    start_at = schedule.local_instant(week_start, datetime.min.time(), tz)
    end_at = schedule.local_instant(week_start + timedelta(days=7), datetime.min.time(), tz)
    prior_at = schedule.local_instant(week_start - timedelta(days=28), datetime.min.time(), tz)
    week = store.tickets(session, workspace_id=settings.workspace_id, created_from=start_at, created_to=end_at)
    prior = store.tickets(session, workspace_id=settings.workspace_id, created_from=prior_at, created_to=start_at)
    areas = digest_areas(settings, session)
    counts = theme_weeks(session, workspace_id=settings.workspace_id, week_start=week_start)
    comments = unsatisfied_comments(session, workspace_id=settings.workspace_id,
                                    row_ids=[t.id for t in week if t.csat == "unsatisfied"]
                                    ) if settings.file.privacy.store_subject else {}
    digests = [build(route, areas=areas, week=week, prior=prior, everyone_week=week, week_start=week_start,
                     period=period, url_for=lambda t: links.ticket_url(settings, t.source, t.external_id),
                     theme_weeks=counts, comments=comments)
               for route in settings.file.routing]
    return with_trackers(session, settings, digests, today=today)  # linked issues (bot/trackers/digest.py)


def render_digest(digest: Digest) -> tuple[Message, list[Message]]:
    return render("ritual_digest", d=digest), [render("ritual_digest_detail", d=digest, tracker_ids=tracker_ids)]
