"""The `[crm] high_value` rule: a small expression over company properties, parsed here, never `eval`ed.

    high_value = "arr >= 50000 or tier == 'enterprise'"

Grammar: `expr := and ('or' and)*`, `and := unary ('and' unary)*`, `unary := 'not' unary | '(' expr ')' |
NAME OP LITERAL` with OP one of `>= > <= < == !=` and LITERAL a number (`50000`, `50_000`, `1.5e6`) or a
quoted string. Strings compare case-insensitively and only with `==`/`!=`. A property without a value, or a
number compared with text that is not a number, is simply not high-value.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<str>'[^']*'|"[^"]*")|"""
                    r"""(?P<op>>=|<=|==|!=|>|<)|(?P<paren>[()])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))""")
OPS = (">=", ">", "<=", "<", "==", "!=")
KEYWORDS = ("and", "or", "not")


class RuleError(ValueError):
    """The rule does not parse; the message says where."""


@dataclass(frozen=True, slots=True)
class Compare:
    name: str
    op: str
    literal: float | str


@dataclass(frozen=True, slots=True)
class Node:
    kind: str  # "and" | "or" | "not"
    parts: tuple[Any, ...]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise RuleError(f"cannot read the rule at {text[at:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


class _Parser:
    def __init__(self, text: str, names: Collection[str] | None) -> None:
        self.tokens, self.at, self.names = _tokens(text), 0, names

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleError("the rule ends too early")
        self.at += 1
        return token

    def word(self, keyword: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "name" and token[1].lower() == keyword:
            self.at += 1
            return True
        return False

    def expr(self) -> Any:
        parts = [self.conj()]
        while self.word("or"):
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def conj(self) -> Any:
        parts = [self.unary()]
        while self.word("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def unary(self) -> Any:
        if self.word("not"):
            return Node("not", (self.unary(),))
        if self.peek() == ("paren", "("):
            self.take()
            inner = self.expr()
            if self.peek() != ("paren", ")"):
                raise RuleError("a '(' is not closed")
            self.take()
            return inner
        return self.compare()

    def compare(self) -> Compare:
        kind, name = self.take()
        if kind != "name" or name.lower() in KEYWORDS:
            raise RuleError(f"expected a property name, found {name!r}")
        if self.names is not None and name not in self.names:
            raise RuleError(f"{name!r} is not a property the rule can use (known: {', '.join(sorted(self.names))})")
        kind, op = self.take()
        if kind != "op":
            raise RuleError(f"expected one of {' '.join(OPS)} after {name!r}, found {op!r}")
        kind, raw = self.take()
        if kind == "num":
            return Compare(name, op, float(raw.replace("_", "")))
        if kind == "str":
            if op not in ("==", "!="):
                raise RuleError(f"text compares only with == or != ({name} {op} {raw})")
            return Compare(name, op, raw[1:-1])
        raise RuleError(f"expected a number or a quoted text after {name} {op}, found {raw!r}")


def parse(text: str, names: Collection[str] | None = None) -> Any:
    """The rule as a tree, or RuleError. `names`: the properties it may name (None: any)."""
    parser = _Parser(text, names)
    if not parser.tokens:
        raise RuleError("the rule is empty")
    tree = parser.expr()
    if parser.peek() is not None:
        raise RuleError(f"unexpected {parser.peek()[1]!r} after a complete rule")
    return tree


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def _compare(node: Compare, values: Mapping[str, Any]) -> bool:
    value = values.get(node.name)
    if value is None or value == "":
        return False
    if isinstance(node.literal, str):
        same = str(value).strip().casefold() == node.literal.strip().casefold()
        return same if node.op == "==" else not same
    number = _number(value)
    if number is None:
        return False
    return {">=": number >= node.literal, ">": number > node.literal, "<=": number <= node.literal,
            "<": number < node.literal, "==": number == node.literal, "!=": number != node.literal}[node.op]


def evaluate(tree: Any, values: Mapping[str, Any]) -> bool:
    """Pure: does a company with these property values satisfy the rule?"""
    if isinstance(tree, Compare):
        return _compare(tree, values)
    if tree.kind == "not":
        return not evaluate(tree.parts[0], values)
    results = (evaluate(part, values) for part in tree.parts)
    return any(results) if tree.kind == "or" else all(results)
