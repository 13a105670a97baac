"""Benchmark: `/metrics` over HTTP with 1,000,000 tickets in PostgreSQL and 50 concurrent requests.

Starts the production server (`signalroom serve`: uvicorn + the Bolt app) in a
child process against a throwaway PostgreSQL database holding 1,000,000
synthetic tickets and ~180,000 `daily_metrics` rows (120 days × 17 metrics ×
88 segments), points `SLACK_API_URL` and every `response_url` at a loopback
receiver in this process, then fires bursts of 50 concurrent signed `/metrics`
slash commands. Per request it measures the acknowledgement latency (HTTP
response) and the time until the full answer reached `response_url`.

    .venv/bin/python bench/slack_metrics.py [--runs 5] [--concurrency 50] [--tickets 1000000]
        [--workers 2] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep]
        [--stored-settings]

`--stored-settings` gives the workspace what a deployment serving many has: a `workspaces` row, stored
overrides (issue 16) and encrypted Linear credentials (issue 17), so each ack reads its effective settings
from the database (bot/workspaces/cache.py) instead of the config file alone.

Prints one JSON line per run and a summary (medians over runs of p50/p99).
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
METRICS = ("ticket_volume", "first_response_time", "first_response_time_p90", "resolution_time",
           "resolution_time_p90", "csat", "fcr_rate", "reopen_rate", "escalation_rate", "backlog", "backlog_age",
           "tickets_per_agent", "repeat_contact_rate", "deflection_rate", "cost_per_resolution",
           "first_response_time_business", "resolution_time_business")
SEGMENTS = ([("", "")] + [("channel", c) for c in ("email", "chat", "web", "phone")]
            + [("priority", p) for p in ("low", "normal", "high", "urgent")]
            + [("group", f"group{i}") for i in range(8)]
            + [("product_area", a) for a in ("billing", "login", "reports", "integrations", "onboarding", "mobile",
                                             "account", "api")]
            + [("source", s) for s in ("zendesk", "freshdesk", "intercom")]
            + [("agent", f"agent{i}") for i in range(60)])


def load(url: str, tickets: int) -> None:
    """Tickets and daily rows generated inside PostgreSQL (generate_series): fast and lean on the client."""
    from sqlalchemy import text

    from bot.storage.engine import make_engine, upgrade

    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("""
            INSERT INTO tickets (workspace_id, source, external_id, status, created_at, updated_at, first_response_at,
                solved_at, first_response_seconds, resolution_seconds, agent_replies, reopens, reassignments,
                escalated, channel, priority, group_name, assignee, assignee_email, requester, organization, tags,
                csat, bot_involved, bot_resolved, deleted, raw, changed_at)
            SELECT 'default', (ARRAY['zendesk','freshdesk','intercom'])[1 + i % 3], i::text,
                CASE WHEN i % 50 = 0 THEN 'open' ELSE 'solved' END,
                t, t + interval '1 day', t + interval '1 hour', t + interval '12 hours', 3600, 43200,
                i % 4, (i % 17 = 0)::int, 0, i % 25 = 0,
                (ARRAY['email','chat','web','phone'])[1 + i % 4], (ARRAY['low','normal','high','urgent'])[1 + i % 4],
                'group' || (i % 8), 'agent' || (i % 60), 'agent' || (i % 60) || '@example.com', 'user' || (i % 200000),
                'org' || (i % 500), '["billing"]'::jsonb,
                CASE WHEN i % 3 = 0 THEN (CASE WHEN i % 7 = 0 THEN 'unsatisfied' ELSE 'satisfied' END) END,
                false, false, false, '{}'::jsonb, now()
            FROM (SELECT i, timestamptz '2026-07-04' + (i * (10368000.0 / :n)) * interval '1 second' AS t
                  FROM generate_series(1, :n) AS i) s
        """), {"n": tickets})
        values = ", ".join(f"('{d}', '{s}')" for d, s in SEGMENTS)
        metrics = ", ".join(f"'{m}'" for m in METRICS)
        c.execute(text(f"""
            INSERT INTO daily_metrics (workspace_id, day, metric, dimension, segment, value, n, zone, expected, score,
                evidence, computed_at)
            SELECT 'default', d::date, m, seg.dim, seg.seg, random() * 1000, (random() * 300)::int,
                (ARRAY['healthy','healthy','healthy','watch','act_now'])[1 + floor(random() * 5)::int],
                random() * 1000, random() * 4 - 2,
                jsonb_build_object('explanation', 'value vs expected over the last 7 days, same weekday baseline'),
                now()
            FROM generate_series(date '2026-07-04', date '2026-10-31', interval '1 day') d,
                 unnest(ARRAY[{metrics}]) m, (VALUES {values}) AS seg(dim, seg)
        """))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE"))
    engine.dispose()


def store_settings(url: str, key: str) -> None:
    """The bench workspace's row, stored overrides and encrypted integration credentials (`--stored-settings`)."""
    from bot.credentials import Secret, keyring_from_value
    from bot.storage.engine import make_engine, make_session_factory
    from bot.storage.integration_models import IntegrationCredential
    from bot.storage.workspace_models import Workspace
    from bot.storage.workspace_settings_models import WorkspaceSettings

    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        session.add(Workspace(team_id="default", name="bench", timezone="Europe/Berlin", paused=False))
        session.flush()
        session.add(WorkspaceSettings(workspace_id="default", updated_by="bench", overrides={
            "metrics": {"currency": "EUR", "watch": 2.5}, "slack": {"review_channel": "C0BENCH"}}))
        session.add(IntegrationCredential(workspace_id="default", kind="linear", created_by="bench",
                                          secret_ciphertext=keyring_from_value(key).encrypt(Secret("lin_bench"))))
    engine.dispose()


class Receiver:
    """Loopback stand-in for Slack in a child process: answers auth.test, records when each
    response_url post arrives (time.perf_counter is CLOCK_MONOTONIC: comparable across processes)."""

    def __init__(self) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.queue = ctx.Queue()
        ready = ctx.Queue()
        self.process = ctx.Process(target=_receive, args=(self.queue, ready), daemon=True)
        self.process.start()
        self.url = ready.get(timeout=30)
        self.arrived: dict[str, float] = {}

    def wait(self, keys: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not all(k in self.arrived for k in keys) and time.monotonic() < deadline:
            try:
                key, at = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty
                break
            self.arrived[key] = at

    def close(self) -> None:
        self.process.terminate()


def _receive(queue, ready) -> None:
    """The receiver process: a threaded HTTP server; each response_url arrival goes onto `queue`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if self.path.startswith("/respond/"):
                queue.put((self.path.rsplit("/", 1)[1], time.perf_counter()))
                body = b"ok"
            else:  # auth.test and any other Web API call
                body = json.dumps({"ok": True, "team_id": "T0BENCH", "user_id": "UBOT", "bot_id": "B0BENCH",
                                   "ts": "1.1", "channel": "C0BENCH"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.put(f"http://127.0.0.1:{server.server_address[1]}")
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def burst(base: str, receiver: Receiver, concurrency: int, run: int, text: str, *, floor: bool = False) -> dict:
    """`concurrency` signed requests released at once from one asyncio client (light on the shared CPU)."""
    import asyncio

    import httpx

    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    statuses: list[int] = []

    async def one(client: httpx.AsyncClient, i: int, go: asyncio.Event) -> None:
        key = f"{run}-{i}"
        body = urllib.parse.urlencode({
            "team_id": "T0BENCH", "channel_id": "C0BENCH", "user_id": f"U{i:04d}", "command": "/metrics",
            "text": text, "response_url": f"{receiver.url}/respond/{key}", "trigger_id": key, "api_app_id": "A0B"})
        headers = signed(body)
        await go.wait()
        sent[key] = time.perf_counter()
        path = "/slack/not-routed" if floor else "/slack/events"
        response = await client.post(base + path, content=body, headers=headers)
        acked[key] = time.perf_counter()
        statuses.append(response.status_code)

    async def all_at_once() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            go = asyncio.Event()
            tasks = [asyncio.create_task(one(client, i, go)) for i in range(concurrency)]
            await asyncio.sleep(0.05)
            go.set()
            await asyncio.gather(*tasks)

    asyncio.run(all_at_once())
    if not floor:
        receiver.wait(list(sent), timeout=60)
    ack_ms = [(acked[k] - sent[k]) * 1000 for k in sent]
    full_ms = [(receiver.arrived[k] - sent[k]) * 1000 for k in sent if k in receiver.arrived]
    return {"run": run, "ok": statuses.count(200), "answered": len(full_ms),
            "ack_p50_ms": round(pct(ack_ms, 0.5), 1), "ack_p99_ms": round(pct(ack_ms, 0.99), 1),
            "full_p50_ms": round(pct(full_ms, 0.5), 1) if full_ms else None,
            "full_p99_ms": round(pct(full_ms, 0.99), 1) if full_ms else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--text", default="", help="the /metrics text (default: the scorecard)")
    parser.add_argument("--pg-url", default=os.environ.get(
        "SIGNALROOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--stored-settings", action="store_true",
                        help="the workspace has stored settings and credentials (a multi-workspace deployment)")
    parser.add_argument("--floor", action="store_true",
                        help="also time the same bursts to an unrouted path (404): client + HTTP server, no app")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.storage.engine import normalize_url

    admin_url = normalize_url(args.pg_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"signalroom_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    server = receiver = None
    try:
        began = time.perf_counter()
        load(url, args.tickets)
        print(json.dumps({"loaded_tickets": args.tickets, "load_s": round(time.perf_counter() - began, 1)}), flush=True)
        from bot.credentials import new_key

        key = new_key()
        if args.stored_settings:
            store_settings(url, key)
        receiver = Receiver()
        port = free_port()
        config = Path(tempfile.mkdtemp()) / "signalroom.toml"
        config.write_text('timezone = "Europe/Berlin"\n')
        env = {**os.environ, "DATABASE_URL": url, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-bench",
               "SLACK_API_URL": receiver.url + "/api/", "SIGNALROOM_CONFIG": str(config), "PORT": str(port),
               "SIGNALROOM_LOG_LEVEL": "WARNING", "SIGNALROOM_SECRET_KEY": key}
        server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                                   "--workers", str(args.workers)], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        for warm in range(3):  # warm-up: every worker's connections, auth.test and template cache
            burst(base, receiver, 10, -1 - warm, args.text)
        results = []
        for run in range(1, args.runs + 1):
            result = burst(base, receiver, args.concurrency, run, args.text)
            print(json.dumps(result), flush=True)
            results.append(result)
        if args.floor:
            floors = [burst(base, receiver, args.concurrency, 100 + run, args.text, floor=True)
                      for run in range(args.runs)]
            print("floor " + json.dumps({"ack_p50_ms": statistics.median(f["ack_p50_ms"] for f in floors),
                                         "ack_p99_ms": statistics.median(f["ack_p99_ms"] for f in floors)}), flush=True)
        summary = {key: statistics.median(r[key] for r in results)
                   for key in ("ack_p50_ms", "ack_p99_ms", "full_p50_ms", "full_p99_ms")}
        summary.update(workers=args.workers, runs=args.runs, concurrency=args.concurrency, tickets=args.tickets,
                       stored_settings=args.stored_settings, load_average=os.getloadavg()[0],
                       all_answered=all(r["answered"] == args.concurrency and r["ok"] == args.concurrency
                                        for r in results))
        print("summary " + json.dumps(summary), flush=True)
    finally:
        if receiver is not None:
            receiver.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
