"""Weekly product-channel digests: one per routing rule (product area → channel).

For the area's tickets this week: the top three recurring themes in business
language ("customers are failing at …: 42 tickets this week, +35 % over the
4-week average, CSAT 61 % against 88 % overall, median resolution 2.1 days",
with example ticket links), the area's escalation rate, and onboarding-related
volume. Skipped when nothing is notable and the route says `only_when_notable`.

A ticket is in the route's area by the metrics core's product-area rule
(`AreaMatcher`: `[product_areas]` tags or `field:value` rules, first matching
area in config order); a routed area missing from `[product_areas]` matches
tickets tagged with its own name.

A ticket's theme is the one the latest themes run put it in (`signalroom
themes`, or the worker's weekly themes job). Before any run, or for a ticket
outside it, the theme is its most specific tag (not a product-area tag or a
generic one), or its subject line when it has no such tag.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy.orm import Session

from bot.blocks import Message, render
from bot.config import RouteConfig, Settings
from bot.metrics.facts import AreaMatcher
from bot.metrics.service import rollup_settings
from bot.metrics.settings import ProductArea
from bot.rituals import ledger, links, schedule, store
from bot.rituals.store import TicketFact
from bot.rituals.accounts import recent_comments
from bot.rituals.units import change, duration
from bot.storage.reference import with_reference_ids
from bot.storage.tickets import unsatisfied_comments
from bot.themes.service import theme_names_by_ticket

GENERIC_TAGS = {"release", "escalated", "vip", "urgent", "spam", "merged"}
ONBOARDING = ("onboarding",)
# What makes a digest worth posting.
NOTABLE_GROWTH = 0.25
NOTABLE_MIN_TICKETS = 10
NOTABLE_CSAT_GAP = 0.10
NOTABLE_ESCALATION_RISE = 0.05


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

    @property
    def csat_text(self) -> str | None:
        return None if self.csat is None else f"{self.csat * 100:.0f} %"


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
    onboarding_tickets: int
    notable: bool

    @property
    def key(self) -> ledger.Key:
        return ledger.Key("digest", self.channel, self.period)

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
    """The metrics core's product-area rule, plus each routed area missing from `[product_areas]` as its own tag."""
    segments = rollup_settings(settings).segments
    if session is not None:  # `group:Payments` also matches the id the source names so
        segments = with_reference_ids(session, workspace_id=settings.workspace_id, segments=segments)
    configured = {a.name for a in segments.product_areas}
    missing = dict.fromkeys(r.product_area for r in settings.file.routing if r.product_area not in configured)
    extra = tuple(ProductArea(name, (name,)) for name in missing)
    return AreaMatcher(dataclasses.replace(segments, product_areas=segments.product_areas + extra))


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
          themes: Mapping[int, str] | None = None, comments: Mapping[int, str] | None = None) -> Digest:
    """Pure: the digest for one route from this week's and the previous four weeks' tickets.

    `areas` puts each ticket in its product area; `themes` maps ticket row ids to
    theme names from the latest themes run; `comments` maps row ids to CSAT comments
    of unsatisfied ratings, the latest shown under their theme in the thread detail.
    """
    themes = themes or {}
    area_tags = {t.lower() for t in areas.tag_area} | {name.lower() for name in areas.names}

    def label(t: TicketFact) -> str | None:
        return themes.get(t.id) or theme_of(t, area_tags)

    mine = [t for t in week if area_of(t, areas) == route.product_area]
    mine_prior = [t for t in prior if area_of(t, areas) == route.product_area]
    by_theme: dict[str, list[TicketFact]] = defaultdict(list)
    for t in mine:
        theme = label(t)
        if theme:
            by_theme[theme].append(t)
    prior_counts = Counter(label(t) for t in mine_prior)
    overall_csat = csat_share(everyone_week)
    lines = []
    for label, tickets in sorted(by_theme.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:3]:
        if len(tickets) < 2:
            continue  # not recurring
        avg = prior_counts.get(label, 0) / 4
        csat = csat_share(tickets)
        resolutions = [t.resolution_seconds for t in tickets if t.resolution_seconds is not None]
        growth = (len(tickets) - avg) / avg if avg else (1.0 if len(tickets) >= NOTABLE_MIN_TICKETS else 0.0)
        notable = (len(tickets) >= NOTABLE_MIN_TICKETS and growth >= NOTABLE_GROWTH) or (
            csat is not None and overall_csat is not None and overall_csat - csat >= NOTABLE_CSAT_GAP
            and len(tickets) >= NOTABLE_MIN_TICKETS)
        examples = tuple((t.external_id, url_for(t)) for t in tickets[-3:])
        lines.append(ThemeLine(label, len(tickets), avg, change(len(tickets), avg) if avg else "new",
                               csat, duration(median(resolutions)) if resolutions else None, examples, notable,
                               recent_comments(tickets, comments or {})))
    esc, esc_prior = escalation_share(mine), escalation_share(mine_prior)
    escalation_notable = esc is not None and esc_prior is not None and esc - esc_prior >= NOTABLE_ESCALATION_RISE
    onboarding = sum(1 for t in mine if any(tag.lower() in ONBOARDING for tag in t.tags))
    if route.product_area in ONBOARDING:
        onboarding = len(mine)
    return Digest(route.product_area, route.channel, week_start, week_start + timedelta(days=6), period, len(mine),
                  len(mine_prior) / 4, tuple(lines), overall_csat, esc, esc_prior, onboarding,
                  any(l.notable for l in lines) or escalation_notable)


def gather(session: Session, *, settings: Settings, today: date, period: str) -> list[Digest]:
    """Digests for the week ending yesterday (local `today` is the digest day)."""
    tz = settings.timezone
    week_start = today - timedelta(days=7)
    start_at = schedule.local_instant(week_start, datetime.min.time(), tz)
    end_at = schedule.local_instant(today, datetime.min.time(), tz)
    prior_at = schedule.local_instant(week_start - timedelta(days=28), datetime.min.time(), tz)
    week = store.tickets(session, workspace_id=settings.workspace_id, created_from=start_at, created_to=end_at)
    prior = store.tickets(session, workspace_id=settings.workspace_id, created_from=prior_at, created_to=start_at)
    areas = digest_areas(settings, session)
    themes = theme_names_by_ticket(session, workspace_id=settings.workspace_id)
    comments = unsatisfied_comments(session, workspace_id=settings.workspace_id,
                                    row_ids=[t.id for t in week if t.csat == "unsatisfied"]
                                    ) if settings.file.privacy.store_subject else {}
    return [build(route, areas=areas, week=week, prior=prior, everyone_week=week, week_start=week_start,
                  period=period, url_for=lambda t: links.ticket_url(settings, t.source, t.external_id), themes=themes,
                  comments=comments)
            for route in settings.file.routing]


def render_digest(digest: Digest) -> tuple[Message, list[Message]]:
    return render("ritual_digest", d=digest), [render("ritual_digest_detail", d=digest)]
