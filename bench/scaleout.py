"""Benchmark: many workspaces on one deployment, worked by 1, 2, 4 and 8 `signalroom worker --once` processes.

Each run gets a fresh PostgreSQL database (Alembic + the queue's schema), N simulated workspaces, each
with one to three stored Zendesk sources (encrypted tokens, as `signalroom source add` stores them).
The fake helpdesks live behind one loopback server in this process: every request waits 100-300 ms
(a helpdesk page's latency), pages hold `--page-size` tickets (1-3 pages a source) and each account
allows 20 requests per 10 s (429 with Retry-After beyond). A fake Slack answers the posts. Themes are
marked as run just before (they are due every 6 hours, not every cycle; see bench/themes_memory.py).

Then W worker processes start at once; the first to plan enqueues every workspace's due jobs, all of
them work the queue until it is empty and exit. Reported per W (median of --runs):

- sources synced per minute: sources / (last source's `last_success_at` - start) x 60;
- time until every workspace's rollup is fresh: until the last worker exits (each sync queues its
  workspace's rollup; the workers exit only when no job is left);
- peak RSS per worker process (sampled from /proc every 0.2 s), and 429s served.

    .venv/bin/python bench/scaleout.py                         # 200 workspaces; 1, 2, 4, 8 workers; 3 runs
    .venv/bin/python bench/scaleout.py --workspaces 50 --workers 4 --runs 1
    .venv/bin/python bench/scaleout.py --quick                 # a smoke test: 6 workspaces, 1 and 2 workers
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

PG_ADMIN = os.environ.get("SIGNALROOM_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
EMAIL = "agent@bench.example"


class Helpdesks:
    """One loopback handler for every fake Zendesk: `/z/<key>/api/...` goes to fake `key`, after a wait."""

    def __init__(self, latency: tuple[float, float], page_size: int, seed: int) -> None:
        self.fakes: dict[str, object] = {}
        self.latency, self.page_size = latency, page_size
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, key: str, tickets: int, token: str) -> None:
        from integrations.normalize import basic_auth_header
        from tests.fakes.zendesk import FakeZendesk

        fake = FakeZendesk(recent(tickets), auth=basic_auth_header(f"{EMAIL}/token", token), rate_limit=(20, 10.0))
        fake.prerender(self.page_size)
        self.fakes[key] = fake

    def __call__(self, request: httpx.Request) -> httpx.Response:
        _, _, key, rest = request.url.path.split("/", 3)
        with self._lock:
            wait = self._random.uniform(*self.latency)
        time.sleep(wait)
        params = dict(request.url.params)
        if "per_page" in params:
            params["per_page"] = str(self.page_size)
        inner = httpx.Request(request.method, request.url.copy_with(path="/" + rest, params=params),
                              headers=request.headers, content=request.content)
        return self.fakes[key](inner)

    def count_429(self) -> int:
        return sum(f.count_429 for f in self.fakes.values())


def recent(n: int):
    """`n` tickets updated a minute apart over the last days (inside the first sync's backfill), immutable,
    so every page is serialized once up front and the fake costs this process little CPU."""
    from tests.fakes.zendesk import Synthetic, zendesk_ticket

    base = int(time.time()) - 86_400 * 3

    class Recent(Synthetic):
        def key(self, index: int) -> tuple[int, int]:
            return (base + index * 60, index + 1)

        def after(self, key: tuple[int, int]) -> int:
            ts, ticket_id = key
            index = max(0, -(-(ts - base) // 60))  # the first ticket at or after ts
            if index < self.n and self.key(index) <= key:
                index += 1
            return min(index, self.n)

    return Recent(n, lambda i: zendesk_ticket(i + 1, updated_ts=base + i * 60,
                                              status="solved" if i % 2 else "open"))


def create_database() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.queue.schema import apply
    from bot.storage.engine import make_engine, normalize_url, upgrade

    admin = create_engine(normalize_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    name = f"signalroom_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(normalize_url(PG_ADMIN)).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    apply(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.storage.engine import normalize_url

    admin = create_engine(normalize_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str, helpdesks: Helpdesks, base_url: str, *, workspaces: int, key: str, seed_: int) -> int:
    """Workspaces with 1-3 sources each (and themes marked as just run); how many sources."""
    from bot.credentials import keyring_from_value
    from bot.storage.engine import make_engine, make_session_factory
    from bot.storage.theme_models import StoredTheme
    from bot.storage.workspace_models import HelpdeskSource, Workspace

    rng, ring = random.Random(seed_), keyring_from_value(key)
    engine = make_engine(url)
    sources = 0
    with make_session_factory(engine).begin() as session:
        for w in range(1, workspaces + 1):
            team = f"TB{w:05d}"
            session.add(Workspace(team_id=team, name=f"Bench {w}", timezone="UTC", paused=False))
            session.flush()
            for s in range(1, rng.randint(1, 3) + 1):
                fake_key, token = f"{team}-{s}", f"token-{team}-{s}"
                helpdesks.add(fake_key, rng.randint(helpdesks.page_size // 2, helpdesks.page_size * 3), token)
                session.add(HelpdeskSource(workspace_id=team, name=f"zd{s}", type="zendesk",
                                           url=f"{base_url}/z/{fake_key}", email=EMAIL,
                                           secret_ciphertext=ring.encrypt(token), created_by="bench"))
                sources += 1
            session.add(StoredTheme(workspace_id=team, theme_id="bench", name="bench", embedder="bench",
                                    centroid=b"", shown=False, updated_at=datetime.now(UTC)))
    engine.dispose()
    return sources


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run_workers(env: dict[str, str], count: int) -> tuple[float, list[int], list[float], list[str]]:
    """`count` worker --once processes at once: (seconds until the last exits, peak RSS kB and CPU seconds
    each, errors)."""
    logs = [tempfile.TemporaryFile("w+") for _ in range(count)]  # a pipe could fill and stall a worker
    began = time.monotonic()
    processes = [subprocess.Popen([sys.executable, "-m", "bot", "worker", "--once"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    peaks, cpu = [0] * count, [0.0] * count
    while any(p.poll() is None for p in processes):
        for i, p in enumerate(processes):
            peaks[i] = max(peaks[i], rss_kb(p.pid))
            cpu[i] = max(cpu[i], cpu_seconds(p.pid))
        time.sleep(0.2)
    elapsed = time.monotonic() - began
    errors = []
    for process, log in zip(processes, logs):
        log.seek(0)
        text = log.read()
        if process.returncode != 0:
            errors.append(text[-800:])
        if os.environ.get("SCALEOUT_LOG_DIR"):  # for a closer look: each worker's log
            Path(os.environ["SCALEOUT_LOG_DIR"], f"worker-{count}-{process.pid}.log").write_text(text)
        log.close()
    return elapsed, peaks, cpu, errors


def synced_span(url: str, started_at: datetime) -> tuple[int, float]:
    """(sources synced, seconds from `started_at` to the last one's success)."""
    from sqlalchemy import text

    from bot.storage.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        count, last = connection.execute(text(
            "SELECT count(*), max(last_success_at) FROM source_health WHERE last_success_at >= :at"),
            {"at": started_at}).one()
    engine.dispose()
    return count, (last - started_at).total_seconds() if last else float("nan")


def one_run(args, workers: int, workspaces: int, seed_: int) -> dict:
    from bot.credentials import new_key
    from tests.fakes.loopback import serve
    from tests.fakes.slack import serve_slack

    helpdesks = Helpdesks(tuple(args.latency), args.page_size, seed_)
    url = create_database()
    try:
        with ExitStack() as stack:
            base_url = stack.enter_context(serve(helpdesks))
            slack = stack.enter_context(serve_slack())
            key = new_key()
            sources = seed(url, helpdesks, base_url, workspaces=workspaces, key=key, seed_=seed_)
            config = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "signalroom.toml"
            config.write_text(CONFIG, encoding="utf-8")
            env = {**os.environ, "DATABASE_URL": url, "SIGNALROOM_CONFIG": str(config), "SIGNALROOM_SECRET_KEY": key,
                   "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.api_url, "SIGNALROOM_LOG_LEVEL": os.environ.get("SCALEOUT_LOG_LEVEL", "WARNING")}
            started_at = datetime.now(UTC)
            load = os.getloadavg()[0]
            elapsed, peaks, cpu, errors = run_workers(env, workers)
            synced, span = synced_span(url, started_at - timedelta(seconds=1))
            return {"workers": workers, "workspaces": workspaces, "sources": sources, "synced": synced,
                    "sources_per_minute": round(synced / span * 60, 1) if span == span and span > 0 else None,
                    "all_fresh_s": round(elapsed, 1), "sync_span_s": round(span, 1),
                    "peak_rss_mb": [round(p / 1024) for p in peaks], "http_429": helpdesks.count_429(),
                    "cpu_s": [round(c, 1) for c in cpu], "load_before": round(load, 1),
                    "requests": sum(len(f.requests) for f in helpdesks.fakes.values()),
                    "errors": errors}
    finally:
        drop_database(url)


CONFIG = """timezone = "UTC"
[slack]
review_channel = "C0REVIEW"
alerts_channel = "C0ALERTS"
"""


def median_of(runs: list[dict]) -> dict:
    keys = ("sources_per_minute", "all_fresh_s", "sync_span_s")
    out = {k: statistics.median([r[k] for r in runs if r[k] is not None] or [float("nan")]) for k in keys}
    out["peak_rss_mb"] = max(max(r["peak_rss_mb"]) for r in runs)
    out["http_429"] = statistics.median(r["http_429"] for r in runs)
    return {**{k: runs[0][k] for k in ("workers", "workspaces", "sources")}, **out, "runs": len(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4,8", help="worker process counts, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, nargs=2, default=(0.1, 0.3), metavar=("MIN", "MAX"))
    parser.add_argument("--page-size", type=int, default=20, help="tickets per helpdesk page")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 6 workspaces, 1 and 2 workers, 1 run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.workspaces, args.workers, args.runs, args.latency = 6, "1,2", 1, (0.02, 0.05)
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        runs = [one_run(args, workers, args.workspaces, seed_=1000 + i) for i in range(args.runs)]
        for run in runs:
            print(json.dumps(run), file=sys.stderr, flush=True)
        results.append(median_of(runs))
        row = results[-1]
        print(f"{workers} worker(s): {row['sources']} sources in {row['workspaces']} workspaces: "
              f"{row['sources_per_minute']:.0f} sources/min, all rollups fresh after {row['all_fresh_s']:.1f} s, "
              f"peak RSS {row['peak_rss_mb']} MB/worker, {row['http_429']:.0f} 429s (median of {row['runs']})",
              flush=True)
    base = results[0]["sources_per_minute"]
    for row in results[1:]:
        print(f"{row['workers']} vs {results[0]['workers']} worker(s): {row['sources_per_minute'] / base:.2f}x "
              f"sources/min, {results[0]['all_fresh_s'] / row['all_fresh_s']:.2f}x time to fresh")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if not any(r.get("errors") for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
