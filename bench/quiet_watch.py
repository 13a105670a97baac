"""Benchmark: how often does "watch" (or worse) show on days with no story? (issue 12, item 8)

A zone people trust is quiet when nothing happened. This measures the share of
watch-or-act-now days among judged days (healthy, watch, act now; learning and
insufficient data are not judgements) where nothing was planted:

1. the demo's sample data (`bot/demo/sample.py`), through the real pipeline (CSV
   import, rollup, stored daily values, the same zones as `signalroom backtest`),
   per overall metric. Story-free = outside every planted story window (release
   week, the staffing gaps, the last ten days with the FRT spike, the CSAT
   dip and the at-risk account), each widened by the days the story can still
   move the metric (`story_tail`: rate pooling, the resolution tail of metrics
   counted when solved, repeat contact's look-back). Also: does every planted
   story still reach watch or act now? The demo as shipped (`DAYS`, 240 days),
   then the same generator over 120 days, the demo's length until 2026-11-28
   (the same stories, 120 fewer story-free days, every judged day with the
   sample's first weeks in its baseline window).
2. stationary synthetic series: weekday pattern + noise (count, duration, rate
   metrics; white and AR(1) noise), several seeds, median share per metric kind;
3. BPI 2013 (`../shared/data/bpi2013-incidents`), overall daily metrics, the whole
   log counted as story-free (it has no labelled stories; skipped when absent).

Goal: under 5 % for every metric, every planted story still detected.

    .venv/bin/python bench/quiet_watch.py [--quick] [--demo-seeds 7,1,2,3,4]

`--demo-seeds`: the shipped demo's generator seeds (the first is reported on its own, then the median,
the mean and at how many seeds a metric is over 5 %); the 120-day sample runs the first three.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.metrics.baselines import DailySeries  # noqa: E402
from bot.metrics.catalogue import CATALOGUE, adhoc_metric  # noqa: E402
from bot.metrics.settings import ZoneSettings  # noqa: E402
from bot.metrics.zones import ZoneResult, evaluate_series  # noqa: E402

JUDGED = ("healthy", "watch", "act_now")
LOUD = ("watch", "act_now")
GOAL = 0.05
DEMO_SEEDS = (7, 1, 2, 3, 4)  # 7: the demo's own (`make demo`); a share out of 35 days moves 2.9 points a day


def loud_share(results: Iterable[ZoneResult], quiet: callable = lambda d: True) -> tuple[int, int]:
    """(watch-or-worse days, judged days) among the days `quiet` accepts."""
    loud = judged = 0
    for r in results:
        if r.zone in JUDGED and quiet(r.day):
            judged += 1
            loud += r.zone in LOUD
    return loud, judged


# --- 1. the demo ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Story:
    name: str
    metric: str
    dimension: str
    segment: str
    start: date
    end: date  # exclusive


def demo_stories(story) -> list[Story]:
    """The planted stories and where each should show (metric, segment, [start, end))."""
    as_of = story.as_of
    out = [Story("release-week volume spike", "ticket_volume", "", "", story.release_day,
                 story.release_day + timedelta(days=4)),
           Story("first-response spike (last days)", "first_response_time", "", "", story.frt_spike_from, as_of),
           Story("CSAT dip in billing", "csat", "product_area", "billing", story.csat_dip_from, as_of),
           Story("at-risk account contacting again and again", "repeat_contact_rate", "account_tier",
                 "high_value", as_of - timedelta(days=10), as_of)]
    gaps = (*story.staffing_gaps, *((story.fixed_gap,) if story.fixed_gap else ()))
    out += [Story(f"staffing gap from {a}", "first_response_time", "", "", a, b) for a, b in gaps]
    return out


def story_windows(story) -> list[tuple[date, date]]:
    """Every planted window, whatever metric it touches: [start, end)."""
    return [(s.start, s.end) for s in demo_stories(story)]


def story_free(story, *, tail_days: int = 0):
    """Predicate: a day outside every story window (each widened by `tail_days` after its end)."""
    windows = [(a, b + timedelta(days=tail_days)) for a, b in story_windows(story)]
    return lambda d: not any(a <= d < b for a, b in windows)


SOLVE_LAG = 4  # days a story on created tickets keeps showing where tickets count when solved (p90 of resolution)


def story_tail(key: str, zs) -> int:
    """Days after a story's window that it can still move this metric: the rate pooling window, the
    resolution tail for metrics counted on the solve day or at the end of the day, and the look-back of
    repeat contact (more tickets → more requesters who wrote within the last N days)."""
    mdef = CATALOGUE[key]
    tail = zs.window_days - 1 if mdef.kind == "rate" else 0
    if mdef.attributed_to in ("solved", "end_of_day"):
        tail += SOLVE_LAG
    elif mdef.attributed_to == "first_response":
        tail += 1  # a ticket created late in the evening is answered the next day
    if key == "repeat_contact_rate":
        tail += 7
    return tail


def demo_zones(as_of: date = date(2026, 11, 27), days: int = 240, per_day: int = 300, seed: int = 7):
    """(story, settings, {(metric, dimension, segment): [ZoneResult]}) for the demo through the real pipeline."""
    from bot.config import load_settings
    from bot.demo.run import DEMO_CONFIG, annotate_release
    from bot.demo.sample import generate
    from bot.imports import import_csv_file
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.reads import backtest_stored
    from bot.metrics.rollup import run_rollup
    from bot.storage.engine import make_engine, make_session_factory, sqlite_url, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "sample.csv"
        app = load_settings({}, config_path=str(DEMO_CONFIG))
        story = generate(csv_path, as_of=as_of, days=days, per_day=per_day, tz=app.file.timezone, seed=seed)
        url = sqlite_url(Path(tmp) / "demo.db")
        upgrade(url)
        engine = make_engine(url)
        sf = make_session_factory(engine)
        import_csv_file(csv_path, session_factory=sf, workspace_id=app.workspace_id, source="csv")
        with sf.begin() as session:  # as the demo does: the release week's days are known change days
            annotate_release(session, workspace_id=app.workspace_id, story=story)
        settings = rollup_settings(app)
        now_at = datetime.combine(as_of, dtime(8), app.timezone).astimezone(timezone.utc)
        run_rollup(sf, workspace_id=app.workspace_id, settings=settings, now_at=now_at, full=True)
        wanted = {("", "")} | {(s.dimension, s.segment) for s in demo_stories(story)}
        zones: dict[tuple[str, str, str], list[ZoneResult]] = {}
        with sf() as session:
            for key in CATALOGUE:
                for dim in sorted({d for d, _ in wanted}):
                    for seg, res in backtest_stored(session, workspace_id=app.workspace_id, settings=settings,
                                                    metric=key, dimension=dim):
                        if (dim, seg) in wanted:
                            zones[(key, dim, seg)] = [d.result for d in res.days]
        engine.dispose()
    return story, settings, zones


def detected(story: Story, results: list[ZoneResult]) -> str | None:
    """The worst zone the story reached inside its window (None when it stayed healthy)."""
    zs = [r.zone for r in results if story.start <= r.day < story.end and r.zone in LOUD]
    return "act_now" if "act_now" in zs else (zs[0] if zs else None)


def run_demo(days: int = 240, seed: int = 7) -> tuple[dict[str, tuple[int, int]], list[tuple[Story, str | None]]]:
    story, settings, zones = demo_zones(days=days, seed=seed)
    shares: dict[str, tuple[int, int]] = {}
    for (key, dim, seg), results in sorted(zones.items()):
        if dim:
            continue
        tail = story_tail(key, settings.metrics.for_metric(key))
        shares[key] = loud_share(results, story_free(story, tail_days=tail))
    found = [(s, detected(s, zones.get((s.metric, s.dimension, s.segment), []))) for s in demo_stories(story)]
    return shares, found


# --- 2. stationary synthetic ------------------------------------------------------------------

WEEKDAY = np.array([1.15, 1.10, 1.05, 1.0, 0.9, 0.45, 0.35])  # the demo's weekday load, Monday first


def synthetic(kind: str, seed: int, days: int) -> tuple[DailySeries, object]:
    """A stationary series of one kind: weekday pattern + noise, nothing planted."""
    rng = np.random.default_rng(seed)
    start = date(2025, 1, 6)  # a Monday
    load = np.resize(WEEKDAY, days)
    if kind == "count (Poisson, ~280/day)":
        x = rng.poisson(280 * load).astype(float)
        return DailySeries.from_values(start, list(x), [int(v) for v in x]), CATALOGUE["ticket_volume"]
    if kind == "count (overdispersed, ~280/day)":
        lam = 280 * load * rng.gamma(50, 1 / 50, days)
        x = rng.poisson(lam).astype(float)
        return DailySeries.from_values(start, list(x), [int(v) for v in x]), CATALOGUE["ticket_volume"]
    if kind == "small count (~4/day)":
        x = rng.poisson(4 * load).astype(float)
        return DailySeries.from_values(start, list(x), [int(v) for v in x]), CATALOGUE["backlog"]
    if kind == "level, AR(0.6) noise":
        e = np.zeros(days)
        w = rng.normal(0, 1, days)
        for i in range(1, days):
            e[i] = 0.6 * e[i - 1] + w[i]
        x = 100 + 10 * e * np.sqrt(1 - 0.36) + 20 * (load - 1)
        return DailySeries.from_values(start, list(x), [50] * days), adhoc_metric("higher_is_worse")
    if kind == "duration (median of ~200 lognormal)":
        n = rng.poisson(200 * load)
        x = np.array([np.median(rng.lognormal(np.log(3600), 0.8, max(k, 1))) for k in n])
        return DailySeries.from_values(start, list(x), [int(k) for k in n]), CATALOGUE["first_response_time"]
    for name, per_day, p, key in (("rate (binomial, ~90 %, ~80 rated/day)", 80, 0.9, "csat"),
                                  ("rate (binomial, ~6 %, ~280/day)", 280, 0.06, "reopen_rate")):
        if kind == name:
            den = rng.poisson(per_day * load).astype(float)
            num = rng.binomial(den.astype(int), p).astype(float)
            with np.errstate(invalid="ignore"):
                return DailySeries(start, num / den, den.astype(np.int64), num, den), CATALOGUE[key]
    raise ValueError(kind)


KINDS = ("count (Poisson, ~280/day)", "count (overdispersed, ~280/day)", "small count (~4/day)",
         "level, AR(0.6) noise", "duration (median of ~200 lognormal)", "rate (binomial, ~90 %, ~80 rated/day)",
         "rate (binomial, ~6 %, ~280/day)")


def synthetic_share(kind: str, seed: int, days: int, zs: ZoneSettings = ZoneSettings()) -> float:
    series, metric = synthetic(kind, seed, days)
    loud, judged = loud_share(evaluate_series(series, metric, zs))
    return loud / max(judged, 1)


# --- 3. BPI 2013 ------------------------------------------------------------------------------

def bpi2013() -> dict[str, tuple[int, int]] | None:
    from verdicts import bpi2013_series  # bench/verdicts.py: the same log, read the same way

    found = bpi2013_series()
    if found is None:
        return None
    out = {}
    for key, series in sorted(found.items()):
        zs = ZoneSettings(min_sample=5 if CATALOGUE[key].kind == "rate" else None)
        out[key] = loud_share(evaluate_series(series, CATALOGUE[key], zs))
    return out


def pct(loud: int, judged: int) -> str:
    return f"{100 * loud / judged:5.1f} % ({loud}/{judged})" if judged else "  n/a"


def mark(share: float) -> str:
    return "ok" if share < GOAL else "OVER"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer seeds and shorter synthetic series")
    parser.add_argument("--demo-seeds", type=lambda s: tuple(int(x) for x in s.split(",")), default=DEMO_SEEDS,
                        help="generator seeds of the shipped demo, the demo's own first (default 7,1,2,3,4; "
                             "the 120-day sample runs the first three)")
    args = parser.parse_args()
    seeds = range(5) if args.quick else range(11)
    days = 365 if args.quick else 730
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()} {platform.release()}")
    t = time.perf_counter()

    from bot.demo.sample import DAYS

    for n_days, demo_seeds in ((DAYS, args.demo_seeds), (120, args.demo_seeds[:3])):
        runs = [run_demo(n_days, seed) for seed in demo_seeds]
        shares, found = runs[0]
        what = "as `make demo`" if n_days == DAYS else "the same generator and stories, less story-free history"
        print(f"\n1. demo sample ({n_days} days to 2026-11-27, {what}), overall metrics, story-free judged days;")
        print(f"   seed {demo_seeds[0]} (the demo's), then the median share over seeds {', '.join(map(str, demo_seeds))}:")
        worst = worst_median = 0.0
        for key, (loud, judged) in shares.items():
            if judged:
                worst = max(worst, loud / judged)
                each = [r[0][key][0] / max(r[0][key][1], 1) for r in runs]
                med = statistics.median(each)
                worst_median = max(worst_median, med)
                over = sum(x >= GOAL for x in each)
                print(f"   {key:<28} watch-or-worse {pct(loud, judged)}  {mark(loud / judged):<4}  median {100 * med:5.1f} %"
                      f"  {mark(med):<4}  mean {100 * statistics.fmean(each):4.1f} %, over 5 % at {over} of {len(each)} seeds")
        print(f"   worst metric {100 * worst:.1f} % at seed {demo_seeds[0]}, {100 * worst_median:.1f} % median (goal < 5 %)")
        print("   planted stories (worst zone inside the story's window), seed by seed:")
        for i, (s, zone) in enumerate(found):
            where = f"{s.metric}" + (f" [{s.dimension}={s.segment}]" if s.dimension else "")
            zones = [r[1][i][1] or "MISSED" for r in runs]
            print(f"   {'found' if zone else 'MISSED':<6} {s.name:<44} {where:<48} {' '.join(zones)}")

    print(f"\n2. stationary synthetic, {days} days, seeds {seeds.start}..{seeds.stop - 1}: median share (min–max)")
    for kind in KINDS:
        vals = [synthetic_share(kind, seed, days) for seed in seeds]
        med = statistics.median(vals)
        print(f"   {kind:<40} {100 * med:5.1f} %  ({100 * min(vals):.1f}–{100 * max(vals):.1f})  {mark(med)}")

    bpi = bpi2013()
    if bpi is None:
        print("\n3. BPI 2013: skipped (../shared/data/bpi2013-incidents/VINST-new.csv is absent)")
    else:
        print("\n3. BPI 2013 incidents, overall daily metrics, whole log (no labelled stories):")
        for key, (loud, judged) in bpi.items():
            if judged:
                print(f"   {key:<28} watch-or-worse {pct(loud, judged)}  {mark(loud / judged)}")
    print(f"\ntotal {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
