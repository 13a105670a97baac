"""Benchmark: sync tickets from a fake Zendesk over loopback HTTP into SQLite.

The fake runs in its own process (real HTTP on 127.0.0.1, cursor export with
metric sets, 1000 tickets per page) and serializes every page before the clock
starts, so the figures are the client's; the sync runs the real adapter, retry
helper and sync service into a fresh SQLite file. Each measurement runs in a
fresh subprocess so peak RSS (ru_maxrss) belongs to that run alone; its CPU
time and the 1-minute load average are reported with it.

    .venv/bin/python bench/sync_zendesk.py                  # unlimited: 50k, 100k, 200k tickets
    .venv/bin/python bench/sync_zendesk.py --limited        # 10 requests/s enforced with 429s
    .venv/bin/python bench/sync_zendesk.py --limited --window 60 --page-size 100 --counts 120000  # 600 per minute
    .venv/bin/python bench/sync_zendesk.py --one N [--rate R --page-size P]   # a single run (used internally)
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fast_render(index: int) -> dict:
    from tests.fakes.zendesk import BASE_TS, TEMPLATE, iso

    ticket = dict(TEMPLATE)
    ts = BASE_TS + index
    ticket.update(
        id=index + 1,
        created_at=iso(ts - 3600),
        updated_at=iso(ts),
        generated_timestamp=ts,
        status="solved" if index % 2 else "open",
        subject=f"Subject {index + 1}",
        tags=["billing"] if index % 3 == 0 else [],
        group_id=100 + index % 4,
        assignee_id=200 + index % 7,
        priority=("low", "normal", "high", "urgent")[index % 4],
    )
    return ticket


def _serve(n: int, rate: float | None, queue, stop, window: float = 1.0, page_size: int = 1000) -> None:
    from tests.fakes.loopback import serve
    from tests.fakes.zendesk import FakeZendesk, Synthetic

    limit = (int(rate * window), window) if rate else None
    fake = FakeZendesk(Synthetic(n, _fast_render), auth="Bearer bench", rate_limit=limit)
    # Serialize every page before the clock starts: the bench measures the client, which still
    # receives and parses the same payload (tickets and metric sets).
    fake.prerender(page_size)
    with serve(fake) as base_url:
        queue.put(base_url)
        stop.wait()
        queue.put({"requests": len(fake.requests), "429s": fake.count_429})


def one(n: int, rate: float | None, page_size: int, adapter_only: bool = False, window: float = 1.0) -> dict:
    import httpx

    from bot.storage.engine import make_engine, make_session_factory, sqlite_url, upgrade
    from bot.sync.service import run_sync
    from integrations.zendesk import ZendeskAdapter

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve, args=(n, rate, queue, stop, window, page_size), daemon=True)
    server.start()
    base_url = queue.get(timeout=600)
    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_url(Path(tmp) / "bench.db")
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with httpx.Client(timeout=60) as client:
            adapter = ZendeskAdapter(client, base_url=base_url, oauth_token="bench", page_size=page_size)
            # Where in the fake's fixed rate-limit window the run starts (its windows are aligned to the clock).
            phase = time.time() % window
            began = time.perf_counter()
            start_usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu_before = start_usage.ru_utime + start_usage.ru_stime
            if adapter_only:  # fetch + parse + normalize, no storage: the integrations side alone
                fetched = sum(len(page.tickets) for page in adapter.pages({}, start=datetime(2020, 1, 1, tzinfo=UTC)))
                assert fetched == n, fetched
                summary = None
            else:
                summary = run_sync(session_factory=sessions, adapters=[adapter], workspace_id="bench",
                                   start=datetime(2020, 1, 1, tzinfo=UTC))
            elapsed = time.perf_counter() - began
        engine.dispose()
    stop.set()
    served = queue.get(timeout=60)
    server.join(timeout=30)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if summary is None:
        requests, limited = adapter.stats.requests, adapter.stats.rate_limited
    else:
        (result,) = summary.sources
        assert result.ok, result.error
        assert result.inserted == n, (result.inserted, n)
        requests, limited = result.requests, result.rate_limited
    return {
        "mode": "adapter only" if adapter_only else "full sync (SQLite)",
        "tickets": n,
        "rate_limit_rps": rate,
        "page_size": page_size,
        "seconds": round(elapsed, 2),
        "tickets_per_s": round(n / elapsed),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 2),
        "client_429s": limited,
        "server_429s": served["429s"],
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # CPU of the client process (all its threads): less sensitive to a busy machine than wall time.
        "client_cpu_s": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
        "load_1m": round(os.getloadavg()[0], 2),
        "window_phase_s": round(phase, 2) if rate else None,
    }


def run_child(n: int, rate: float | None, page_size: int, adapter_only: bool = False, window: float = 1.0) -> dict:
    command = [sys.executable, __file__, "--one", str(n), "--page-size", str(page_size), "--window", str(window)]
    if adapter_only:
        command.append("--adapter-only")
    if rate:
        command += ["--rate", str(rate)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", type=int)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--limited", action="store_true")
    parser.add_argument("--window", type=float, default=1.0,
                        help="rate-limit window in seconds: 1 (10 per second) or 60 (600 per minute, as Zendesk counts)")
    parser.add_argument("--adapter-only", action="store_true", help="fetch and normalize only, no storage")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="50000,100000,200000")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.rate, args.page_size, args.adapter_only, args.window)))
        return
    if args.limited:
        plans = [(int(c), 10.0, args.page_size) for c in args.counts.split(",")]
    else:
        plans = [(int(c), None, args.page_size) for c in args.counts.split(",")]
    for n, rate, page_size in plans:
        runs = [run_child(n, rate, page_size, args.adapter_only, args.window) for _ in range(args.runs)]
        median = {key: statistics.median(r[key] for r in runs) for key in
                  ("seconds", "tickets_per_s", "requests", "requests_per_s", "client_429s", "server_429s", "peak_rss_mb",
                   "client_cpu_s", "load_1m")}
        print(json.dumps({"mode": runs[0]["mode"], "tickets": n, "rate_limit_rps": rate, "page_size": page_size, "runs": len(runs),
                          "median": median, "all_tickets_per_s": [r["tickets_per_s"] for r in runs],
                          "all_seconds": [r["seconds"] for r in runs],
                          "all_window_phase_s": [r["window_phase_s"] for r in runs]}))


if __name__ == "__main__":
    main()
