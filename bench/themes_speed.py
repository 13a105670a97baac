"""Theme run speed and memory at 100,000 tickets (2-core budget: weekly <= 60 s, cold <= 5 min, <= 2 GB).

    .venv/bin/python bench/themes_speed.py [--tickets 100000] [--new 20000] [--clusters 150] [--repeat 3]

Synthetic tickets: CLINC150 texts (all splits) with support-style variation: greetings,
sign-offs, order numbers, emails, phone numbers and URLs (all redacted before embedding),
dropped words, tags from the intent's domain, CSAT, resolution and escalation.

Each scenario runs in its own process so peak RSS (ru_maxrss) is that scenario's alone:
  cold:   no cache, no earlier themes, all tickets embedded;
  weekly: the oldest `new` tickets leave the window, `new` fresh ones arrive; vectors of
          the rest come from the cache and themes from the cold run are the `previous`.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.themes import InMemoryVectorCache, ThemeDoc, build_themes, load_embedder
from bot.themes.cache import cache_key
from bot.themes.pipeline import ticket_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "clinc150" / "data_full.json"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")
GREETINGS = ("", "", "hi, ", "hello team, ", "hey ", "good morning, ", "urgent: ")
SIGNOFFS = ("", "", " thanks", " thank you!", " please help", " asap", " regards, sam")
NOISE = ("", "", "", "", "", "", " order #{n}", " my email is user{n}@example.com", " call me at +1 555 {n:07d}", " see https://example.com/t/{n}", " ref INV-{n}")


def synthetic_tickets(count: int, *, first_id: int, start: datetime, end: datetime, seed: int) -> list[ThemeDoc]:
    rows = [row for split in json.loads(DATA.read_text()).values() for row in split]
    rng = np.random.default_rng(seed)
    docs = []
    for offset, pick in enumerate(rng.integers(0, len(rows), count)):
        text, intent = rows[pick]
        words = text.split()
        if len(words) > 4 and rng.random() < 0.3:
            del words[rng.integers(len(words))]
        n = int(rng.integers(10**6))
        subject = rng.choice(GREETINGS) + " ".join(words) + rng.choice(NOISE).format(n=n) + rng.choice(SIGNOFFS)
        docs.append(
            ThemeDoc(
                ticket_id=str(first_id + offset),
                created_at=start + (end - start) * float(rng.random()),
                subject=subject,
                tags=(intent.split("_")[0],) if rng.random() < 0.5 else (),
                csat=bool(rng.random() < 0.8) if rng.random() < 0.3 else None,
                resolution=timedelta(hours=float(rng.exponential(20))),
                escalated=bool(rng.random() < 0.05),
            )
        )
    return docs


def run_scenario(mode: str, tickets: int, new: int, clusters: int, state: Path) -> dict[str, float]:
    embedder = load_embedder()
    cache = InMemoryVectorCache()
    # Steady volume: `new` tickets a week, so the window holds tickets/new weeks; the weekly
    # run drops the oldest week and adds the newest, one week after the cold run.
    weeks = max(1, round(tickets / new))
    old = synthetic_tickets(tickets, first_id=0, start=NOW - timedelta(weeks=weeks + 1), end=NOW - timedelta(weeks=1), seed=1)
    old.sort(key=lambda d: d.created_at)
    previous = []
    now = NOW - timedelta(weeks=1)
    if mode == "weekly":
        # Untimed set-up: what the SQL cache and theme table would hand over.
        stored = pickle.loads((state / "cold.pickle").read_bytes())
        cache.put_many(embedder.name, stored["vectors"])
        previous = stored["known"]
        fresh = synthetic_tickets(new, first_id=tickets, start=NOW - timedelta(weeks=1), end=NOW, seed=2)
        docs = old[new:] + fresh
        now = NOW
    else:
        docs = old
    started = time.perf_counter()
    run = build_themes(docs, now=now, tz=TZ, embedder=embedder, cache=cache, previous=previous, k=clusters, seed=0)
    seconds = time.perf_counter() - started
    if mode == "cold":
        keys = [cache_key(d.ticket_id, ticket_text(d)) for d in docs]
        vectors = dict(cache.get_many(embedder.name, keys))
        (state / "cold.pickle").write_bytes(pickle.dumps({"vectors": vectors, "known": list(run.known)}))
    kept = sum(1 for t in run.themes if t.status.value != "new") if mode == "weekly" else 0
    return {
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "embedded": run.embedded,
        "cached": run.cached,
        "themes": len(run.themes),
        "kept_ids": kept,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=20_000)
    parser.add_argument("--clusters", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", choices=("cold", "weekly"), help=argparse.SUPPRESS)
    parser.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.tickets, args.new, args.clusters, args.state)))
        return
    print(f"{os.cpu_count()} cores; {args.tickets} tickets, {args.new} new, k={args.clusters}, {args.repeat} repeats")
    results: dict[str, list[dict[str, float]]] = {"cold": [], "weekly": []}
    with tempfile.TemporaryDirectory() as state:
        for attempt in range(args.repeat):
            for mode in ("cold", "weekly"):
                command = [sys.executable, __file__, "--scenario", mode, "--state", state, "--tickets", str(args.tickets), "--new", str(args.new), "--clusters", str(args.clusters)]
                result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
                results[mode].append(result)
                print(f"  {mode} #{attempt + 1}: {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB, embedded {result['embedded']}, cached {result['cached']}, themes {result['themes']}, ids kept {result['kept_ids']}", flush=True)
    for mode, rows in results.items():
        print(f"{mode} MEDIAN: {statistics.median(r['seconds'] for r in rows):.1f} s, peak RSS {statistics.median(r['peak_rss_mb'] for r in rows):.0f} MB")


if __name__ == "__main__":
    main()
