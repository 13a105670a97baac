"""Per-day zones over history and which rules would have fired."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.errors import UsageError
from bot.metrics.catalogue import DIMENSIONS, DIRECTIONS
from bot.metrics.zone_names import BAD, WATCH


def add_arguments(parser) -> None:
    parser.add_argument("--metric", metavar="KEY")
    parser.add_argument("--by", metavar="DIM")
    parser.add_argument("--series", metavar="FILE.csv", help="a CSV with header date,value")
    parser.add_argument("--direction", help=f"for --series: one of {', '.join(DIRECTIONS)}")
    parser.add_argument("--verdicts", action="store_true",
                        help="the verdict a do-nothing action would get after each trigger the rules fire")
    parser.add_argument("--json", action="store_true")


def run(args, runtime) -> int:
    from bot.metrics.config_map import rollup_settings

    if (args.metric is None) == (args.series is None):
        raise UsageError("give exactly one of --metric KEY or --series FILE.csv")
    if args.by is not None and args.by not in DIMENSIONS:
        raise UsageError(f"--by: unknown dimension {args.by!r}; use one of {', '.join(DIMENSIONS)}")
    settings = rollup_settings(runtime.settings)
    names: dict[str, str] = {}  # stored segment -> the name its source reports
    if args.series is not None:
        metric, results = _series_backtest(args, settings)
        key, dim = metric.key, ""
    else:
        metric, results, names = _stored_backtest(args, runtime, settings)
        key, dim = metric.key, args.by or ""
        if not results:
            print(f"no daily values for {key} yet: run `signalroom rollup` first")
            return 1
    if args.verdicts:
        return _print_verdicts(args, runtime, results, metric, dim, names)
    if args.json:
        _print_json(key, dim, results, names)
    else:
        _print_text(key, dim, results, names)
    return 0


def _series_backtest(args, settings) -> tuple[Any, list[tuple[str, Any]]]:
    """`--series FILE.csv`: the uploaded daily series, judged as a metric of `--direction`."""
    from bot.metrics.backtest import SeriesFormatError, backtest, read_series_csv
    from bot.metrics.catalogue import adhoc_metric

    if args.by is not None:
        raise UsageError("--by applies to --metric, not to --series")
    direction = args.direction or "higher_is_worse"
    if direction not in DIRECTIONS:
        raise UsageError(f"--direction: use one of {', '.join(DIRECTIONS)}")
    try:
        text = Path(args.series).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--series: cannot read {args.series}: {exc.strerror}") from None
    try:
        series = read_series_csv(text)
    except SeriesFormatError as exc:
        raise UsageError(f"--series {args.series}: {exc}") from None
    metric = adhoc_metric(direction)
    return metric, [("", backtest(series, metric, settings.metrics.defaults, drift=settings.metrics.drift))]


def _stored_backtest(args, runtime, settings) -> tuple[Any, list[tuple[str, Any]], dict[str, str]]:
    """`--metric KEY [--by DIM]`: the stored daily values, and the segments' names."""
    from bot.metrics.catalogue import UnknownMetricError, resolve_metric
    from bot.metrics.reads import backtest_stored

    try:
        metric = resolve_metric(args.metric)
    except UnknownMetricError as exc:
        raise UsageError(f"--metric: {exc}") from None
    if args.direction is not None:
        raise UsageError("--direction applies to --series; a catalogue metric has its own direction")
    dim = args.by or ""
    with runtime.session_factory().begin() as session:
        results = backtest_stored(session, workspace_id=runtime.workspace_id, settings=settings,
                                  metric=metric.key, dimension=dim)
        names = _segment_names(session, runtime.workspace_id, dim, [seg for seg, _ in results])
    return metric, results, names


def _print_json(key: str, dim: str, results, names: dict[str, str]) -> None:
    days, segments = [], []
    for seg, res in results:
        seg_obj = _segment_json(dim, seg, names)
        for d in res.to_dict()["days"]:
            days.append({**d, **seg_obj})
        segments.append({**seg_obj, "zone_counts": res.zone_counts(),
                         "events": res.to_dict()["events"]})
    print(json.dumps({"metric": key, "days": days, "segments": segments}, indent=2))


def _print_text(key: str, dim: str, results, names: dict[str, str]) -> None:
    for seg, res in results:
        counts = ", ".join(f"{z} {n}" for z, n in sorted(res.zone_counts().items()))
        print(f"{key}{f' [{dim}={names.get(seg, seg)}]' if dim else ''}: {len(res.days)} days — {counts}")
        for d in res.days:
            if d.result.zone in BAD or d.rules or d.recovered:
                mark = "".join(f"  FIRES {r}" for r in d.rules) + "".join(f"  recovers {r}" for r in d.recovered)
                print(f"  {d.result.day} {d.result.zone:<8} {d.result.explanation}{mark}")
        for e in res.events:
            print(f"  rule {e.rule}: {e.kind} on {e.day} (since {e.since})")


def _segment_names(session, workspace_id: str, dim: str, segments) -> dict[str, str]:
    """Stored segments (ids for API sources) → the names their source reports."""
    from bot.storage.reference import display_names

    return display_names(session, workspace_id=workspace_id, dimension=dim, ids=segments) if dim else {}


def _segment_json(dim: str, seg: str, names: dict[str, str]) -> dict:
    """`segment` as a name; the id rides along in `segment_id` when they differ."""
    if not dim:
        return {"segment": {}}
    name = names.get(seg, seg)
    return {"segment": {dim: name}, **({"segment_id": {dim: seg}} if name != seg else {})}


def _print_verdicts(args, runtime, results, metric, dim: str, names: dict[str, str] | None = None) -> int:
    """Each trigger the rules would have fired, with a do-nothing action completed after the playbook's due days."""
    from bot.metrics.verdicts import VerdictSettings, do_nothing_verdicts, readings_from_zones
    from bot.rituals.verdict import explain, plain

    f = runtime.settings.file
    rules = [r for r in rollup_rules(runtime, metric.key, dim)]
    if not rules:
        # --series, or no rule on this metric: the default excursion (two days in watch or worse).
        from bot.metrics.settings import Rule

        rules = [Rule("excursion", metric.key, WATCH, 2, 3)]
    due = {name: p.due_days for name, p in (f.playbooks or {}).items()}
    vs = VerdictSettings(healthy=f.metrics.watch, pool_days=f.metrics.window_days if metric.kind == "rate" else 1)
    rows = []
    for seg, res in results:
        names = names or {}
        name = names.get(seg, seg)
        seg_rules = [r for r in rules if not r.segments or seg in r.segments or name in r.segments]
        for h in do_nothing_verdicts(readings_from_zones([d.result for d in res.days]), seg_rules, due_days=due,
                                     settings=vs):
            subject = metric.label + (f" for {name}" if seg else "")
            rows.append({"trigger_day": h.trigger_day.isoformat(), "done_day": h.done_day.isoformat(),
                         "verdict": h.verdict.label, "explanation": plain(explain(h.verdict, unit=metric.unit,
                                                                                 subject=subject,
                                                                                 currency=f.metrics.currency)),
                         "rule": h.rule, **_segment_json(dim, seg, names)})
    if args.json:
        print(json.dumps({"metric": metric.key, "verdicts": rows}, indent=2))
        return 0
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print(f"{metric.key}: {len(rows)} triggers, a do-nothing action after each — "
          + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no triggers"))
    for r in rows:
        where = f" [{dim}={r['segment'][dim]}]" if dim else ""
        print(f"  {r['trigger_day']} → done {r['done_day']}{where}: {r['verdict']} — {r['explanation']}")
    return 0


def rollup_rules(runtime, key: str, dim: str):
    from bot.metrics.config_map import rollup_settings

    return [r for r in rollup_settings(runtime.settings).rules if r.metric == key and (r.dimension or "") == dim]
