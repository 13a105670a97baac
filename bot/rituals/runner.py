"""Run one ritual now: gather → decide → render → publish through the ledger.

Used by the worker (for due rituals, with `skip_posted=True` so a ritual
already in the ledger is not re-gathered every minute of its grace window) and
by `signalroom agenda|digest|remind` (which re-run on purpose: a second
`--post` in the same period edits the messages in place). Which rituals there are, when they
run and how each gathers and draws is the registry's (bot/rituals/registry.py); posting is here.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.rituals import alerts, ledger, review, schedule
from bot.rituals.delivery import Delivery
from bot.rituals.publish import NOT_POSTED, STANDS, Publisher, Result
from bot.rituals.registry import RITUALS, Rendered, Ritual, RitualContext, review_channel, schedules_from_config

log = logging.getLogger(__name__)


@dataclass
class Runner:
    settings: Settings
    sessions: sessionmaker
    delivery: Delivery
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    with_charts: bool = True
    log: list[Result] = field(default_factory=list)  # every result since this runner was made
    stopping: Callable[[], bool] = lambda: False  # the worker is shutting down: start no new post
    _late_logged: set[tuple[str, str]] = field(default_factory=set)  # (ritual, period) already logged as late
    rituals: Mapping[str, Ritual] = field(default_factory=lambda: RITUALS)  # the registry (a test may add one)

    def publisher(self) -> Publisher:
        return Publisher(self.sessions, self.settings.workspace_id, self.delivery, clock=self.clock, sink=self.log,
                         stopping=self.stopping)

    @property
    def tz(self) -> str:
        return self.settings.file.timezone

    def schedules(self) -> dict[str, schedule.Schedule]:
        return schedules_from_config(self.settings.file.rituals, self.tz, self.rituals.values())

    def review_channel(self) -> str | None:
        return review_channel(self.settings)

    def _posted(self, key: ledger.Key) -> bool:
        row = ledger.find(self.sessions, workspace_id=self.settings.workspace_id, key=key)
        return row is not None and row.status == ledger.POSTED

    # ---- rendering (no Slack) ----

    def render(self, ritual: str, *, today: date, period: str) -> list[Rendered]:
        spec = self.rituals.get(ritual)
        if spec is None or spec.gather is None or spec.render is None:
            raise ValueError(f"unknown ritual {ritual!r}")
        with self.sessions() as session:
            ctx = RitualContext(session, self.settings, now=self.clock(), today=today, period=period,
                                with_charts=self.with_charts)
            return spec.render(spec.gather(ctx))

    # ---- posting ----

    def post(self, ritual: str, *, today: date, period: str, skip_posted: bool = False) -> list[Result]:
        """Post (or, on a re-run, edit) one ritual's messages for `period`."""
        marker = ledger.Key(f"{ritual}#run", "-", period)
        if skip_posted and self._posted(marker):
            return []
        rendered = self.render(ritual, today=today, period=period)
        publisher = self.publisher()
        # Group replies under the parent that precedes them (one thread per channel).
        threads: list[tuple[Rendered, list[Rendered]]] = []
        for item in rendered:
            if item.parent:
                threads.append((item, []))
            elif threads:
                threads[-1][1].append(item)
        for parent, replies in threads:
            if not parent.channel:
                log.warning("%s: no channel configured; skipped", ritual)
                continue
            publisher.thread(ledger.Key(ritual, parent.channel, period), parent.message,
                             [r.message for r in replies], parent.charts, reply_charts=[r.charts for r in replies])
        if not any(r.outcome in NOT_POSTED for r in publisher.results):
            # The whole ritual is done for this period (including digests skipped as not notable):
            # the worker will not gather it again every minute of its grace window.
            self._mark_run(marker)
        return publisher.results

    def _mark_run(self, key: ledger.Key) -> None:
        claim = ledger.claim(self.sessions, workspace_id=self.settings.workspace_id, key=key, now=self.clock())
        if claim.mode in ("post", "check"):  # a marker is no Slack message: nothing to look for
            ledger.mark_posted(self.sessions, workspace_id=self.settings.workspace_id, claim_id=claim.id, ts="run",
                               thread_ts=None, digest=None, now=self.clock())

    def due_rituals(self, now: datetime) -> list[schedule.Due]:
        return [d for name, sch in self.schedules().items() if self.rituals[name].periodic
                and (d := schedule.due(sch, now)) is not None]

    def run_due(self, now: datetime | None = None) -> list[Result]:
        """Post every ritual whose time has come (within its grace) and is not in the ledger yet."""
        now = now or self.clock()
        results: list[Result] = []
        for due in self.due_rituals(now):
            today = schedule.local_date(due.scheduled_at, self.schedules()[due.ritual].timezone)
            if due.late and (due.ritual, due.period) not in self._late_logged \
                    and not self._posted(ledger.Key(f"{due.ritual}#run", "-", due.period)):
                # Once per ritual and period, not every minute of the grace window.
                self._late_logged.add((due.ritual, due.period))
                log.info("%s %s: posting late (scheduled %s)", due.ritual, due.period, due.scheduled_at.isoformat())
            try:
                results += self.post(due.ritual, today=today, period=due.period, skip_posted=True)
            except Exception:
                log.exception("%s %s failed", due.ritual, due.period)
        results += self.run_nudge(now)
        return results

    def run_nudge(self, now: datetime) -> list[Result]:
        """The closing check: a nudge in the review thread when the day ended without a named action."""
        sch = self.schedules().get("weekly_review")
        channel = self.review_channel()
        if sch is None or channel is None:
            return []
        period, review_at = schedule.previous_occurrence(sch, now)
        review_day = schedule.local_date(review_at, sch.timezone)
        end_at = schedule.end_of_working_day(review_day, sch.timezone, self.settings.file.rituals.working_hours)
        if not (end_at <= now <= end_at + max(sch.grace, timedelta(hours=1))):
            return []
        row = ledger.find(self.sessions, workspace_id=self.settings.workspace_id,
                          key=ledger.Key("weekly_review", channel, period))
        if row is None or row.status != ledger.POSTED or not row.ts:
            return []
        with self.sessions() as session:
            nudge = review.closing_nudge(session, workspace_id=self.settings.workspace_id, review_at=review_at,
                                         period=period)
        if nudge is None:
            return []
        publisher = self.publisher()
        publisher.message(ledger.Key("weekly_review#nudge", channel, period), review.render_nudge(nudge),
                          thread_ts=row.ts)
        return publisher.results

    def run_alerts(self, now: datetime | None = None, *, ignore_hours: bool = False) -> list[Result]:
        publisher = self.publisher()
        alerts.send_alerts(publisher, self.sessions, settings=self.settings, now=now or self.clock(),
                           ignore_hours=ignore_hours)
        alerts.send_recoveries(publisher, self.sessions, settings=self.settings)
        return publisher.results

    # ---- rituals with their own job (reminders every 15 minutes, spikes after every sync) ----

    def render_now(self, ritual: str, now: datetime | None = None, *, force: bool = False) -> list[Rendered]:
        """A ritual's messages as of `now` (`force`: the CLI asks, whatever the hour or its switch)."""
        spec = self.rituals[ritual]
        now = now or self.clock()
        today, period = self.current_period(ritual, now)
        with self.sessions() as session:
            ctx = RitualContext(session, self.settings, now=now, today=today, period=period,
                                with_charts=self.with_charts, delivery=self.delivery, force=force)
            return spec.render(spec.gather(ctx))

    def run_now(self, ritual: str, now: datetime | None = None, *, force: bool = False) -> list[Result]:
        """Gather, draw and post a ritual's messages now, each under the ledger key it carries (a re-run
        in the same hour or day edits, or leaves, the message), then the ritual's `sent` step."""
        spec = self.rituals[ritual]
        now = now or self.clock()
        period = self.current_period(ritual, now)[1]
        publisher = self.publisher()
        for item in self.render_now(ritual, now, force=force):
            result = publisher.message(item.key or ledger.Key(ritual, item.channel, period), item.message, dm=item.dm)
            if spec.sent is not None and result.outcome in STANDS:
                spec.sent(self.sessions, self.settings, item, now)
        return publisher.results

    def run_after_sync(self, now: datetime | None = None) -> list[Result]:
        """Every ritual the worker runs after a sync (intraday spikes: within one sync interval of a surge)."""
        return [r for spec in self.rituals.values() if spec.after_sync for r in self.run_now(spec.key, now)]

    def current_period(self, ritual: str, now: datetime) -> tuple[date, str]:
        """The period and local day a ritual run 'now' belongs to (for the CLI)."""
        sch = self.schedules().get(ritual) or schedule.Schedule(ritual, "weekly", datetime.min.time(), self.tz, 0)
        today = schedule.local_date(now, sch.timezone)
        return today, schedule.period_key(sch.cadence, today)
