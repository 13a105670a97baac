"""No import cycle in `bot/` and `integrations/`, between modules or between packages, walking `ast` imports.

Imports inside functions count (a lazy import only hides a loop); imports under `if TYPE_CHECKING:` do
not (they never run). A module's package is its folder (`bot.metrics.rollup` is in `bot.metrics`); a
module directly in `bot/` (`bot.config_check`, `bot.catalogue`) is a node of its own.

`PENDING` lists the package edges that still close a loop, each in files the issue-15 helper did not own;
the test fails when one of them is gone (shrink the list) or when any other loop appears.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

from tests.slack.test_import_graph import _cycle as cycle  # one loop in a graph, as a path, or None

ROOT = Path(__file__).resolve().parents[1]
TOP = ("bot", "integrations")

# Package edges that still make loops (importer -> imported), each to be removed by moving the shared piece
# below both packages. None left: the test checks the whole rule.
PENDING: set[tuple[str, str]] = set()


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """Import nodes under `if TYPE_CHECKING:` (annotations only: never executed)."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(n for child in node.body for n in ast.walk(child))
    return out


@functools.cache
def module_graph() -> dict[str, set[str]]:
    """Every module of bot/ and integrations/ and the modules of theirs it imports, anywhere in its body.
    `from bot.x import y` names `bot.x.y` when that is a module, else `bot.x`."""
    paths = sorted(p for top in TOP for p in (ROOT / top).rglob("*.py"))
    modules = {_name(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text())
        skip = _type_checking_only(tree)
        found: set[str] = set()
        for node in ast.walk(tree):
            if node in skip:
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] in TOP)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                    and node.module.split(".")[0] in TOP:
                found.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                             for a in node.names)
        graph[_name(path)] = (found & modules) - {_name(path)}
    return graph


def package_of(module: str, packages: set[str]) -> str:
    if module in packages and "." in module:
        return module
    parts = module.split(".")
    return ".".join(parts[:-1]) if len(parts) > 2 else module


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages = {_name(p) for top in TOP for p in (ROOT / top).rglob("__init__.py")}
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        mine = package_of(module, packages)
        out.setdefault(mine, set()).update(t for t in (package_of(t, packages) for t in targets) if t != mine)
    return out


def test_no_module_imports_another_in_a_loop():
    graph = module_graph()
    assert {"bot.metrics.rollup", "bot.slack.app", "integrations.zendesk"} <= set(graph)
    loop = cycle(graph)
    assert loop is None, " -> ".join(loop or ())


def test_no_package_imports_another_in_a_loop_but_the_pending_ones():
    packages = package_graph(module_graph())
    gone = sorted(edge for edge in PENDING if edge[1] not in packages.get(edge[0], ()))
    assert not gone, f"no longer imported, remove from PENDING: {gone}"
    loop = cycle({p: targets - {b for a, b in PENDING if a == p} for p, targets in packages.items()})
    assert loop is None, " -> ".join(loop or ())


def test_integrations_import_nothing_from_bot():
    graph = module_graph()
    assert not {m: sorted(ts) for m, ts in graph.items() if m.startswith("integrations")
                and any(t.startswith("bot") for t in ts)}


def test_storage_imports_no_metrics_code():
    """Arrows point from metrics down to storage (`load_ticket_columns` lives in bot/metrics)."""
    graph = module_graph()
    wrong = {m: sorted(t for t in ts if t.startswith("bot.metrics")) for m, ts in graph.items()
             if m.startswith("bot.storage")}
    assert "bot.storage.metrics" in wrong and not {m: ts for m, ts in wrong.items() if ts}


def test_the_walker_counts_imports_in_functions_and_not_type_checking_ones():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.config import Settings\n"
              "def f():\n    from bot.metrics import rollup\n")
    tree = ast.parse(source)
    skip = _type_checking_only(tree)
    imports = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n not in skip]
    assert imports == ["from typing import TYPE_CHECKING", "from bot.metrics import rollup"]
    graph = module_graph()
    assert "bot.rituals.reminders" in graph["bot.rituals.registry"]  # imported inside the adapters' functions


def test_the_cycle_finder_finds_one():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
    packages = package_graph({"bot.metrics.rollup": {"bot.actions.mutes"}, "bot.actions.mutes": {"bot.metrics.x"}})
    assert cycle(packages) in (["bot.actions", "bot.metrics", "bot.actions"], ["bot.metrics", "bot.actions", "bot.metrics"])
