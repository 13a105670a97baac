"""Imports point one way, metrics -> storage: no `bot.storage` module imports metrics code, and no import
loop runs through a `bot.metrics` module. Imports inside functions count too (they only hide a loop)."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.slack.test_import_graph import _cycle

BOT = Path(__file__).resolve().parents[2] / "bot"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(BOT.parent).with_suffix("").parts).removesuffix(".__init__")


def _graph() -> dict[str, set[str]]:
    """Every `bot` module and the `bot` modules it imports (`from bot.x import y` names `bot.x.y` when that
    is a module, else `bot.x`)."""
    paths = sorted(BOT.rglob("*.py"))
    modules = {_module(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("bot."))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("bot"):
                found.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                             for a in node.names)
        graph[_module(path)] = found - {_module(path)}
    return graph


def _reach(graph: dict[str, set[str]], starts: set[str]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_storage_imports_no_metrics_code():
    graph = _graph()
    assert "bot.storage.metrics" in graph and "bot.metrics.rollup" in graph
    wrong = {m: sorted(t for t in ts if t == "bot.metrics" or t.startswith("bot.metrics."))
             for m, ts in graph.items() if m.startswith("bot.storage")}
    assert not {m: ts for m, ts in wrong.items() if ts}


def _loop_through(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """An import loop through one of `nodes`: it stays among the modules they reach that also reach them."""
    back = {m: {t for t in graph if m in graph[t]} for m in graph}
    around = _reach(graph, nodes) & _reach(back, nodes)
    return _cycle({m: graph[m] & around for m in around})


def test_no_import_loop_through_bot_metrics():
    graph = _graph()
    metrics = {m for m in graph if m == "bot.metrics" or m.startswith("bot.metrics.")}
    loop = _loop_through(graph, metrics)
    assert loop is None, " -> ".join(loop or ())


def test_a_loop_through_metrics_is_seen():
    graph = _graph()
    graph["bot.metrics.facts"].add("bot.metrics.rollup")  # rollup imports facts
    assert _loop_through(graph, {"bot.metrics.facts"}) is not None
    assert _loop_through(graph, {"bot.storage.models"}) is None
