"""All of history (issue 11.2): rollups from the first ticket, however old; backfills recomputed
incrementally; range reads outside what was computed say so."""
from __future__ import annotations

import csv
import dataclasses
import json
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import RollupSettings
from bot.storage import metrics as store
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket
from tests.metrics.factories import make_tickets

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = 'timezone = "Europe/Berlin"\nworkspace_id = "w1"\n[slack]\nalerts_channel = "C0ALERTS"\n'
COLUMNS = ("id", "created_at", "updated_at", "status", "priority", "channel", "group", "assignee", "requester",
           "organization", "subject", "tags", "first_response_at", "solved_at", "closed_at", "reopens", "replies",
           "escalations", "csat")


def _iso(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()


def write_csv(path, tickets: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        for t in tickets:
            w.writerow({c: _iso(v) if isinstance(v, datetime) else v for c, v in t.items()})


def old_tickets(start: date, end: date, seed: int = 2016) -> list[dict]:
    """A few tickets a day in [start, end]; some solved weeks later, some across the range's end."""
    rnd = random.Random(seed)
    out = []
    day = start
    while day <= end:
        for k in range(rnd.randint(0, 4)):
            created = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 1439))
            solved = created + timedelta(hours=rnd.choice([2, 20, 70, 400, 1500]))
            out.append({
                "id": f"{day:%Y%m%d}-{k}", "created_at": created, "updated_at": solved, "status": "solved",
                "priority": rnd.choice(["low", "high"]), "channel": "email", "group": "", "assignee": "",
                "requester": f"r{rnd.randint(0, 50)}", "organization": "", "subject": "", "tags": "",
                "first_response_at": created + timedelta(hours=1), "solved_at": solved, "closed_at": "",
                "reopens": 0, "replies": 1, "escalations": 0,
                "csat": rnd.choice(["good", "good", "bad", ""]),
            })
        day += timedelta(days=1)
    return out


def local(at: datetime) -> date:
    return at.astimezone(BERLIN).date()


@pytest.fixture
def env(tmp_path, db_url):
    cfg = tmp_path / "signalroom.toml"
    cfg.write_text(CONFIG)
    return {"SIGNALROOM_CONFIG": str(cfg), "DATABASE_URL": db_url}


def _by_key(out: dict) -> dict:
    return {(m["key"], tuple(m["segment"].values())): m for m in out["metrics"]}


def test_2016_import_gives_that_periods_figures(env, tmp_path, capsys):
    tickets = old_tickets(date(2016, 1, 1), date(2017, 12, 31))
    path = tmp_path / "incidents-2016.csv"
    write_csv(path, tickets)
    assert main(["import", str(path)], env=env) == 0
    assert main(["rollup"], env=env) == 0
    assert "2016-01-01.." in capsys.readouterr().out  # from the first ticket, not 400 days back

    assert main(["metrics", "--json", "--from", "2016-01-01", "--to", "2017-12-31"], env=env) == 0
    got = _by_key(json.loads(capsys.readouterr().out))
    lo, hi = date(2016, 1, 1), date(2017, 12, 31)
    end_at = datetime(2018, 1, 1, tzinfo=BERLIN)
    volume = sum(lo <= local(t["created_at"]) <= hi for t in tickets)
    backlog = sum(t["created_at"] < end_at <= t["solved_at"] for t in tickets)
    solved = [t for t in tickets if lo <= local(t["solved_at"]) <= hi]
    rated = [t for t in solved if t["csat"]]
    assert volume > 1000 and backlog > 0
    assert got[("ticket_volume", ())]["value"] == volume
    assert got[("backlog", ())]["value"] == backlog
    assert got[("csat", ())]["value"] == pytest.approx(sum(t["csat"] == "good" for t in rated) / len(rated))
    assert got[("csat", ())]["n"] == len(rated)

    assert main(["metrics", "--json", "--by", "priority", "--from", "2016-03-01", "--to", "2016-03-31"], env=env) == 0
    by = _by_key(json.loads(capsys.readouterr().out))
    for prio in ("low", "high"):
        want = sum(t["priority"] == prio and date(2016, 3, 1) <= local(t["created_at"]) <= date(2016, 3, 31)
                   for t in tickets)
        assert by[("ticket_volume", (prio,))]["value"] == want

    assert main(["backtest", "--metric", "volume", "--json"], env=env) == 0
    days = json.loads(capsys.readouterr().out)["days"]
    assert days[0]["date"] == "2016-01-01"
    assert {d["date"]: d["value"] for d in days}["2016-06-01"] == sum(
        local(t["created_at"]) == date(2016, 6, 1) for t in tickets)


def test_a_range_outside_the_computed_days_says_so(env, tmp_path, capsys):
    path = tmp_path / "t.csv"
    write_csv(path, old_tickets(date(2016, 1, 1), date(2016, 3, 31)))
    assert main(["metrics", "--json", "--from", "2016-01-01", "--to", "2016-01-31"], env=env) == 2  # no rollups yet
    assert main(["import", str(path)], env=env) == 0
    assert main(["rollup"], env=env) == 0
    capsys.readouterr()
    assert main(["metrics", "--json", "--from", "2010-01-01", "--to", "2010-12-31"], env=env) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and "no rollups from 2010-01-01 to 2010-12-31" in out.err
    assert "computed days are 2016-01-01 to" in out.err
    # Partly outside: the figures for the part that exists, and a one-line note.
    assert main(["metrics", "--json", "--from", "2015-12-01", "--to", "2016-01-31"], env=env) == 0
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "figures are for 2016-01-01 to 2016-01-31" in out.err
    assert json.loads(out.out)["metrics"]


SETTINGS = RollupSettings(timezone="Europe/Berlin")
NOW = datetime(2026, 6, 1, 6, tzinfo=UTC)


def _values(sf) -> dict:
    with sf.begin() as s:
        return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in store.load_daily(s, workspace_id="w1")}


def test_backfill_of_older_history_is_incremental_and_matches_a_full_rebuild(session_factory):
    recent = make_tickets(days=400, per_day=3, end_at=NOW)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=recent)
    first = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    assert first.mode == "full" and first.first_day == local(recent[0].created_at)

    # A backfill: the year before, all solved back then (tickets of another source).
    older = [dataclasses.replace(t, source="legacy", external_id=f"old-{t.external_id}", created_at=t.created_at - shift,
                                 updated_at=t.updated_at - shift, first_response_at=t.first_response_at - shift,
                                 solved_at=t.solved_at - shift, status="solved")
             for shift in [timedelta(days=600)]
             for t in make_tickets(days=150, per_day=3, end_at=NOW, seed=11) if t.solved_at is not None]
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=older)
    inc = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    backfill_first = local(min(t.created_at for t in older))
    total_days = (NOW.date() - backfill_first).days
    assert inc.mode == "incremental" and inc.first_day == backfill_first
    # Its own days, the gap up to the old first day, and the days whose baselines read them: not
    # every day since (those did not change).
    assert inc.days < total_days - 200
    after_inc = _values(session_factory)
    assert min(k[0] for k in after_inc) == backfill_first

    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW, full=True)
    after_full = _values(session_factory)
    assert after_inc.keys() == after_full.keys()
    for key, (value, n) in after_full.items():
        assert after_inc[key][0] == pytest.approx(value, nan_ok=True), key
        assert after_inc[key][1] == n, key


def test_a_database_of_old_data_rolls_up_its_own_days(session_factory):
    """All data from 2019: the rollup starts on its first day (it used to compute the last 400 empty days)."""
    tickets = make_tickets(days=30, per_day=5, end_at=datetime(2019, 3, 1, 6, tzinfo=UTC))
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=tickets)
    report = run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    assert report.first_day == local(tickets[0].created_at)
    values = _values(session_factory)
    volume = {k[0]: v for k, v in values.items() if k[1:] == ("ticket_volume", "", "")}
    assert sum(v for v, _n in volume.values()) == len(tickets)


def test_an_open_ticket_backfilled_reaches_every_day_since(session_factory):
    """A backfilled ticket still open sits in every day's backlog since: that window runs to the end."""
    recent = make_tickets(days=120, per_day=4, end_at=NOW)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=recent)
    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    created = datetime(2024, 1, 10, 9, tzinfo=UTC)
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=[Ticket(source="legacy", external_id="x", status="open",
                                                              created_at=created, updated_at=created)])
    before = {k: v for k, v in _values(session_factory).items() if k[1] == "backlog" and k[2] == ""}
    run_rollup(session_factory, workspace_id="w1", settings=SETTINGS, now_at=NOW)
    after = {k: v for k, v in _values(session_factory).items() if k[1] == "backlog" and k[2] == ""}
    for key, (value, _n) in before.items():
        assert after[key][0] == value + 1, key


def test_bpi2013_incident_log_through_the_canonical_csv(tmp_path, db_url, capsys):
    """A public incident log from 2012 (BPI Challenge 2013, Volvo IT), imported as a CSV today: that
    period's volume and backlog match a computation from the event log itself."""
    from tests.conftest import shared_data
    from tests.metrics.test_bpi2013 import cases_to_facts

    brussels = ZoneInfo("Europe/Brussels")
    facts = [f for f in cases_to_facts(shared_data("bpi2013-incidents", "VINST-new.csv"))
             if f.created_at >= datetime(2012, 4, 1, tzinfo=UTC)]
    path = tmp_path / "vinst.csv"
    write_csv(path, [{c: "" for c in COLUMNS} | {
        "id": f.ticket_id, "created_at": f.created_at, "updated_at": f.solved_at, "status": f.status,
        "priority": f.priority, "solved_at": f.solved_at if f.status == "solved" else "",
    } for f in facts])
    cfg = tmp_path / "signalroom.toml"
    cfg.write_text('timezone = "Europe/Brussels"\nworkspace_id = "w1"\n')
    env = {"SIGNALROOM_CONFIG": str(cfg), "DATABASE_URL": db_url}
    assert main(["import", str(path)], env=env) == 0
    assert main(["rollup"], env=env) == 0
    capsys.readouterr()
    assert main(["metrics", "--json", "--from", "2012-04-16", "--to", "2012-05-13"], env=env) == 0
    got = _by_key(json.loads(capsys.readouterr().out))
    lo, hi = date(2012, 4, 16), date(2012, 5, 13)
    end_at = datetime(2012, 5, 14, tzinfo=brussels)
    day = lambda at: at.astimezone(brussels).date()  # noqa: E731
    assert got[("ticket_volume", ())]["value"] == sum(lo <= day(f.created_at) <= hi for f in facts) > 3000
    assert got[("backlog", ())]["value"] == sum(
        f.created_at < end_at and (f.status == "open" or f.solved_at >= end_at) for f in facts)
