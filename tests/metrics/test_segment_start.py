"""A segment's rows start on its own first ticket (the acceptance trial's shape): a Zendesk history
from 2014 and a Freshdesk group whose tickets all date from May 2024. The late group got rows back
to 2014 and was listed with 0 tickets for 2023 (SQLite; PostgreSQL with --db=postgres)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.cli import main
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import RollupSettings
from bot.storage.models import DailyMetric
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2024, 9, 1, 6, 0, tzinfo=UTC)
SETTINGS = RollupSettings(timezone="Europe/Berlin")
FRESHDESK_FIRST = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
LATE = {"source": "freshdesk", "group": "Payments", "agent": "fd-agent"}  # segments only Freshdesk has


def _ticket(source: str, i: int, created: datetime, group: str, assignee: str) -> Ticket:
    solved = created + timedelta(hours=5)
    return Ticket(source=source, external_id=str(i), status="solved", created_at=created, updated_at=solved,
                  first_response_at=created + timedelta(hours=1), solved_at=solved, agent_replies=1,
                  channel="email", priority="normal", group=group, assignee=assignee, requester=f"r{i}",
                  organization="Acme")


def _zendesk(start: datetime = datetime(2014, 1, 6, 9, 0, tzinfo=UTC)) -> list[Ticket]:
    """One ticket every 20 days from `start` (a sparse, long backfill)."""
    return [_ticket("zendesk", i, start + timedelta(days=20 * i), "Support", "zd-agent")
            for i in range((NOW - start).days // 20)]


def _freshdesk() -> list[Ticket]:
    """469 tickets in May 2024, as in the trial."""
    return [_ticket("freshdesk", i, FRESHDESK_FIRST + timedelta(hours=1.5 * i), "Payments", "fd-agent")
            for i in range(469)]


def _keys(sf) -> list[tuple]:
    with sf.begin() as s:
        return s.execute(select(DailyMetric.day, DailyMetric.metric, DailyMetric.dimension, DailyMetric.segment)
                         .where(DailyMetric.workspace_id == "w1")).all()


def _check(sf, last_day: date, history_start: date) -> None:
    first = FRESHDESK_FIRST.astimezone(BERLIN).date()
    keys = _keys(sf)
    late = [k for k in keys if LATE.get(k.dimension) == k.segment]
    assert late and min(k.day for k in late) == first  # no row before its first ticket
    # Bounded by its own days: at most every metric on every day since its first ticket, per segment.
    assert len(late) <= len(LATE) * len(CATALOGUE) * ((last_day - first).days + 1)
    for dim, seg in LATE.items():
        volume = sorted(k.day for k in late if k[1:] == ("ticket_volume", dim, seg))
        assert volume[0] == first and volume == [first + timedelta(days=i) for i in range(len(volume))]
    # The Zendesk segments still run from the history's first day.
    assert min(k.day for k in keys if k[1:] == ("ticket_volume", "group", "Support")) == history_start


def test_a_late_sources_group_has_no_rows_before_its_first_ticket(session_factory, db_url, tmp_path, capsys):
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=_zendesk() + _freshdesk())
    report = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW, full=True)
    assert report.first_day == date(2014, 1, 6)
    _check(session_factory, report.last_day, report.first_day)

    cfg = tmp_path / "signalroom.toml"
    cfg.write_text('timezone = "Europe/Berlin"\nworkspace_id = "w1"\n')
    env = {"SIGNALROOM_CONFIG": str(cfg), "DATABASE_URL": db_url}
    assert main(["metrics", "--json", "--from", "2023-01-01", "--to", "2023-12-31", "--by", "group"], env=env) == 0
    groups = {m["segment"]["group"] for m in json.loads(capsys.readouterr().out)["metrics"]}
    assert groups == {"Support"}  # Payments had no ticket in 2023: not listed as "0 tickets"


def test_a_late_source_added_incrementally_matches_a_full_rebuild(session_factory):
    """The Zendesk history rolled up first, the Freshdesk tickets arriving later (an incremental run):
    the same rows as a full rebuild, the late group starting on its first ticket (history from 2021:
    two full rebuilds of ten years would be slow)."""
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=_zendesk(datetime(2021, 1, 4, 9, 0, tzinfo=UTC)))
    full = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW, full=True)
    assert full.mode == "full"
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=_freshdesk())
    inc = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    assert inc.mode == "incremental"
    _check(session_factory, inc.last_day, full.first_day)
    after_inc = sorted(_keys(session_factory))
    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW, full=True)
    assert sorted(_keys(session_factory)) == after_inc
    with session_factory.begin() as s:
        assert s.scalar(select(func.count()).select_from(DailyMetric)) == len(after_inc)
