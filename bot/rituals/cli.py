"""Shared plumbing for `signalroom agenda | digest | remind [--dry-run | --post] [--json]`."""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the runner pulls in themes (scikit-learn) and charts (matplotlib): not for --help
    from bot.blocks import Message
    from bot.rituals.publish import Result
    from bot.rituals.runner import Rendered, Runner


def add_mode_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="render only, post nothing (default)")
    mode.add_argument("--post", action="store_true", help="post to Slack now (a re-run in the same period edits the messages)")
    parser.add_argument("--json", action="store_true", help="print the messages (or results) as JSON")


def make_runner(runtime, *, post: bool, with_charts: bool = True) -> Runner:
    from bot.rituals.delivery import RecordingDelivery, SlackDelivery
    from bot.rituals.runner import Runner

    delivery = SlackDelivery.from_settings(runtime.settings, runtime.engine()) if post else RecordingDelivery()
    return Runner(runtime.settings, runtime.session_factory(), delivery, with_charts=with_charts)


def _mrkdwn_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    text = (block.get("text") or {}).get("text", "")
    if kind == "header":
        return [f"== {text} =="]
    if kind == "section":
        lines = [text] if text else []
        lines += [f.get("text", "") for f in block.get("fields") or []]
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            lines.append(f"  [{accessory['text']['text']}]")
        return lines
    if kind == "context":
        return ["  " + " ".join(e.get("text", "") for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + " ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e)]
    if kind == "divider":
        return ["---"]
    return []


def readable(message: Message) -> str:
    return "\n".join(line for block in message.blocks for line in _mrkdwn_lines(block))


def print_rendered(items: Sequence[Rendered], *, as_json: bool, out=None) -> None:
    out = out or sys.stdout
    if as_json:
        payload = {"messages": [{"ritual": i.ritual, "channel": i.channel, "in_thread": not i.parent,
                                 "charts": [{"filename": c.filename, "alt_text": c.alt_text} for c in i.charts],
                                 **i.message.payload()} for i in items]}
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=out)
        return
    if not items:
        print("nothing to post", file=out)
    for item in items:
        where = f"#{item.channel or '(no channel)'}" + (" (thread)" if not item.parent else "")
        print(f"--- {item.ritual} → {where}", file=out)
        print(readable(item.message), file=out)
        for chart in item.charts:
            print(f"  [chart {chart.filename}: {chart.alt_text}]", file=out)
        print(file=out)


def print_results(results: Sequence[Result], *, as_json: bool, out=None) -> int:
    out = out or sys.stdout
    if as_json:
        print(json.dumps({"results": [{"ritual": r.key.ritual, "channel": r.key.channel, "period": r.key.period,
                                       "outcome": r.outcome, "ts": r.ts, "error": r.error} for r in results]},
                         indent=2), file=out)
    else:
        for r in results:
            print(f"{r.key.ritual} {r.key.period} → {r.key.channel}: {r.outcome}" + (f" ({r.error})" if r.error else ""),
                  file=out)
        if not results:
            print("nothing to post", file=out)
    return 1 if any(r.outcome == "failed" for r in results) else 0
