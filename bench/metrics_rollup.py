"""Benchmark: rollups over 1,000,000 tickets in 120 days (or 3 years: --history 3y), all segment dimensions.

Measures, on SQLite and/or PostgreSQL: the full rebuild (time and peak RSS of
the process doing it), an incremental update after 1,000 changed tickets, and
the scorecard read (`metrics --json`: query + JSON). Prints one line per figure.

    .venv/bin/python bench/metrics_rollup.py --db sqlite
    .venv/bin/python bench/metrics_rollup.py --db sqlite --history 3y   # all of history: 1M tickets over 1,095 days
    .venv/bin/python bench/metrics_rollup.py --db postgres --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Data is generated with numpy and bulk-loaded (sqlite3 executemany / PostgreSQL
COPY) in a child process, so the parent's peak RSS is the rollup's.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

END = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)
TZ = "Europe/Berlin"
COLUMNS = ("workspace_id", "source", "external_id", "status", "created_at", "updated_at", "first_response_at",
           "solved_at", "agent_replies", "reopens", "reassignments", "escalated", "channel", "priority",
           "group_name", "assignee", "requester", "organization", "tags", "csat", "bot_involved", "bot_resolved",
           "deleted", "raw", "changed_at")
AREAS = ("billing", "login", "reports", "integrations", "onboarding", "mobile", "account", "api")


def settings():
    """All segment dimensions, and rules like a team would run (so triggers are part of the cost)."""
    from bot.metrics.settings import Playbook, ProductArea, RollupSettings, Rule, SegmentSettings
    return RollupSettings(
        timezone=TZ,
        segments=SegmentSettings(product_areas=tuple(ProductArea(a, (a,)) for a in AREAS),
                                 high_value_orgs=frozenset(f"org{i}" for i in range(0, 500, 25))),
        rules=(Rule("csat-act-now-3d", "csat", "act_now", days=3, recovery_days=3, playbook="csat"),
               Rule("frt-watch-2d", "first_response_time", "watch", days=2, recovery_days=2, dimension="priority"),
               Rule("backlog-act-now-2d", "backlog", "act_now", days=2, dimension="group", playbook="backlog")),
        playbooks=(Playbook("csat", "U0LEAD", ("read the bad ratings", "fix the top cause")),
                   Playbook("backlog", "U0LEAD", ("rebalance the queue",))),
    )


def generate(n: int, days: int, seed: int = 42):
    import numpy as np
    rng = np.random.default_rng(seed)
    start = END - timedelta(days=days)
    created = start.timestamp() + np.sort(rng.uniform(0, days * 86400 - 3600, n))
    frt = rng.lognormal(np.log(3600), 1.0, n)
    res = frt + rng.lognormal(np.log(12 * 3600), 1.2, n)
    solved = created + res
    open_ = (solved > END.timestamp()) | (rng.random(n) < 0.02)
    answered = created + frt < END.timestamp()
    pick = lambda k, size=n: rng.integers(0, k, size)  # noqa: E731
    cols = {
        "source": np.array(["zendesk", "freshdesk", "intercom"])[pick(3)],
        "channel": np.array(["email", "chat", "web", "phone"])[pick(4)],
        "priority": np.array(["low", "normal", "high", "urgent"])[pick(4)],
        "group": np.array([f"group{i}" for i in range(8)])[pick(8)],
        "agent": np.array([f"agent{i}" for i in range(60)])[pick(60)],
        "org": np.array([f"org{i}" for i in range(500)])[pick(500)],
        "requester": pick(200_000),
        "area": pick(len(AREAS)),
        "esc": rng.random(n) < 0.04,
        "replies": pick(4),
        "reopens": (rng.random(n) < 0.06).astype(int),
        "reassign": (rng.random(n) < 0.08).astype(int),
        "csat": np.where(rng.random(n) < 0.3, np.where(rng.random(n) < 0.85, 1, 0), -1),
    }
    return created, created + frt, solved, open_, answered, cols


def _iso(ts) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def rows(n: int, days: int):
    created, frt_at, solved, open_, answered, c = generate(n, days)
    now = _iso(END.timestamp())
    for i in range(n):
        tags = [AREAS[c["area"][i]]] + (["escalated"] if c["esc"][i] else [])
        yield ("bench", str(c["source"][i]), str(i), "open" if open_[i] else "solved", _iso(created[i]),
               _iso(min(solved[i], END.timestamp() - 60)), _iso(frt_at[i]) if answered[i] else None,
               None if open_[i] else _iso(solved[i]), int(c["replies"][i]), int(c["reopens"][i]),
               int(c["reassign"][i]), bool(c["esc"][i]), str(c["channel"][i]), str(c["priority"][i]),
               str(c["group"][i]), str(c["agent"][i]), f"user{c['requester'][i]}", str(c["org"][i]),
               json.dumps(tags), None if c["csat"][i] < 0 else ("satisfied" if c["csat"][i] else "unsatisfied"),
               False, False, False, "{}", now)


def load(url: str, n: int, days: int) -> None:
    from bot.storage.engine import make_engine, upgrade
    upgrade(url)
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if url.startswith("sqlite"):
            sql = f"INSERT INTO tickets ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
            batch = []
            for r in rows(n, days):
                batch.append(r)
                if len(batch) == 100_000:
                    cur.executemany(sql, batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
        else:
            with cur.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows(n, days):
                    copy.write_row(r)
        raw.commit()
        if not url.startswith("sqlite"):
            cur.execute("ANALYZE tickets")
            raw.commit()
    finally:
        raw.close()
    engine.dispose()


def change_recent(url: str, count: int, when: datetime, before: datetime) -> None:
    """Mark `count` open tickets created before `before` (the last complete day and earlier) as
    solved-with-CSAT yesterday evening, synced at `when`: the nightly run's typical changes."""
    from sqlalchemy import text
    from bot.storage.engine import make_engine
    engine = make_engine(url)
    naive = url.startswith("sqlite")
    stamp = when.replace(tzinfo=None) if naive else when
    solved = before - timedelta(hours=3)
    solved = solved.astimezone(timezone.utc).replace(tzinfo=None) if naive else solved
    cut = before.astimezone(timezone.utc).replace(tzinfo=None) if naive else before
    with engine.begin() as c:
        ids = c.execute(text("SELECT id FROM tickets WHERE workspace_id='bench' AND status='open' "
                             "AND created_at < :cut ORDER BY created_at DESC LIMIT :n"),
                        {"n": count, "cut": str(cut) if naive else cut}).scalars().all()
        c.execute(text("UPDATE tickets SET status='solved', solved_at=:s, csat='unsatisfied', changed_at=:t "
                       "WHERE id = :id"), [{"s": solved, "t": stamp, "id": i} for i in ids])
        # What upsert_tickets records for such a page: the earliest instant the changes move.
        c.execute(text("INSERT INTO ticket_touches (workspace_id, touched_at, recorded_at) VALUES ('bench', :s, :t)"),
                  {"s": solved, "t": stamp})
    engine.dispose()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """This process's CPU time (user + system): moves far less with the shared machine's load than wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_average() -> str:
    return "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=120)
    p.add_argument("--history", choices=("120d", "3y"), default=None,
                   help="preset: 120d (the default size) or 3y (the tickets spread over 3 years, 1,095 days)")
    p.add_argument("--phase", choices=("all", "load"), default="all")
    p.add_argument("--url")
    args = p.parse_args()
    if args.history is not None:
        args.days = {"120d": 120, "3y": 1095}[args.history]
    if args.phase == "load":
        load(args.url, args.tickets, args.days)
        return 0

    from sqlalchemy import create_engine, text
    admin = None
    if args.db == "sqlite":
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        # One file per run: two runs at once (other people's benchmarks on a shared machine) must not
        # load into the same database. Removed at the end.
        path = out / f"metrics_rollup-{os.getpid()}.db"
        url = f"sqlite:///{path}"
    else:
        from sqlalchemy.engine import make_url
        name = f"signalroom_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--phase", "load", "--url", url, "--tickets", str(args.tickets),
                        "--days", str(args.days)], check=True)
        print(f"load: {args.tickets:,} tickets in {time.perf_counter() - t:.1f}s (not part of the goals)")

        from bot.metrics.reads import scorecard
        from bot.metrics.rollup import run_rollup
        from bot.storage.engine import make_engine, make_session_factory
        st = settings()
        engine = make_engine(url)
        sf = make_session_factory(engine)
        base_rss = peak_rss_mb()
        load_before, cpu = load_average(), cpu_seconds()
        full = run_rollup(sf, workspace_id="bench", settings=st, now_at=END, full=True)
        print(f"full rebuild [{args.db}]: {full.seconds:.1f}s (CPU {cpu_seconds() - cpu:.1f}s), {full.rows:,} rows, "
              f"{full.days} days, peak RSS {peak_rss_mb():.0f} MB (before: {base_rss:.0f} MB); "
              f"load average {load_before} before, {load_average()} after")
        from bot.metrics.facts import local_midnight_at
        today_at = local_midnight_at(END.astimezone(st.tz).date(), st.tz)
        incs = []
        for k in range(3):
            when = END + timedelta(minutes=30 * (k + 1))
            change_recent(url, 1000, when, today_at)
            cpu = cpu_seconds()
            inc = run_rollup(sf, workspace_id="bench", settings=st, now_at=when + timedelta(minutes=1))
            incs.append(inc.seconds)
            print(f"incremental [{args.db}] run {k + 1}: {inc.seconds:.2f}s (CPU {cpu_seconds() - cpu:.2f}s) after "
                  f"{inc.changed_tickets} changed "
                  f"tickets, {inc.days} days recomputed ({inc.first_day}..{inc.last_day}), {inc.rows:,} rows")
        print(f"incremental [{args.db}]: median {statistics.median(incs):.2f}s")
        times = []
        for _ in range(15):
            t = time.perf_counter()
            with sf.begin() as s:
                card = scorecard(s, workspace_id="bench", settings=st)
                payload = json.dumps(card.to_dict())
            times.append(time.perf_counter() - t)
        print(f"scorecard [{args.db}]: median {statistics.median(times) * 1000:.0f} ms "
              f"({len(card.entries)} metrics, {len(payload):,} bytes JSON)")
        times = []
        for _ in range(10):
            t = time.perf_counter()
            with sf.begin() as s:
                json.dumps(scorecard(s, workspace_id="bench", settings=st, dimension="agent").to_dict())
            times.append(time.perf_counter() - t)
        print(f"scorecard --by agent [{args.db}]: median {statistics.median(times) * 1000:.0f} ms")
        print(f"peak RSS overall: {peak_rss_mb():.0f} MB; load average at the end {load_average()}")
        engine.dispose()
    finally:
        if args.db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
