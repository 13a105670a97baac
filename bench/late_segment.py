"""Benchmark: the acceptance trial's shape — a Zendesk history from 2014 and a Freshdesk source whose
469 tickets all date from May 2024 — rolled up in full on SQLite. Prints the rows written, the rows of
segments only Freshdesk has (its source, groups and agents) and the seconds. `--zendesk N`: the
Zendesk tickets, spread evenly from 2014-01-06 to 2024-04-30 (default 12, a thin backfill as in the
trial; 2340 is one every other day).

    .venv/bin/python bench/late_segment.py [--zendesk 12]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UTC = timezone.utc
NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def tickets(n_zendesk: int):
    from integrations.base import Ticket
    rnd = random.Random(1)

    def one(source: str, i: int, created: datetime, group: str, agent: str, channel: str) -> Ticket:
        solved = created + timedelta(hours=rnd.randint(2, 40))
        return Ticket(source=source, external_id=str(i), status="solved", created_at=created, updated_at=solved,
                      first_response_at=created + timedelta(minutes=rnd.randint(10, 300)), solved_at=solved,
                      agent_replies=rnd.choice([1, 2]), channel=channel, priority=rnd.choice(["normal", "high"]),
                      group=group, assignee=agent, requester=f"r{rnd.randint(0, 500)}", organization="Acme",
                      csat=rnd.choice(["satisfied", "unsatisfied", None]))
    start = datetime(2014, 1, 6, 9, 0, tzinfo=UTC)
    step = (datetime(2024, 4, 30, tzinfo=UTC) - start) / max(1, n_zendesk - 1)
    zendesk = [one("zendesk", i, start + i * step, rnd.choice(["Support", "Billing", "Tech"]), f"zd{rnd.randint(0, 3)}",
                   rnd.choice(["email", "web"])) for i in range(n_zendesk)]
    may = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    freshdesk = [one("freshdesk", i, may + timedelta(hours=1.5 * i), rnd.choice(["Payments", "Refunds"]),
                     f"fd{rnd.randint(0, 2)}", rnd.choice(["email", "portal"])) for i in range(469)]
    return zendesk, freshdesk


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zendesk", type=int, default=12, help="Zendesk tickets from 2014 (default 12)")
    args = p.parse_args()
    from sqlalchemy import func, select

    from bot.metrics.rollup import run_rollup
    from bot.metrics.settings import RollupSettings
    from bot.storage.engine import make_engine, make_session_factory, upgrade
    from bot.storage.models import DailyMetric
    from bot.storage.tickets import upsert_tickets

    zendesk, freshdesk = tickets(args.zendesk)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/late.db"
        upgrade(url)
        sf = make_session_factory(make_engine(url))
        with sf.begin() as s:
            upsert_tickets(s, workspace_id="w1", tickets=zendesk + freshdesk)
        t0 = time.perf_counter()
        report = run_rollup(sf, workspace_id="w1", settings=RollupSettings(timezone="Europe/Berlin"), now_at=NOW,
                            full=True)
        seconds = time.perf_counter() - t0
        late = {("source", "freshdesk"), ("channel", "portal"), ("group", "Payments"), ("group", "Refunds"),
                *(("agent", f"fd{i}") for i in range(3))}
        with sf.begin() as s:
            counts = s.execute(select(DailyMetric.dimension, DailyMetric.segment, func.count(),
                                      func.min(DailyMetric.day)).group_by(DailyMetric.dimension, DailyMetric.segment)).all()
        late_rows = sum(n for dim, seg, n, _ in counts if (dim, seg) in late)
        late_first = min(first for dim, seg, _, first in counts if (dim, seg) in late)
    print(f"tickets: {len(zendesk):,} Zendesk from 2014-01-06, {len(freshdesk):,} Freshdesk from 2024-05-01")
    print(f"full rollup: {report.days:,} days, {report.rows:,} rows, {seconds:.1f} s")
    print(f"Freshdesk-only segments ({len(late)}): {late_rows:,} rows, first row {late_first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
