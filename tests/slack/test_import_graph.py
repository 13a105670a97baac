"""`bot/slack` has no import loop, counting imports inside functions too (they only hide a loop), and
nothing in `bot` writes Bolt's private attributes."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "slack"


def _imports(path: Path) -> set[str]:
    """The `bot.slack` modules `path` imports, wherever in the module the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot.slack."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot.slack":
                found.update(f"bot.slack.{a.name}" for a in node.names)
            elif node.module.startswith("bot.slack."):
                found.add(node.module)
    return found


def _graph() -> dict[str, set[str]]:
    return {f"bot.slack.{p.stem}": _imports(p) for p in sorted(PACKAGE.glob("*.py")) if p.stem != "__init__"}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in graph:
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_loop_in_bot_slack():
    graph = _graph()
    assert "bot.slack.app" in graph and graph["bot.slack.app"] >= {"bot.slack.commands", "bot.slack.home"}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or ())


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_private_bolt_attribute_is_written():
    for path in (PACKAGE.parent).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                chain = target
                while isinstance(chain, ast.Attribute):
                    assert not (chain.attr.startswith("_") and not chain.attr.startswith("__")
                                and isinstance(chain.value, ast.Attribute | ast.Name)
                                and getattr(chain.value, "id", "") in ("app", "bolt")), f"{path}: {ast.unparse(target)}"
                    chain = chain.value
