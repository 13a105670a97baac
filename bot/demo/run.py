"""The demo pipeline: sample → import → every later stage that exists → terminal summary and Block Kit files."""
from __future__ import annotations

import importlib.resources
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.blocks import Message, render
from bot.config import Settings, load_settings
from bot.demo.sample import DAYS, SampleStory, generate
from bot.metrics import zone_names as zn
from bot.imports import import_csv_file
from bot.storage.engine import make_engine, make_session_factory, sqlite_url, upgrade
from bot.storage.models import Annotation, TicketRow
from integrations.base import UNSOLVED_STATUSES

log = logging.getLogger(__name__)
DEMO_CONFIG = importlib.resources.files("bot.demo").joinpath("demo.toml")


@dataclass
class Demo:
    settings: Settings
    session_factory: sessionmaker
    out: Path
    as_of: date
    console: Console
    days: int = DAYS
    per_day: int = 300
    story: SampleStory | None = None
    messages: list[tuple[str, str, Message]] = field(default_factory=list)  # (name, channel, message)
    scorecard: Any = None  # bot.metrics.reads.Scorecard once the metrics stage ran
    notes: list[str] = field(default_factory=list)

    @property
    def workspace_id(self) -> str:
        return self.settings.workspace_id

    def emit(self, name: str, channel: str, message: Message) -> None:
        self.messages.append((name, channel, message))


Stage = Callable[[Demo], None]


def stage_sample_and_import(demo: Demo) -> None:
    csv_path = demo.out / "sample-tickets.csv"
    demo.story = generate(csv_path, as_of=demo.as_of, days=demo.days, per_day=demo.per_day, tz=demo.settings.file.timezone)
    summary = import_csv_file(
        csv_path, session_factory=demo.session_factory, workspace_id=demo.workspace_id, source="csv",
    )
    with demo.session_factory.begin() as session:
        annotate_release(session, workspace_id=demo.workspace_id, story=demo.story)
        channels = session.execute(
            select(TicketRow.channel, func.count()).where(TicketRow.workspace_id == demo.workspace_id)
            .group_by(TicketRow.channel).order_by(func.count().desc())
        ).all()
        first, last = session.execute(
            select(func.min(TicketRow.created_at), func.max(TicketRow.created_at))
            .where(TicketRow.workspace_id == demo.workspace_id)
        ).one()
        open_now = session.scalar(
            select(func.count()).where(TicketRow.workspace_id == demo.workspace_id,
                                       TicketRow.status.in_(UNSOLVED_STATUSES))
        )
    r = summary.result
    demo.notes.append(f"imported {summary.rows} sample tickets ({r.inserted} new, {len(summary.errors)} rejected)")
    demo.emit("sync_report", demo.settings.file.slack.alerts_channel or "", render(
        "sync_report", total=summary.rows, source="sample CSV", first_day=first.date(), last_day=last.date(),
        inserted=r.inserted, updated=r.updated, rejected=len(summary.errors), channels=channels,
        open_now=open_now, high_value=demo.settings.file.accounts.high_value,
    ))


def annotate_release(session, *, workspace_id: str, story: SampleStory) -> None:
    """The release week as a team would mark it: each day of its extra volume a known event, so no baseline
    learns the spike as usual (else the weeks after it can read below their usual range, and an action that did
    nothing reads "improved"). The days are still judged: the spike is the release alert's story."""
    for i, day in enumerate(story.release_days):
        label = "v4.2 release (new billing page)" if i == 0 else f"v4.2 release week, day {i + 1}"
        session.add(Annotation(workspace_id=workspace_id, day=day, kind="release", label=label, created_by="demo"))


def demo_now(demo: Demo) -> datetime:
    """08:00 on the demo's day in the team's timezone: yesterday is the last complete day."""
    return datetime.combine(demo.as_of, time(8, 0), demo.settings.timezone).astimezone(timezone.utc)


def stage_metrics(demo: Demo) -> None:
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.reads import scorecard
    from bot.metrics.rollup import run_rollup
    from bot.slack import readings
    from bot.slack.commands import render_scorecard

    settings = rollup_settings(demo.settings)
    report = run_rollup(
        demo.session_factory, workspace_id=demo.workspace_id, settings=settings, now_at=demo_now(demo),
        full=True, alerts_channel=demo.settings.file.slack.alerts_channel,
    )
    demo.notes.append(report.summary())
    with demo.session_factory() as session:
        card = scorecard(session, workspace_id=demo.workspace_id, settings=settings)
        view = readings.scorecard(session, workspace_id=demo.workspace_id, currency=settings.definitions.currency)
    demo.scorecard = card
    demo.emit("scorecard", "(reply to /metrics)", render_scorecard(view))


STAGES: list[tuple[str, Stage]] = [
    ("sample data → CSV import", stage_sample_and_import),
    ("daily rollups, baselines, zones and triggers", stage_metrics),
    ("ticket themes", lambda demo: _themes_stage(demo)),
    ("weekly cycle: alerts, review, reminders, digests", lambda demo: _rituals_stage(demo)),
    ("issue trackers: Create issue and a fix (offline)", lambda demo: _trackers_stage(demo)),
]


def _themes_stage(demo: Demo) -> None:
    from bot.themes.service import run_themes

    from bot.rituals.windows import week_of
    from bot.themes.weekly import last_complete_week

    report = run_themes(demo.session_factory, settings=demo.settings, now_at=demo_now(demo))
    # The last whole week, as `signalroom themes` and the digest count it (the run's last week is partial).
    week = last_complete_week(report.end_at.astimezone(demo.settings.timezone).date())
    counts = {t.id: next((w.count for w in t.weeks if w.week_start == week), 0) for t in report.run.themes}
    top = sorted(report.run.themes, key=lambda t: -counts[t.id])[:3]
    demo.notes.append(
        f"{len(report.run.themes)} ticket themes from {report.documents} tickets ({report.run.embedder}); "
        f"busiest in the {week_of(week)}: " + "; ".join(f"{t.name} ({counts[t.id]})" for t in top)
    )
    (demo.out / "themes.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")


def _trackers_stage(demo: Demo) -> None:
    from bot.demo.trackers import write_issue_request

    write_issue_request(demo)


def _rituals_stage(demo: Demo) -> None:
    from bot.rituals.demo import demo_stage

    demo_stage(demo)


def write_outputs(demo: Demo) -> list[Path]:
    written = []
    index = []
    for number, (name, channel, message) in enumerate(demo.messages, start=1):
        path = demo.out / f"{number:02d}-{name}.json"
        path.write_text(json.dumps({"channel": channel, **message.payload()}, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
        index.append(f"- {path.name} → {channel or '(no channel configured)'}\n  {message.builder_url()}")
    (demo.out / "INDEX.md").write_text(
        "# Messages Signalroom would post\n\nOpen a link to preview the message in Block Kit Builder.\n\n"
        + "\n".join(index) + "\n"
    )
    return written


def run_demo(
    *, out: Path, as_of: date, env: dict[str, str], console: Console | None = None, days: int = DAYS, per_day: int = 300
) -> Demo:
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.json"):
        stale.unlink()
    db_path = out / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = sqlite_url(db_path)
    upgrade(url)
    # The demo always runs offline on its own SQLite file, whatever DATABASE_URL says.
    demo_env = {k: v for k, v in env.items() if k.startswith("SLACK_")}
    with importlib.resources.as_file(DEMO_CONFIG) as config_path:
        settings = load_settings(demo_env, config_path=str(config_path))
    engine = make_engine(url)
    demo = Demo(settings=settings, session_factory=make_session_factory(engine), out=out, as_of=as_of, console=console,
                days=days, per_day=per_day)
    try:
        for title, stage in STAGES:
            started = datetime.now()
            with console.status(title):
                stage(demo)
            console.print(f"[green]✓[/green] {title} [dim]({(datetime.now() - started).total_seconds():.1f}s)[/dim]")
        write_outputs(demo)
    finally:
        engine.dispose()
    return demo


ZONE_STYLE = {zn.ACT_NOW: "bold red", zn.WATCH: "yellow", zn.HEALTHY: "green", zn.INSUFFICIENT_DATA: "dim",
              zn.LEARNING: "dim"}


def print_scorecard(console: Console, card) -> None:
    table = Table(title=f"Scorecard for {card.as_of} ({card.timezone})")
    for column in ("metric", "value", "expected", "zone"):
        table.add_column(column)
    for entry in card.entries:
        expected = "" if entry.expected is None else _format(entry.expected, entry.unit)
        table.add_row(entry.label, entry.display_value, expected, f"[{ZONE_STYLE.get(entry.zone, '')}]{entry.zone}[/]")
    console.print(table)
    for entry in card.entries:
        if entry.zone in zn.BAD and entry.explanation:
            console.print(f"[{ZONE_STYLE[entry.zone]}]{entry.zone}[/] {entry.explanation}", markup=True, highlight=False)


def _format(value: float, unit: str) -> str:
    from bot.metrics.zones import format_value

    return format_value(value, unit)


def print_summary(demo: Demo) -> None:
    console = demo.console
    for note in demo.notes:
        console.print(f"• {note}")
    if demo.scorecard is not None:
        print_scorecard(console, demo.scorecard)
    table = Table(title="Slack messages written", show_lines=False)
    table.add_column("#")
    table.add_column("message")
    table.add_column("channel")
    table.add_column("blocks", justify="right")
    for number, (name, channel, message) in enumerate(demo.messages, start=1):
        table.add_row(str(number), name, channel or "-", str(len(message.blocks)))
    console.print(table)
    console.print(f"Block Kit JSON and previews: [bold]{demo.out}/INDEX.md[/bold]")
