"""A ritual is one module plus one registry line: a ritual declared here (and nowhere else) is scheduled,
gathered, drawn and posted once per period by the worker, and the CLI renders it by its --kind."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

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
