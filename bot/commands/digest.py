"""Render (--dry-run, the default) or post (--post) the product-channel digests now.

`--kind` also renders the other periodic rituals: account-risk signals, the
monthly leadership summary and the quarterly metric review.
"""
from __future__ import annotations

from datetime import UTC, datetime

from bot.rituals import registry
from bot.rituals.cli import (
    add_mode_arguments,
    make_runner,
    print_rendered,
    print_results,
    skipped,
)


def kinds() -> dict[str, str]:
    """`--kind` → ritual key, from the registry: product → digest, accounts → account_risk, ..."""
    return {r.kind: r.key for r in registry.RITUALS.values() if r.kind}


def add_arguments(parser) -> None:
    add_mode_arguments(parser)
    labels = ", ".join(registry.RITUALS[key].label + (" (default)" if kind == "product" else "")
                       for kind, key in kinds().items())
    parser.add_argument("--kind", choices=(*kinds(), "all"), default="product", help=f"{labels}, or all")


def run(args, runtime) -> int:
    from bot.slack.delivery import delivery_for

    runner = make_runner(runtime, delivery_for(runtime, post=args.post), with_charts=False)
    rituals = list(kinds().values()) if args.kind == "all" else [kinds()[args.kind]]
    now = datetime.now(UTC)
    if args.post:
        results, nothing = [], []
        for ritual in rituals:
            today, period = runner.current_period(ritual, now)
            posted = runner.post(ritual, today=today, period=period)
            results += posted
            if not posted:
                nothing.append(skipped(runner, ritual, now))
        return print_results(results, as_json=args.json, nothing=nothing)
    items, nothing = [], []
    for ritual in rituals:
        today, period = runner.current_period(ritual, now)
        rendered = runner.render(ritual, today=today, period=period)
        items += rendered
        if not rendered:
            nothing.append(skipped(runner, ritual, now))
    print_rendered(items, as_json=args.json, nothing=nothing)
    return 0
