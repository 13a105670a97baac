"""Every scheduled ritual, declared once: what it is called, when it runs, what it gathers and draws.

`RITUALS` is the one table. The worker (which rituals are due, and the jobs of the rituals that run
on their own interval or after every sync), the runner (gather → render → post through the ledger),
the schedules (`schedules_from_config`), Home's "next review", the demo and the CLI (`agenda`,
`digest --kind`, `remind`, `worker --once`: names, "nothing to post" reasons) all read it.

Adding a ritual takes one module and one line here: the module defines a `Ritual` whose `gather(ctx)`
reads what it needs through a `RitualContext` and whose `render(data)` returns the messages to post
(each a `Rendered`; a reply follows its parent into the parent's thread). `gather` returning
nothing to draw is fine: `render` returns [] and nothing is posted. The post policy is the runner's,
the same for every periodic ritual: once per (ritual, channel, period) through the ledger, a re-run
of the CLI edits in place, and a period that is done is not gathered again. A ritual with its own
worker job (`every`: owner reminders; `after_sync`: intraday spikes) posts each message under the
ledger key its `Rendered` carries (one DM per owner and day, one message per channel and hour), and
may add a `sent` step (reminders stamp the actions they named).

This module stays light (the CLI reads it for `--help`): the built-in rituals' modules are imported
inside their adapters below, when a ritual is gathered or drawn. The adapters give the modules'
`gather` functions, which tests call with their own keyword arguments, the one `gather(ctx)` shape.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.rituals.schedule import WEEKDAYS, Cadence, Schedule, next_occurrence

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.blocks import Message
    from bot.config import RitualConfig, RitualsConfig, Settings
    from bot.rituals.delivery import Delivery
    from bot.rituals.ledger import Key
    from bot.rituals.publish import Chart, Result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A message as it would be posted: for --dry-run, --json and the demo."""

    ritual: str
    channel: str
    message: Message
    parent: bool = True
    charts: tuple[Chart, ...] = ()
    key: Key | None = None  # its own ledger key (rituals with their own job); None: (ritual, channel, period)
    dm: bool = False  # a direct message: `key.channel` is the user id
    data: Any = None  # what the ritual's `sent` step needs once it is posted


@dataclass(frozen=True)
class RitualContext:
    """What every ritual's `gather` gets: one open session, the settings, and when it runs."""

    session: Session
    settings: Settings
    now: datetime  # the runner's clock (UTC)
    today: date  # the ritual's local date (its scheduled day when the worker runs it)
    period: str  # the ledger period: 2026-W48, 2026-11, 2026-Q4, 2026-11-23
    with_charts: bool = True
    delivery: Delivery | None = None  # Slack look-ups (users, their timezones); None: none made
    force: bool = False  # the CLI runs it now: whatever the hour, even when its job is switched off

    @property
    def workspace_id(self) -> str:
        return self.settings.workspace_id


def nothing_to_report(_settings: Settings) -> str:
    return "nothing to report for this period"


@dataclass(frozen=True)
class Ritual:
    key: str  # the schedule's key and the ledger's ritual name
    label: str  # how the CLI names it: "nothing to post for the <label>"
    cadence: Cadence | None  # None: no schedule (it runs after every sync)
    config_table: str  # the [rituals.<table>] that enables and times it (day, time, timezone, grace_hours)
    gather: Callable[[RitualContext], Any] | None = None
    render: Callable[[Any], list[Rendered]] | None = None
    why_empty: Callable[[Settings], str] = nothing_to_report  # the CLI's reason when render gave nothing
    every: timedelta | None = None  # its own worker job at this interval (not once a period by `rituals`)
    after_sync: bool = False  # run by the worker after every sync (not once a period by `rituals`)
    # After one of its messages was posted (or already stood): (sessions, settings, the message, now).
    sent: Callable[[Any, Settings, Rendered, datetime], None] | None = None
    kind: str | None = None  # `signalroom digest --kind <kind>` renders or posts it
    name: str | None = None  # the CLI's name for it when not `key` (the reminders' ledger rows say "reminder")
    default_config: RitualConfig | None = None  # when the config has no [rituals.<config_table>] table
    demo: bool = True  # the demo's weekly cycle posts it (bot/rituals/demo.py)
    # The [slack] key of its channel when [rituals.<config_table>] names none (None: it posts elsewhere, e.g. DMs
    # or the [[routing]] channels); `channel` reads the two, and `config check` warns when both are unset.
    slack_channel: str | None = None

    @property
    def cli_name(self) -> str:
        return self.name or self.key

    @property
    def periodic(self) -> bool:
        """Posted once a period by the worker's `rituals` job when due (else it has its own job)."""
        return self.every is None and not self.after_sync

    def channel(self, settings: Settings) -> str | None:
        """Its one channel: [rituals.<config_table>] channel, else [slack] <slack_channel> (None: neither is
        set, or it has no one channel)."""
        if self.slack_channel is None:
            return None
        own = getattr(settings.file.rituals, self.config_table).channel
        return own or getattr(settings.file.slack, self.slack_channel)

    def schedule(self, rituals: RitualsConfig, default_timezone: str) -> Schedule | None:
        """When the worker runs it, or None when its table is disabled (or missing)."""
        cfg = getattr(rituals, self.config_table, None) or self.default_config
        if cfg is None or not cfg.enabled or self.cadence is None:
            return None
        return Schedule(ritual=self.key, cadence=self.cadence, at=cfg.time, timezone=cfg.timezone or default_timezone,
                        weekday=WEEKDAYS[cfg.day] if cfg.day else None, grace=timedelta(hours=cfg.grace_hours))


# ---- the built-in rituals' adapters (module imports are deferred: see the module docstring) ----

def review_channel(settings: Settings) -> str | None:
    return WEEKLY_REVIEW.channel(settings)


def _gather_review(ctx: RitualContext) -> tuple[Any, str]:
    from bot.rituals import review

    return (review.gather(ctx.session, settings=ctx.settings, today=ctx.today, period=ctx.period,
                          with_charts=ctx.with_charts), review_channel(ctx.settings) or "")


def _render_review(data: tuple[Any, str]) -> list[Rendered]:
    from bot.rituals import review
    from bot.rituals.publish import Chart

    r, channel = data
    parent, replies = review.render_review(r, channel=channel)
    charts: dict[int, list[Chart]] = {}
    for c in r.charts:  # each chart follows the reply that shows its item
        charts.setdefault(review.chart_reply(r, c), []).append(Chart(c.png, c.filename, c.title, c.alt_text))
    return [Rendered("weekly_review", channel, parent, True),
            *(Rendered("weekly_review", channel, m, False, tuple(charts.get(i, ()))) for i, m in enumerate(replies))]


def _gather_digests(ctx: RitualContext) -> list[Any]:
    from bot.rituals import digests

    routes = {route.channel: route for route in ctx.settings.file.routing}
    found = []
    for d in digests.gather(ctx.session, settings=ctx.settings, today=ctx.today, period=ctx.period):
        if not d.notable and routes[d.channel].only_when_notable:
            log.info("digest for %s skipped: nothing notable", d.area)
            continue
        found.append(d)
    return found


def _render_digests(found: list[Any]) -> list[Rendered]:
    from bot.rituals import digests

    out: list[Rendered] = []
    for d in found:
        parent, replies = digests.render_digest(d)
        out += [Rendered("digest", d.channel, parent), *(Rendered("digest", d.channel, m, False) for m in replies)]
    return out


def _gather_accounts(ctx: RitualContext) -> Any:
    from bot.rituals import accounts

    resolve = ctx.delivery.resolve_user if ctx.delivery is not None else None  # CS owners' Slack mentions
    return accounts.gather(ctx.session, settings=ctx.settings, now=ctx.now, period=ctx.period, resolve_user=resolve)


def _render_accounts(report: Any) -> list[Rendered]:
    from bot.rituals import accounts

    if report is None or not report.accounts:
        return []
    return [Rendered("account_risk", report.channel, accounts.render_report(report))]


def _gather_leadership(ctx: RitualContext) -> Any:
    from bot.rituals import leadership

    return leadership.gather(ctx.session, settings=ctx.settings, today=ctx.today)


def _render_leadership(summary: Any) -> list[Rendered]:
    from bot.rituals import leadership

    return [] if summary is None else [Rendered("leadership", summary.channel, leadership.render_summary(summary))]


def _gather_quarterly(ctx: RitualContext) -> Any:
    from bot.rituals import quarterly

    return quarterly.gather(ctx.session, settings=ctx.settings, today=ctx.today)


def _render_quarterly(q: Any) -> list[Rendered]:
    from bot.rituals import quarterly

    return [] if q is None else [Rendered("quarterly", q.channel, quarterly.render_review(q))]


def _gather_reminders(ctx: RitualContext) -> list[Any]:
    from bot.rituals import reminders

    return reminders.gather(ctx.session, settings=ctx.settings, now=ctx.now, delivery=ctx.delivery, force=ctx.force)


def _render_reminders(due: list[Any]) -> list[Rendered]:
    from bot.rituals import reminders

    return [Rendered("reminder", f"@{r.owner}", reminders.render_reminder(r), key=r.key, dm=True, data=r)
            for r in due]


def _reminded(sessions: Any, settings: Settings, item: Rendered, now: datetime) -> None:
    from bot.rituals import reminders

    reminders.stamp(sessions, settings=settings, reminder=item.data, now=now)


def _gather_spikes(ctx: RitualContext) -> list[Any]:
    from bot.rituals import spikes

    return spikes.gather(ctx.session, settings=ctx.settings, now=ctx.now)


def _render_spikes(alerts: list[Any]) -> list[Rendered]:
    from bot.rituals import spikes

    return [Rendered("spike", a.channel, spikes.render_alert(a), key=a.key) for a in alerts]


# ---- why a ritual had nothing to post (mirrors each gather's early exits) ----

def _review_empty(settings: Settings) -> str:
    return "no channel set ([slack] review_channel)" if not review_channel(settings) else nothing_to_report(settings)


def _digest_empty(settings: Settings) -> str:
    if not settings.file.routing:
        return "no [[routing]] rule names a product area and its channel"
    return "no product area had a notable week (a [[routing]] rule with only_when_notable = true skips a quiet week)"


def _accounts_empty(settings: Settings) -> str:
    if not ACCOUNT_RISK.channel(settings):
        return "no channel set ([slack] cs_channel or [rituals.account_risk] channel)"
    return "no account crossed the risk thresholds this week"


def _leadership_empty(settings: Settings) -> str:
    if not LEADERSHIP.channel(settings):
        return "no channel set ([slack] leadership_channel or [rituals.leadership] channel)"
    return nothing_to_report(settings)


# ---- the table (its order is the order the worker posts due rituals in) ----

WEEKLY_REVIEW = Ritual("weekly_review", "weekly review", "weekly", "weekly_review", _gather_review, _render_review,
                       _review_empty, slack_channel="review_channel")
DIGEST = Ritual("digest", "product digests", "weekly", "digest", _gather_digests, _render_digests, _digest_empty,
                kind="product")
ACCOUNT_RISK = Ritual("account_risk", "accounts at risk", "weekly", "account_risk", _gather_accounts,
                      _render_accounts, _accounts_empty, kind="accounts", slack_channel="cs_channel")
# Owner DMs inside each owner's working hours: the worker's `reminders` job every 15 minutes, not `rituals`.
REMINDERS = Ritual("reminders", "reminders", "daily", "reminders", _gather_reminders, _render_reminders,
                   every=timedelta(minutes=15), sent=_reminded, name="reminder")
LEADERSHIP = Ritual("leadership", "leadership summary", "monthly", "leadership", _gather_leadership,
                    _render_leadership, _leadership_empty, kind="leadership",
                    slack_channel="leadership_channel")
# The quarterly metric review rides on the weekly review's table (its day, time and channel).
QUARTERLY = Ritual("quarterly", "quarterly review", "quarterly", "weekly_review", _gather_quarterly,
                   _render_quarterly, _review_empty, kind="quarterly", demo=False)  # the demo tells one week
# Ticket surges in the last hour, after every sync ([metrics.spikes] switches them and names their channel).
SPIKES = Ritual("spikes", "intraday spikes", None, "spikes", _gather_spikes, _render_spikes, after_sync=True,
                name="spike")

RITUALS: dict[str, Ritual] = {r.key: r for r in (WEEKLY_REVIEW, DIGEST, ACCOUNT_RISK, REMINDERS, LEADERSHIP, QUARTERLY,
                                                 SPIKES)}


def named(name: str, table: Mapping[str, Ritual] | None = None) -> Ritual | None:
    """A ritual by its key or its CLI name ("reminder")."""
    table = RITUALS if table is None else table
    return table.get(name) or next((r for r in table.values() if r.cli_name == name), None)


def schedules_from_config(rituals: RitualsConfig, default_timezone: str,
                          table: Iterable[Ritual] | None = None) -> dict[str, Schedule]:
    """Schedules for the configured rituals (`RitualsConfig`), in table order; disabled ones are left out.

    weekly_review, digest and account_risk are weekly; reminders daily; leadership monthly (on the
    first `day` of the month, or the 1st); the quarterly metric review is quarterly at the weekly
    review's day and time.
    """
    out: dict[str, Schedule] = {}
    for ritual in RITUALS.values() if table is None else table:
        if (sch := ritual.schedule(rituals, default_timezone)) is not None:
            out[ritual.key] = sch
    return out


def review_schedule(settings: Settings) -> Schedule | None:
    """The weekly review's schedule in the workspace's settings; None when it is switched off."""
    return WEEKLY_REVIEW.schedule(settings.file.rituals, settings.file.timezone)


def next_review(settings: Settings, now: datetime) -> datetime | None:
    """The next weekly review (UTC), as the worker schedules it: App Home and its set-up checklist show it."""
    sch = review_schedule(settings)
    return None if sch is None else next_occurrence(sch, now)[1]
