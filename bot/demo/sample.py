"""A deterministic sample helpdesk: `DAYS` (240) days, a few hundred tickets a day, with planted stories.

Eight months, not four: every zone judges a day against the 60–90 days before it, and in a shorter
sample every judged day still has the sample's first weeks (nothing open or solved from before them) in
that window, which puts story-free days in watch (issue 12.8, bench/RESULTS.md "A quiet watch zone").

Stories (so the pipeline has something true to find):
- a release-week volume spike (tagged `release`, annotated as a release day),
- a first-response-time spike in the last days (a staffing gap on chat and email),
- customers failing at the new billing page: from the Monday of the last whole week (the week the
  product digests and `signalroom themes` report, whatever weekday the demo runs on) half of the
  billing tickets are about it, all of them in the last seven days: two themes new that week and
  one rising (ticket subjects only: volumes and response times stay as they were),
- a CSAT dip concentrated in the billing product area in the last week,
- one high-value account contacting support again and again in the last ten days,
- earlier chat/email staffing gaps: three that lasted twelve days and ended by themselves, and a
  fourth that an action ended three days after the alert (the review's "improved"; the release-week
  volume spike is the one that "recovered as usual"). Three, because the verdict learns how a metric
  recovers by itself from at least three past episodes (`verdicts.MIN_EPISODES`); with fewer it
  guesses from day-to-day persistence, and the fix then reads "improved" only when the week after it
  happens to come out below normal. The first of them lies before the fixed gap's 13-week baseline
  window (every gap in that window widens the usual range the fixed gap is judged against, and the
  alert might not fire). The fixed gap comes late enough that the verdict has enough ordinary days
  before it to know its noise, whatever weekday the demo runs on.
Output is canonical CSV (ARCHITECTURE.md), so the demo uses the real import path.
"""
from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.themes.weekly import last_complete_week
from integrations.csv_import import CANONICAL

CHANNELS = (("email", 0.45), ("chat", 0.30), ("web", 0.18), ("phone", 0.07))
PRIORITIES = (("low", 0.25), ("normal", 0.55), ("high", 0.15), ("urgent", 0.05))
AREAS = {
    "billing": ("Billing", 0.22),
    "login": ("Technical", 0.18),
    "reports": ("Technical", 0.15),
    "integrations": ("Technical", 0.14),
    "onboarding": ("Onboarding", 0.13),
    "mobile": ("Technical", 0.10),
    "account": ("Tier 1", 0.08),
}
SUBJECTS = {
    "billing": ("Charged twice this month", "Can't update my credit card", "Invoice shows the wrong VAT number",
                "Refund for cancelled plan", "Payment failed on the new billing page", "Need a copy of last invoice"),
    "login": ("Can't log in after password reset", "Two-factor code never arrives", "SSO login loops back to sign-in",
              "Account locked after failed attempts", "Password reset link expired"),
    "reports": ("Weekly report is empty", "Export to CSV times out", "Dashboard numbers don't match export",
                "Scheduled report not delivered", "Chart shows wrong date range"),
    "integrations": ("Salesforce sync stopped", "Webhook returns 500", "Slack integration disconnected",
                     "API rate limit errors", "Zapier trigger not firing"),
    "onboarding": ("How do I invite my team?", "Importing contacts from spreadsheet", "Setting up my first workspace",
                   "Where do I configure notifications?", "Trial extension request"),
    "mobile": ("iOS app crashes on launch", "Android notifications delayed", "Can't upload photos from phone",
               "App stuck on loading screen"),
    "account": ("Change account owner", "Delete my account", "Update company name", "Add a second admin"),
}
# The new billing page's themes: two subjects no earlier ticket has, and one that rises.
BILLING_DIP_SUBJECTS = ("Payment failed on the new billing page", "New billing flow rejects my card",
                        "Can't find invoices in the new billing page")
HIGH_VALUE = ("Northwind Traders", "Globex Corporation", "Initech")
AT_RISK = "Northwind Traders"
AGENTS = tuple(f"{first} {last}" for first, last in (
    ("Ana", "Silva"), ("Ben", "Okafor"), ("Chloe", "Martin"), ("Dev", "Patel"), ("Eva", "Novak"),
    ("Femi", "Adeyemi"), ("Gus", "Larsen"), ("Hana", "Sato"), ("Ivan", "Petrov"), ("Jo", "Fischer"),
))
DAYS = 240  # the demo's history: what `make demo` generates
WEEKDAY_LOAD = (1.15, 1.10, 1.05, 1.0, 0.9, 0.45, 0.35)  # Monday … Sunday


@dataclass(frozen=True)
class SampleStory:
    as_of: date
    release_day: date
    frt_spike_from: date
    billing_themes_from: date  # half the billing tickets are about the new billing page from here…
    csat_dip_from: date  # …all of them, less satisfied, from here
    at_risk_account: str
    high_value: tuple[str, ...]
    staffing_gaps: tuple[tuple[date, date], ...] = ()  # [start, end): slower first responses on chat and email
    fixed_gap: tuple[date, date] | None = None  # [start, fixed): the gap an action ended
    release_spike_days: int = 4  # the release week's extra volume: +45 %, +35 %, +25 %, +15 % from the release day

    @property
    def release_days(self) -> tuple[date, ...]:
        """The release week's days with extra volume (the demo marks them as known events)."""
        return tuple(self.release_day + timedelta(days=i) for i in range(self.release_spike_days))

    def gap_on(self, day: date) -> bool:
        spans = (*self.staffing_gaps, *((self.fixed_gap,) if self.fixed_gap else ()))
        return any(a <= day < b for a, b in spans)


def story_for(as_of: date, days: int = DAYS) -> SampleStory:
    return SampleStory(
        as_of=as_of,
        release_day=as_of - timedelta(days=24),
        frt_spike_from=as_of - timedelta(days=3),
        billing_themes_from=last_complete_week(as_of),
        csat_dip_from=as_of - timedelta(days=7),
        at_risk_account=AT_RISK,
        high_value=HIGH_VALUE,
        staffing_gaps=tuple((as_of - timedelta(days=a), as_of - timedelta(days=a - 12)) for a in (166, 94, 70)
                            if a < days - 21),
        fixed_gap=(as_of - timedelta(days=42), as_of - timedelta(days=37)) if days >= 75 else None,
    )


def _pick(rng: random.Random, weighted) -> str:
    items, weights = zip(*weighted)
    return rng.choices(items, weights=weights)[0]


def _lognormal_minutes(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def generate(path: Path, *, as_of: date, days: int = DAYS, per_day: int = 300, seed: int = 7, tz: str = "Europe/Berlin") -> SampleStory:
    """Write the sample as canonical CSV at `path`; tickets are created on `days` days ending the day before `as_of`."""
    rng = random.Random(seed)
    # Its own stream, so the billing themes' week moves no other ticket's numbers.
    theme_rng = random.Random(seed + 1)
    zone = ZoneInfo(tz)
    story = story_for(as_of, days)
    organizations = [f"Customer {i:03d}" for i in range(1, 181)] + list(HIGH_VALUE)
    now = datetime.combine(as_of, time(8, 0), zone).astimezone(timezone.utc)
    rows: list[dict[str, str]] = []
    ticket_id = 100000
    for offset in range(days, 0, -1):
        day = as_of - timedelta(days=offset)
        load = WEEKDAY_LOAD[day.weekday()] * (1 + 0.0015 * (days - offset))  # slow growth
        release_boost = 0.0
        if 0 <= (day - story.release_day).days < story.release_spike_days:
            release_boost = 0.45 - 0.1 * (day - story.release_day).days
        count = max(5, int(rng.gauss(per_day * load * (1 + release_boost), per_day * 0.05)))
        for _ in range(count):
            ticket_id += 1
            rows.append(_ticket(rng, theme_rng, ticket_id, day=day, story=story, zone=zone, now=now,
                                release_boost=release_boost, organizations=organizations))
        # The at-risk account: repeated contacts about the same integration in the last ten days.
        if (as_of - day).days <= 10 and rng.random() < 0.8:
            ticket_id += 1
            rows.append(_at_risk(rng, ticket_id, day=day, zone=zone))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CANONICAL)
        writer.writeheader()
        writer.writerows(rows)
    return story


def _ticket(rng: random.Random, theme_rng: random.Random, ticket_id: int, *, day: date, story: SampleStory,
            zone: ZoneInfo, now: datetime, release_boost: float, organizations: list[str]) -> dict[str, str]:
    """One ticket of `day` as a canonical CSV row (the draws from `rng` in the sample's fixed order)."""
    area = _pick(rng, [(a, w) for a, (_, w) in AREAS.items()])
    tags = [area]
    if release_boost and rng.random() < 0.5:
        area = rng.choice(("reports", "integrations"))
        tags = [area, "release"]
    hour = min(23.99, max(0.0, rng.gauss(13, 3.2)))
    created_local = datetime.combine(day, time(0, 0), zone) + timedelta(hours=hour)
    created = created_local.astimezone(timezone.utc)
    channel = _pick(rng, CHANNELS)
    priority = _pick(rng, PRIORITIES)
    group = AREAS[area][0]
    subject = rng.choice(SUBJECTS[area])
    organization = rng.choice(organizations)
    # First response: chat is fast, email slow; a staffing gap in the last days.
    first_response = created + timedelta(minutes=_lognormal_minutes(rng, _frt_median(channel, day, story), 0.6))
    resolution_hours = _lognormal_minutes(rng, 60 * {"urgent": 4, "high": 10, "normal": 20, "low": 30}[priority], 0.8) / 60
    solved = created + timedelta(hours=resolution_hours)
    satisfied_p = 0.9
    if area == "billing" and day >= story.csat_dip_from:
        satisfied_p = 0.55
        subject = rng.choice(BILLING_DIP_SUBJECTS)
    elif area == "billing" and day >= story.billing_themes_from and theme_rng.random() < 0.5:
        subject = theme_rng.choice(BILLING_DIP_SUBJECTS)
    reopens = 1 if rng.random() < 0.06 else 0
    replies = 1 if rng.random() < 0.62 else rng.randint(2, 6)
    escalations = 1 if rng.random() < (0.12 if area == "integrations" else 0.05) else 0
    status = "solved" if solved < now else rng.choice(("open", "pending", "open", "hold"))
    if status == "solved" and solved < now - timedelta(days=4):
        status = "closed"
    csat = ""
    if status in ("solved", "closed") and rng.random() < 0.32:
        csat = "good" if rng.random() < satisfied_p else "bad"
    requester = f"user{rng.randint(1, 9000)}@{organization.lower().replace(' ', '')}.example"
    return {
        "id": str(ticket_id),
        "created_at": created.isoformat(timespec="seconds"),
        "updated_at": max(created, solved if status in ("solved", "closed") else first_response).isoformat(timespec="seconds"),
        "status": status,
        "priority": priority,
        "channel": channel,
        "group": group,
        "assignee": rng.choice(AGENTS),
        "requester": requester,
        "organization": organization,
        "subject": subject,
        "tags": ";".join(tags),
        "first_response_at": first_response.isoformat(timespec="seconds") if first_response < now else "",
        "solved_at": solved.isoformat(timespec="seconds") if status in ("solved", "closed") else "",
        "closed_at": (solved + timedelta(days=4)).isoformat(timespec="seconds") if status == "closed" else "",
        "reopens": str(reopens),
        "replies": str(replies),
        "escalations": str(escalations),
        "csat": csat,
    }


def _frt_median(channel: str, day: date, story: SampleStory) -> float:
    """Chat is fast, email slow; slower still in the story's FRT spike and staffing gaps."""
    median = {"chat": 4, "phone": 2, "web": 55, "email": 90}[channel]
    if day >= story.frt_spike_from and channel in ("chat", "email"):
        return median * 3.2
    if story.gap_on(day) and channel in ("chat", "email"):
        return median * 2.6
    return median


def _at_risk(rng: random.Random, ticket_id: int, *, day: date, zone: ZoneInfo) -> dict[str, str]:
    """The at-risk account's contact of `day` about its integration."""
    created = datetime.combine(day, time(10, 0), zone).astimezone(timezone.utc) + timedelta(minutes=rng.randint(0, 420))
    return {
        "id": str(ticket_id), "created_at": created.isoformat(timespec="seconds"), "updated_at": created.isoformat(timespec="seconds"),
        "status": "open", "priority": "high", "channel": "email", "group": "Technical",
        "assignee": rng.choice(AGENTS), "requester": "ops@northwind.example", "organization": AT_RISK,
        "subject": "Salesforce sync stopped again", "tags": "integrations;escalated",
        "first_response_at": (created + timedelta(hours=3)).isoformat(timespec="seconds"), "solved_at": "", "closed_at": "",
        "reopens": "1", "replies": "3", "escalations": "1", "csat": "",
    }
