"""The action log: every action with its owner, due date, status and outcome."""
from __future__ import annotations

import json

from bot.actions.statuses import CARRIED, CLOSED, DONE, OPEN, SNOOZED, STATUSES
from bot.commands.layout import DIM, GREEN, YELLOW, Column, Row, echo, render, use_color
from bot.workspaces.scope import add_workspace_option


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--status", choices=(*STATUSES, "all"), default="all")
    parser.add_argument("--owner", help="only this owner (Slack user id or email)")
    add_workspace_option(parser)


def run(args, runtime) -> int:
    from bot.actions.service import action_json, list_actions
    from bot.storage.reference import segment_names

    with runtime.session_factory().begin() as session:
        actions = list_actions(
            session,
            workspace_id=runtime.workspace_id,
            statuses=None if args.status == "all" else [args.status],
            owner=args.owner,
        )
        names = segment_names(session, workspace_id=runtime.workspace_id,
                              pairs=[(a.dimension, a.segment) for a in actions])
        verdicts = _verdicts(session, runtime, actions)
        rows = [{**action_json(a, segment_name=names.get((a.dimension, a.segment))), **verdicts.get(a.id, NO_VERDICT)}
                for a in actions]
    if args.json:
        print(json.dumps({"actions": rows}, indent=2))
        return 0
    title = f"Action log: {len(rows)} action{'s' if len(rows) != 1 else ''}" + (
        f" ({args.status})" if args.status != "all" else "") + (f" owned by {args.owner}" if args.owner else "")
    echo([title, *action_lines(rows)] if rows else [title])
    return 0


NO_VERDICT = {"verdict": None, "verdict_words": None, "verdict_explanation": None}


def _verdicts(session, runtime, actions) -> dict[int, dict]:
    """The verdict on each done action: the one engine (bot.rituals.verdict), as the review and Slack show it.
    `verdict` is one of improved, recovered_as_usual, no_change, worse, too_early."""
    from bot.rituals import store
    from bot.rituals.verdict import action_verdict, plain

    done = [a for a in actions if a.status == DONE]
    triggers = {t.id: t for t in store.triggers_by_ids(session, workspace_id=runtime.workspace_id,
                                                        ids={a.trigger_id for a in done if a.trigger_id})}
    out = {}
    for a in done:
        v = action_verdict(session, settings=runtime.settings, action=a, trigger=triggers.get(a.trigger_id))
        if v is not None:
            out[a.id] = {"verdict": v.label, "verdict_words": v.words, "verdict_explanation": plain(v.explanation)}
    return out


STATUS_COLORS = {OPEN: YELLOW, CARRIED: YELLOW, SNOOZED: DIM, DONE: GREEN, CLOSED: DIM}


def action_lines(rows: list[dict], *, width: int | None = None, color: bool | None = None) -> list[str]:
    """One short row per action (the metric by its label), its description and outcome below."""
    from bot.metrics.catalogue import CATALOGUE

    table = []
    for row in rows:
        metric = CATALOGUE[row["metric"]].label if row["metric"] in CATALOGUE else row["metric"]
        segment = ", ".join(str(v) for v in (row.get("segment") or {}).values())
        note = row["description"] or ""
        if row.get("outcome"):
            note += f" Outcome: {row['outcome']}"
        if row.get("verdict_words"):
            note += f" Verdict: {row['verdict_words']}, {row['verdict_explanation']}"
        table.append(Row((str(row["id"]), row["status"], str(row["due"] or ""), row["owner"] or "",
                          metric + (f" · {segment}" if segment else "")), note.strip()))
    columns = [Column("#", ">"), Column("status", colors=STATUS_COLORS), Column("due"), Column("owner"),
               Column("metric", flex=True)]
    return render(columns, table, width=width, color=use_color() if color is None else color, note_at=1)
