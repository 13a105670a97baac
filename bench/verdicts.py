"""Benchmark: is the verdict calibrated? (issue 12, item 1)

Do-nothing actions: for every trigger the rules would fire in a history, an action
that does nothing is completed after the playbook's due days and judged by the one
engine (`bot.metrics.verdicts`). Goal: `improved` + `worse` at most 10 % on

1. the demo's sample data (every overall metric, plus the demo's own rules),
2. the BPI 2013 incident log (../shared/data/bpi2013-incidents; skipped when absent),
3. stationary synthetic series (white noise and AR(1) noise, weekday pattern).

Planted effects: synthetic series with three earlier episodes (a level shift of
δ spreads for three weeks that ends by itself) and a fourth that an action ends
`due` days after the trigger. Goal: `improved` in at least 90 % at δ = 3 (a shift
of three times the day-to-day spread, e.g. a median first response of 60 min
going to ~90 min on a metric that wobbles by 10 min: the size a team acts on).
The same episodes left alone are the control (should not read improved).

    .venv/bin/python bench/verdicts.py [--quick]
"""
from __future__ import annotations

import argparse
import collections
import platform
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.metrics.baselines import DailySeries  # noqa: E402
from bot.metrics.catalogue import CATALOGUE, adhoc_metric  # noqa: E402
from bot.metrics.settings import Rule, ZoneSettings  # noqa: E402
from bot.metrics.verdicts import (  # noqa: E402
    Case, VerdictSettings, do_nothing_verdicts, excursions, judge, readings_from_zones,
)
from bot.metrics.zones import evaluate_series  # noqa: E402

RULES = (Rule("watch-2d", "", "watch", 2, 3, playbook="short"), Rule("act-now-1d", "", "act_now", 1, 3, playbook="week"))
DUE = {"short": 3, "week": 7}
WEEKDAY = np.array([5, 3, 0, 0, -2, -15, -20], dtype=float)


def share(c: collections.Counter) -> str:
    total = sum(c.values())
    bad = c["improved"] + c["worse"]
    return (f"{total} do-nothing actions: improved {c['improved']}, worse {c['worse']} → "
            f"{100 * bad / max(total, 1):.1f} % (goal ≤ 10 %); recovered_as_usual {c['recovered_as_usual']}, "
            f"no_change {c['no_change']}, too_early {c['too_early']}")


def verdicts_for(series: DailySeries, metric, zs: ZoneSettings, rules=RULES, due=DUE) -> collections.Counter:
    readings = readings_from_zones(evaluate_series(series, metric, zs))
    vs = VerdictSettings(healthy=zs.watch, pool_days=zs.window_days if metric.kind == "rate" else 1)
    return collections.Counter(h.verdict.label for h in do_nothing_verdicts(readings, rules, due_days=due, settings=vs))


def stationary(n_series: int, days: int) -> collections.Counter:
    rng = np.random.default_rng(11)
    out: collections.Counter = collections.Counter()
    metric = adhoc_metric("higher_is_worse")
    for k in range(n_series):
        phi = (0.0, 0.5, 0.8)[k % 3]
        e = np.zeros(days)
        w = rng.normal(0, 1, days)
        for i in range(1, days):
            e[i] = phi * e[i - 1] + w[i]
        x = 100 + 10 * e * np.sqrt(1 - phi * phi) + np.resize(WEEKDAY, days)
        out += verdicts_for(DailySeries.from_values(date(2025, 1, 1), list(x)), metric, ZoneSettings())
    return out


def planted(delta: float, *, fix: bool, n: int, due: int = 3) -> collections.Counter:
    rng = np.random.default_rng(int(delta * 100) + fix)
    metric = adhoc_metric("higher_is_worse")
    rule = Rule("watch-2d", "", "watch", 2, 3)
    start = date(2025, 1, 1)
    out: collections.Counter = collections.Counter()
    for _ in range(n):
        days = 330
        x = 100 + 10 * rng.normal(0, 1, days) + np.resize(WEEKDAY, days)
        for s in (100, 160, 220):
            x[s:s + 21] += 10 * delta
        x[290:] += 10 * delta
        readings = readings_from_zones(evaluate_series(DailySeries.from_values(start, list(x)), metric, ZoneSettings()))
        found = [e for e in excursions(readings, rule) if e[0] >= start + timedelta(days=289)]
        if not found:
            out["never fired"] += 1
            continue
        since, fired, _ = found[0]
        done = fired + timedelta(days=due)
        if fix:
            x[(done - start).days + 1:] -= 10 * delta
            readings = readings_from_zones(evaluate_series(DailySeries.from_values(start, list(x)), metric,
                                                           ZoneSettings()))
        out[judge(readings, Case(since, done, done, readings[-1].day, rule)).label] += 1
    return out


def demo_data() -> tuple[collections.Counter, collections.Counter]:
    """(do-nothing verdicts, verdicts on triggers of the planted staffing gap an action really ended: those are
    not do-nothing, the data contains the fix)."""
    from bot.demo.sample import generate
    from bot.imports import import_csv_file
    from bot.metrics.config_map import rollup_settings
    from bot.metrics.reads import backtest_stored
    from bot.metrics.rollup import run_rollup
    from bot.config import load_settings
    from bot.demo.run import DEMO_CONFIG, annotate_release
    from bot.storage.engine import make_engine, make_session_factory, sqlite_url, upgrade

    out: collections.Counter = collections.Counter()
    fixed: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        as_of = date(2026, 11, 27)
        csv_path = Path(tmp) / "sample.csv"
        story = generate(csv_path, as_of=as_of, per_day=300)  # the demo's own length (DAYS)
        gap = story.fixed_gap
        url = sqlite_url(Path(tmp) / "demo.db")
        upgrade(url)
        app = load_settings({}, config_path=str(DEMO_CONFIG))
        engine = make_engine(url)
        sf = make_session_factory(engine)
        import_csv_file(csv_path, session_factory=sf, workspace_id=app.workspace_id, source="csv")
        with sf.begin() as session:  # as the demo does: the release week's days are known events
            annotate_release(session, workspace_id=app.workspace_id, story=story)
        settings = rollup_settings(app)
        now_at = datetime.combine(as_of, dtime(8), app.timezone).astimezone(timezone.utc)
        run_rollup(sf, workspace_id=app.workspace_id, settings=settings, now_at=now_at, full=True)
        due = {p.name: p.follow_up_days for p in settings.playbooks} | DUE
        with sf() as session:
            for key, mdef in CATALOGUE.items():
                for dim in ("", *{r.dimension or "" for r in settings.rules if r.metric == key and r.dimension}):
                    own = [r for r in settings.rules if r.metric == key and (r.dimension or "") == dim]
                    for seg, res in backtest_stored(session, workspace_id=app.workspace_id, settings=settings,
                                                    metric=key, dimension=dim):
                        readings = readings_from_zones([d.result for d in res.days])
                        zs = settings.metrics.for_metric(key)
                        vs = VerdictSettings(healthy=zs.watch, pool_days=zs.window_days if mdef.kind == "rate" else 1)
                        rules = [r for r in own if r.matches(key, dim, seg)] or list(RULES)
                        for h in do_nothing_verdicts(readings, rules, due_days=due, settings=vs):
                            real_fix = gap is not None and gap[0] <= h.trigger_day < gap[1]
                            (fixed if real_fix else out)[h.verdict.label] += 1
        engine.dispose()
    return out, fixed


def bpi2013_series() -> dict[str, DailySeries] | None:
    """The BPI 2013 incident log's overall daily series per catalogue metric (None when the data is absent);
    bench/quiet_watch.py reads them too."""
    path = ROOT.parent / "shared" / "data" / "bpi2013-incidents" / "VINST-new.csv"
    if not path.exists():
        return None
    from bot.metrics.columns import columns_from_facts
    from bot.metrics.daily import compute_daily
    from bot.metrics.settings import RollupSettings
    from tests.metrics.test_bpi2013 import cases_to_facts

    settings = RollupSettings(timezone="Europe/Brussels")
    cols = columns_from_facts(cases_to_facts(path), settings)
    rows = compute_daily(cols, start=date(2010, 3, 31), end=date(2012, 5, 24), settings=settings, dimensions=())
    by_metric: dict[str, list] = collections.defaultdict(list)
    for r in rows:
        if r.dimension == "":
            by_metric[r.metric].append((r.day, r.value, r.n, r.numerator, r.denominator))
    return {key: DailySeries.from_points(points) for key, points in by_metric.items() if key in CATALOGUE}


def bpi2013() -> collections.Counter | None:
    found = bpi2013_series()
    if found is None:
        return None
    out: collections.Counter = collections.Counter()
    for key, series in found.items():
        out += verdicts_for(series, CATALOGUE[key], ZoneSettings(min_sample=5 if CATALOGUE[key].kind == "rate" else None))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer synthetic series")
    args = parser.parse_args()
    n = 10 if args.quick else 30
    print(f"machine: {platform.machine()}, {platform.processor() or '?'}, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    t = time.perf_counter()
    print("stationary synthetic (365 days; white, AR 0.5, AR 0.8 noise):", share(stationary(n, 365)))
    demo, fixed = demo_data()
    from bot.demo.sample import DAYS

    print(f"demo sample ({DAYS} days, every overall metric + the demo's rules):", share(demo))
    print(f"  triggers inside the planted gap that an action ended (not do-nothing; the data holds the fix): "
          f"{dict(fixed)}")
    bpi = bpi2013()
    print("BPI 2013 incidents:", share(bpi) if bpi is not None
          else "skipped: ../shared/data/bpi2013-incidents/VINST-new.csv is absent")
    for delta in (2.0, 3.0, 4.0):
        fixed = planted(delta, fix=True, n=2 * n)
        left = planted(delta, fix=False, n=2 * n)
        fired = sum(v for k, v in fixed.items() if k != "never fired")
        print(f"planted δ={delta:.0f} spreads, fixed 3 days after the trigger: improved {fixed['improved']}/{fired} "
              f"= {100 * fixed['improved'] / max(fired, 1):.0f} %{' (goal ≥ 90 %)' if delta == 3 else ''}; "
              f"left alone: improved {left['improved']}/{sum(v for k, v in left.items() if k != 'never fired')}"
              f" ({dict(left)})")
    print(f"total {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
