"""Did it move the needle? One noise-aware verdict that knows regression to the mean. Pure.

Everything is measured in the zone engine's score: the day's deviation from its
baseline's expectation (same weekday where there is enough history) in robust
spreads, signed so that positive is worse. Weekdays are therefore already taken
out, and a 7-day window is a whole week on either side.

- The *problem window* runs from the first bad day of the trigger's streak (for
  a manual action: the `window` days before it was opened), at most `window`
  days and never past completion. The *after window* is the same number of
  days (at least a week) from the day after completion; for pooled rates it
  starts once the pooling window holds only days after completion.
- *Noise* is the spread of `window`-day mean scores over the metric's own
  history (robust; so the autocorrelation of pooled rates is priced in).
- *Natural recovery* is how past excursions of the same series came back with
  no action: the rule (or, for a manual action, two bad days in a row) is run
  over the zone history as the backtest does, and for each past excursion the
  share of its problem-window score still left at the same offsets as this
  after window is measured. With fewer than three past excursions the share
  comes from the series' day-to-day persistence (lag-1 autocorrelation of the
  score), the regression to the mean of a metric that has had no episodes.

Labels: `too_early` (the after window is not over, or too few days with data),
`worse` (worse than during the problem, beyond noise), `improved` (better than
during the problem and better than the natural recovery predicts, both beyond
noise; with too little history to know the natural recovery, better than
normal), `recovered_as_usual` (back within noise of normal, or as far back as it
usually comes by itself), otherwise `no_change`. The evidence is numbers; the
words are in templates/verdict_explanation.json.j2.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from statistics import median
from typing import Literal

from bot.metrics.drift import SCORE_CLIP
from bot.metrics.rules import DayZone, evaluate_rule
from bot.metrics.settings import Rule
from bot.metrics.stats import robust_sd
from bot.metrics.zone_names import HEALTHY, WATCH, zone_or_default

Label = Literal["improved", "recovered_as_usual", "no_change", "worse", "too_early"]
LABELS: tuple[Label, ...] = ("improved", "recovered_as_usual", "no_change", "worse", "too_early")
MIN_EPISODES = 3
MIN_HISTORY = 42  # judged days before the problem to learn its recovery from persistence alone
MAX_HISTORY_DAYS = 366


@dataclass(frozen=True, slots=True)
class Reading:
    """One day of one series as the zone engine judged it (score None = not judged that day)."""

    day: date
    value: float | None
    expected: float | None
    score: float | None
    zone: str | None
    n: int = 0


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    window: int = 7  # days of the problem window at most; the after window is at least this long
    z: float = 2.0  # how many noise units a change must exceed
    healthy: float = 2.0  # a score below this is back in the healthy band (the watch cut-off)
    pool_days: int = 1  # rates: days pooled into each day's value
    min_share: float = 0.5  # each window needs at least this share of its days judged


@dataclass(frozen=True, slots=True)
class Case:
    """What is judged: the problem's days, the completion day, and how far data reaches."""

    problem_start: date
    problem_end: date  # inclusive: the completion day for a trigger, the day before opening for a manual action
    done_day: date
    as_of: date  # last day with data
    rule: Rule | None = None  # the rule that fired (finds past excursions); None: manual


@dataclass(frozen=True, slots=True)
class Natural:
    """How this series came back by itself after past excursions."""

    retained: float  # share of the problem's score left over the after window
    spread: float  # noise of that share's prediction, in score units (0 with no episodes)
    episodes: int  # past excursions measured (0: from day-to-day persistence)
    usual_days: int | None  # median days from an excursion's first bad day to healthy again
    persistence: float | None = None  # lag-1 autocorrelation used when episodes are too few
    known: bool = True  # False: too little history to say how it recovers (then only beyond normal is "improved")


@dataclass(frozen=True, slots=True)
class Verdict:
    label: Label
    problem: tuple[date, date]
    after: tuple[date, date]
    problem_score: float | None = None
    after_score: float | None = None
    natural_score: float | None = None  # the after score the natural recovery predicts
    noise: float | None = None  # SD of a window-day mean score
    problem_value: float | None = None  # mean value in the metric's unit
    after_value: float | None = None
    expected_value: float | None = None  # mean expectation over the after window
    problem_n: int = 0  # tickets (or rated tickets) behind each window
    after_n: int = 0
    problem_days: int = 0  # judged days in each window
    after_days: int = 0
    days_left: int = 0  # too early: days until the after window is over
    recovered_in: int | None = None  # days from completion until healthy again (None: not yet)
    natural: Natural | None = None
    reason: str = ""  # too_early: "window" | "data"; else which test decided


def _clip(score: float) -> float:
    return max(-SCORE_CLIP, min(SCORE_CLIP, score))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def window_scores(by_day: Mapping[date, Reading], start: date, end: date) -> list[float]:
    return [_clip(r.score) for d in _days(start, end) if (r := by_day.get(d)) is not None and r.score is not None]


def noise(history: Sequence[Reading], window: int, *, quiet: Sequence[tuple[date, date]] = ()) -> float:
    """SD of a `window`-day mean score over the history's ordinary days; 1/√window with too little history.

    `quiet` lists the spans of past excursions (first bad day to recovery): they are left out, so the noise
    is the wobble of ordinary days (autocorrelation included), not the excursions being judged against it.
    """
    def skip(d: date) -> bool:
        return any(a <= d < b for a, b in quiet)

    scores = [None if r.score is None or skip(r.day) else _clip(r.score) for r in history]
    need = max(1, window // 2 + 1)
    means = []
    for i in range(0, max(0, len(scores) - window + 1)):
        xs = [s for s in scores[i:i + window] if s is not None]
        if len(xs) >= need:
            means.append(sum(xs) / len(xs))
    fallback = 1.0 / math.sqrt(window)
    if len(means) < 28:
        return fallback
    # Never trust a history quieter than half of what its own persistence implies for unit-spread scores
    # (a flat stretch of a slow-moving series, like a backlog, would make any wobble look real).
    ordinary = [r if s is not None else Reading(r.day, r.value, r.expected, None, r.zone, r.n)
                for r, s in zip(history, scores)]
    return max(robust_sd(means), 0.5 * mean_sd(persistence(ordinary), window))


def mean_sd(rho: float, window: int) -> float:
    """SD of the mean of `window` consecutive unit-variance AR(1) values with lag-1 correlation `rho`."""
    factor = 1.0 + 2.0 * sum((1.0 - k / window) * rho ** k for k in range(1, window))
    return math.sqrt(factor / window)


def persistence(history: Sequence[Reading]) -> float:
    """Lag-1 autocorrelation of consecutive judged scores, in [0, 0.95]."""
    pairs = [(_clip(a.score), _clip(b.score)) for a, b in zip(history, history[1:])
             if a.score is not None and b.score is not None and (b.day - a.day).days == 1]
    if len(pairs) < 14:
        return 0.0
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    denominator = math.sqrt(sxx * syy)
    if not denominator > 1e-12:
        return 0.0
    return max(0.0, min(0.95, sxy / denominator))


def excursions(history: Sequence[Reading], rule: Rule) -> list[tuple[date, date, date | None]]:
    """(first bad day, fire day, first day of the healthy run that recovered it or None) of each time
    `rule` would have fired over `history` (fresh state), as the backtest runs rules."""
    events, _ = evaluate_rule(rule, [DayZone(r.day, zone_or_default(r.zone)) for r in history])
    out: list[tuple[date, date, date | None]] = []
    for e in events:
        if e.kind == "fire":
            out.append((e.since, e.day, None))
        elif out and out[-1][2] is None:
            out[-1] = (out[-1][0], out[-1][1], e.since)
    return out


def natural_recovery(
    history: Sequence[Reading], rule: Rule, *, problem_len: int, after_offset: int, after_len: int,
    healthy: float, before: date,
) -> Natural:
    """Past excursions that ended before `before`: how much of their problem score was left at the same
    offsets (days after the first bad day) as this case's after window."""
    by_day = {r.day: r for r in history}
    retained: list[tuple[float, float]] = []  # (problem score, after score)
    took: list[int] = []
    for since, _fired, back in excursions(history, rule):
        a_start = since + timedelta(days=after_offset)
        a_end = a_start + timedelta(days=after_len - 1)
        if a_end >= before:
            continue
        p = window_scores(by_day, since, since + timedelta(days=problem_len - 1))
        a = window_scores(by_day, a_start, a_end)
        if p and len(a) >= max(1, after_len // 2) and (pm := sum(p) / len(p)) > 0.5:
            retained.append((pm, sum(a) / len(a)))
        if back is not None and back < before:
            took.append((back - since).days)
    usual = int(round(median(took))) if took else None
    if len(retained) >= MIN_EPISODES:
        shares = [min(1.5, max(-1.0, a / p)) for p, a in retained]
        share = median(shares)
        spread = robust_sd([a - share * p for p, a in retained]) if len(retained) >= 5 else 0.0
        return Natural(share, spread, len(retained), usual)
    earlier = [r for r in history if r.day < before]
    rho = persistence(earlier)
    known = sum(1 for r in earlier if r.score is not None) >= MIN_HISTORY
    # Mean of rho^t over the after window's days, t counted from the problem window's last day.
    first = after_offset - problem_len + 1
    share = sum(rho ** max(1, t) for t in range(first, first + after_len)) / after_len if rho > 0 else 0.0
    if usual is None and rho > 0.05:
        usual = problem_len + max(1, math.ceil(math.log(0.5) / math.log(rho)))  # the score halves by then
    return Natural(share, 0.0, 0, usual, rho, known)


def judge(readings: Sequence[Reading], case: Case, settings: VerdictSettings = VerdictSettings()) -> Verdict:
    """The verdict for one action, from its series' readings (any order; days may be missing)."""
    s = settings
    by_day = {r.day: r for r in readings}
    p_start = case.problem_start
    p_end = min(case.problem_end, case.done_day, p_start + timedelta(days=s.window - 1))
    problem_len = (p_end - p_start).days + 1
    after_len = max(s.window, problem_len)
    a_start = case.done_day + timedelta(days=max(1, s.pool_days))
    a_end = a_start + timedelta(days=after_len - 1)
    base = Verdict("too_early", (p_start, p_end), (a_start, a_end))
    if case.as_of < a_end:
        return _with(base, by_day, reason="window", days_left=(a_end - case.as_of).days)
    p = window_scores(by_day, p_start, p_end)
    a = window_scores(by_day, a_start, a_end)
    if len(p) < max(1, math.ceil(s.min_share * problem_len)) or len(a) < math.ceil(s.min_share * after_len):
        return _with(base, by_day, reason="data")
    history = [r for r in sorted(readings, key=lambda r: r.day)
               if p_start - timedelta(days=MAX_HISTORY_DAYS) <= r.day < p_start]
    rule = case.rule or Rule("excursion", "", WATCH, 2, 3)
    sd = noise(history, after_len, quiet=[(a, b or p_start) for a, _, b in excursions(history, rule)])
    nat = natural_recovery(history, rule, problem_len=problem_len, after_offset=(a_start - p_start).days,
                           after_len=after_len, healthy=s.healthy, before=p_start)
    pm, am = sum(p) / len(p), sum(a) / len(a)
    # With too little history to know how it recovers, assume the most it could do alone: back to normal.
    predicted = nat.retained * max(pm, 0.0) if nat.known else 0.0
    tol_diff = s.z * sd * math.sqrt(2.0)
    tol_nat = s.z * math.sqrt(sd * sd + nat.spread * nat.spread) if nat.known else tol_diff
    if am > pm + tol_diff:
        label: Label = "worse"
    elif am < pm - tol_diff and am < predicted - tol_nat:
        label = "improved"
    elif am <= s.z * sd or am < pm - tol_diff:
        label = "recovered_as_usual"
    else:
        label = "no_change"
    recovered_in = next(((d - case.done_day).days for d in _days(case.done_day + timedelta(days=1), case.as_of)
                         if (r := by_day.get(d)) is not None and r.score is not None and r.score < s.healthy
                         and r.zone == HEALTHY), None)
    v = Verdict(label, (p_start, p_end), (a_start, a_end), pm, am, predicted, sd, natural=nat,
                recovered_in=recovered_in, reason=label)
    return _with(v, by_day)


def _with(v: Verdict, by_day: Mapping[date, Reading], **changes) -> Verdict:
    """Fill in the values and sample sizes of both windows (in the metric's unit)."""
    def window(start: date, end: date) -> tuple[float | None, float | None, int, int]:
        rs = [r for d in _days(start, end) if (r := by_day.get(d)) is not None and r.value is not None]
        vals = _mean([r.value for r in rs if r.value is not None])
        exp = _mean([r.expected for r in rs if r.expected is not None])
        return vals, exp, sum(r.n for r in rs), sum(1 for r in rs if r.score is not None)

    pv, _, pn, pd = window(*v.problem)
    av, ae, an, ad = window(*v.after)
    fields = dict(problem_value=pv, after_value=av, expected_value=ae, problem_n=pn, after_n=an,
                  problem_days=pd, after_days=ad)
    fields.update(changes)
    return replace(v, **fields)


def manual_case(*, opened: date, done_day: date, as_of: date, window: int = 7) -> Case:
    """A manual action: the problem is the `window` days before it was opened."""
    return Case(opened - timedelta(days=window), opened - timedelta(days=1), done_day, as_of)


# --- calibration over history: the verdict a do-nothing action would have got ---------------------

@dataclass(frozen=True, slots=True)
class HistoricalVerdict:
    trigger_day: date
    done_day: date
    rule: str
    verdict: Verdict


def readings_from_zones(results: Sequence) -> list[Reading]:
    """Readings from the zone engine's per-day results (`ZoneResult`, or anything with those fields)."""
    return [Reading(r.day, r.value, r.expected, r.score, r.zone, int(r.n or 0)) for r in results]


def do_nothing_verdicts(
    readings: Sequence[Reading], rules: Sequence[Rule], *, due_days: Mapping[str, int],
    settings: VerdictSettings = VerdictSettings(), default_due: int = 7,
) -> list[HistoricalVerdict]:
    """For every time a rule fires over the history: an action that did nothing, completed after its
    playbook's due days, judged once its after window is over (or with the data there is)."""
    ordered = sorted(readings, key=lambda r: r.day)
    if not ordered:
        return []
    last = ordered[-1].day
    out = []
    for rule in rules:
        for since, fired, _back in excursions(ordered, rule):
            done = fired + timedelta(days=due_days.get(rule.playbook or "", default_due))
            case = Case(since, done, done, last, rule)
            # Judge as on the day the after window is over: no later data leaks into it.
            probe = judge(ordered, case, settings)
            as_of = min(last, probe.after[1])
            visible = [r for r in ordered if r.day <= as_of]
            out.append(HistoricalVerdict(fired, done, rule.name, judge(visible, replace(case, as_of=as_of), settings)))
    return sorted(out, key=lambda h: (h.trigger_day, h.rule))


# --- a period against the one before (the leadership summary's trends) ---------------------------

Trend = Literal["better", "worse", "steady", "new"]


@dataclass(frozen=True, slots=True)
class PeriodSample:
    """What one period's figure rests on: a share (`successes` of `n`), the values behind a median
    (durations), or a `count` (a fixed cost spread over it)."""

    successes: float = 0.0
    n: int = 0
    values: tuple[float, ...] = ()
    count: int | None = None


def period_trend(now: PeriodSample | None, before: PeriodSample | None, *, higher_is_better: bool,
                 z: float = 2.0) -> Trend:
    """better / worse only when the change is beyond sampling noise (|z| ≥ `z`), else steady; new without a
    period before. Shares: pooled two-proportion z. Durations: Welch's t on log values (medians of skewed
    times). Counts: Poisson z on the difference (a fixed cost per resolution falls as the count rises)."""
    if now is None or before is None:
        return "new"
    if now.count is not None and before.count is not None:
        total = now.count + before.count
        stat = (now.count - before.count) / math.sqrt(total) if total else 0.0
    elif now.values or before.values:
        a = [math.log1p(max(0.0, v)) for v in before.values]
        b = [math.log1p(max(0.0, v)) for v in now.values]
        if len(a) < 2 or len(b) < 2:
            return "new" if not a else "steady"
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
        vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
        se = math.sqrt(va / len(a) + vb / len(b))
        stat = 0.0 if se == 0 else (mb - ma) / se
    else:
        if not now.n or not before.n:
            return "new" if not before.n else "steady"
        pooled = (now.successes + before.successes) / (now.n + before.n)
        se = math.sqrt(pooled * (1 - pooled) * (1 / now.n + 1 / before.n))
        stat = 0.0 if se == 0 else (now.successes / now.n - before.successes / before.n) / se
    if abs(stat) < z:
        return "steady"
    return "better" if (stat > 0) == higher_is_better else "worse"
