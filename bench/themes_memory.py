"""Peak memory of the worker's themes job: in a spawned child that exits (serve) vs in the worker (issue 16).

    .venv/bin/python bench/themes_memory.py [--tickets 300000] [--clusters 150] [--in-process]

Seeds a SQLite database with synthetic tickets (bench/themes_speed.py's CLINC150 texts, spread over the
last 10 weeks; the seeding runs in its own child so the parent's peak is the job's alone), then runs the
worker's themes job once (`themes_summary` through `in_child`, as `make_themes(child=True)` runs it, or in
this process with --in-process) and
prints peak RSS (ru_maxrss) of the child and the parent, and the parent's RSS before and after the job.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot.config import load_settings
from bot.context import Runtime
from bot.rituals import worker

def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(config: str, tickets: int) -> float:
    """In a child: the synthetic tickets into the database; its peak RSS."""
    from integrations.base import Ticket
    from bot.storage.tickets import upsert_tickets
    from themes_speed import NOW as now, synthetic_tickets

    settings = load_settings({}, config_path=config)
    runtime = Runtime(settings)
    docs = synthetic_tickets(tickets, first_id=0, start=now - timedelta(weeks=10), end=now, seed=1)
    sessions = runtime.session_factory()
    for start in range(0, len(docs), 10_000):
        rows = [Ticket(source="zendesk", external_id=d.ticket_id, status="solved", created_at=d.created_at,
                       updated_at=d.created_at, subject=d.subject, tags=d.tags, resolution=d.resolution,
                       escalated=d.escalated, csat=None if d.csat is None else
                       ("satisfied" if d.csat else "unsatisfied"))
                for d in docs[start:start + 10_000]]
        with sessions.begin() as session:
            upsert_tickets(session, workspace_id=settings.workspace_id, tickets=rows)
    runtime.close()
    return peak_mb()


def themes_job(settings, now_at) -> dict[str, float]:
    """In the child: the worker's themes job and this process's peak RSS."""
    summary = worker.themes_summary(settings, now_at)
    return {"summary": summary, "child_peak_rss_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--clusters", type=int, default=150)
    parser.add_argument("--in-process", action="store_true", help="run the job in this process (the old way)")
    args = parser.parse_args()
    from themes_speed import NOW as now

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "signalroom.toml"
        config.write_text(f'workspace_id = "bench"\ndata_dir = "{tmp}"\n[themes]\nclusters = {args.clusters}\n'
                          'window_weeks = 12\n')
        started = time.perf_counter()
        load_peak = worker.in_child(load, str(config), args.tickets)
        seeded = time.perf_counter() - started
        settings = load_settings({}, config_path=str(config))
        before = rss_mb()
        started = time.perf_counter()
        if args.in_process:
            out = {"summary": worker.themes_summary(settings, now), "child_peak_rss_mb": None}
        else:
            out = worker.in_child(themes_job, settings, now)
        seconds = time.perf_counter() - started
        print(json.dumps({
            "tickets": args.tickets, "mode": "in-process" if args.in_process else "child",
            "seed_seconds": round(seeded, 1), "seed_child_peak_rss_mb": round(load_peak),
            "themes_seconds": round(seconds, 1), "themes": out["summary"][0], "documents": out["summary"][1],
            "child_peak_rss_mb": out["child_peak_rss_mb"] and round(out["child_peak_rss_mb"]),
            "parent_rss_before_mb": round(before), "parent_rss_after_mb": round(rss_mb()),
            "parent_peak_rss_mb": round(peak_mb()),
        }))


if __name__ == "__main__":
    main()
