"""A ritual is one module plus one registry line: a ritual declared here (and nowhere else) is scheduled,
gathered, drawn and posted once per period by the worker, the CLI renders it by its --kind and the demo posts it;
a ritual with its own interval (like the owner reminders) gets its own worker job."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bot.blocks import Message
from bot.cli import main
from bot.config import RitualConfig
from bot.rituals import ledger, registry
from bot.rituals.registry import Rendered, Ritual, RitualContext
from bot.storage.models import TicketRow as Ticket
from tests.rituals.scenario import make_worker, settings

CHANNEL = "C0HELLO"
gathered: list[tuple[str, str]] = []  # (today, period) per gather


@dataclass(frozen=True)
class Hello:
    period: str
    tickets: int


def gather(ctx: RitualContext) -> Hello:
    gathered.append((ctx.today.isoformat(), ctx.period))
    tickets = ctx.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.workspace_id == ctx.workspace_id))
    return Hello(ctx.period, tickets)


def render(data: Hello) -> list[Rendered]:
    text = f"Hello for {data.period}: {data.tickets} tickets"
    return [Rendered("hello", CHANNEL, Message(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]))]


# The one line a new ritual adds to the table (here through monkeypatch, so the table is left as it was).
HELLO = Ritual("hello", "hello note", "daily", "hello", gather, render, kind="hello",
               default_config=RitualConfig(time=time(11, 0)))


@pytest.fixture(autouse=True)
def hello(monkeypatch):
    gathered.clear()
    monkeypatch.setitem(registry.RITUALS, "hello", HELLO)


def test_a_registered_ritual_is_scheduled_gathered_rendered_and_posted_once(tmp_path, session_factory, fake_slack,
                                                                            slack_url, sleeps):
    s = settings(tmp_path)
    workers = [make_worker(s, session_factory, slack_url, sleeps, name) for name in ("a", "b")]
    sch = workers[0].runner.schedules()["hello"]
    assert (sch.cadence, sch.at, sch.timezone) == ("daily", time(11, 0), "Europe/Berlin")
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 07:00 in Berlin: before it is due
    with time_machine.travel(start, tick=False) as traveller:
        at = start
        while at < start + timedelta(days=2):
            traveller.move_to(at)
            for w in workers:  # two workers: one leads, both tick every 20 minutes
                w.run_once()
            at += timedelta(minutes=20)

    posts = fake_slack.in_channel(CHANNEL)
    assert [p["text"] for p in posts] == ["Hello for 2026-11-24: 0 tickets", "Hello for 2026-11-25: 0 tickets"]
    assert [p["at"] for p in posts] == [datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
                                        datetime(2026, 11, 25, 10, 0, tzinfo=UTC)]  # 11:00 Berlin
    # gathered once per period, not once a tick for the rest of its grace window
    assert gathered == [("2026-11-24", "2026-11-24"), ("2026-11-25", "2026-11-25")]
    for period in ("2026-11-24", "2026-11-25"):
        row = ledger.find(session_factory, workspace_id=s.workspace_id, key=ledger.Key("hello", CHANNEL, period))
        assert row is not None and row.status == "posted"


def test_the_cli_renders_a_registered_ritual_by_its_kind(tmp_path, db_url, capsys):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n')
    env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url}
    with time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False):
        assert main(["digest", "--kind", "hello"], env) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [f"--- hello → #{CHANNEL}", "Hello for 2026-11-24: 0 tickets"]


def test_the_demo_posts_a_registered_ritual(tmp_path, monkeypatch):
    from rich.console import Console

    from bot.demo import run as demo_run
    from bot.rituals.demo import demo_stage

    stages = [s for s in demo_run.STAGES if s[1] is not demo_stage] + [("weekly cycle", demo_stage)]
    monkeypatch.setattr(demo_run, "STAGES", stages)
    demo = demo_run.run_demo(out=tmp_path, as_of=date(2026, 11, 23), env={}, console=Console(quiet=True),
                             days=30, per_day=20)
    hello = [(channel, m.text.split(":")[0]) for name, channel, m in demo.messages if name == "hello"]
    assert hello == [(CHANNEL, "Hello for 2026-11-23")]


@dataclass(frozen=True)
class Ping:
    owner: str
    day: str


def gather_pings(ctx: RitualContext) -> list[Ping]:
    return [Ping("U0PING", ctx.today.isoformat())]


def render_pings(pings: list[Ping]) -> list[Rendered]:
    return [Rendered("ping", f"@{p.owner}", Message(f"ping {p.day}", [{"type": "section", "text": {
        "type": "mrkdwn", "text": f"ping {p.day}"}}]), key=ledger.Key("ping", p.owner, p.day), dm=True) for p in pings]


# A ritual with its own worker job (like the owner reminders): one DM per owner and day, edited on a re-run.
PING = Ritual("ping", "pings", "daily", "ping", gather_pings, render_pings, every=timedelta(minutes=15))


def test_a_ritual_with_its_own_interval_gets_a_worker_job(tmp_path, session_factory, fake_slack, slack_url, sleeps,
                                                          monkeypatch):
    monkeypatch.setitem(registry.RITUALS, "ping", PING)
    s = settings(tmp_path)
    worker = make_worker(s, session_factory, slack_url, sleeps, "a")
    jobs = {j.id: j.every for j in worker.job_table()}
    assert jobs["ping"] == timedelta(minutes=15) and not worker.runner.due_rituals(datetime(2026, 11, 24, 23, 0,
                                                                                              tzinfo=UTC))
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for minutes in (0, 15, 30):
            traveller.move_to(start + timedelta(minutes=minutes))
            worker.run_once()
    row = ledger.find(session_factory, workspace_id=s.workspace_id, key=ledger.Key("ping", "U0PING", "2026-11-24"))
    assert row is not None and row.status == "posted"
    assert [m["text"] for m in fake_slack.messages if m["text"].startswith("ping")] == ["ping 2026-11-24"]
