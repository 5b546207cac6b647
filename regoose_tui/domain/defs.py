"""The functions, methods and classes a module defines, with their line ranges.

``--only NAME`` matches against these qualified names (``parse_date``,
``Cart.total``) and ``--diff REF`` maps changed lines onto them. A function
nested in another belongs to the outer one: only what a test can call by
name is listed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

DefKind = Literal["function", "method", "class"]


@dataclass(frozen=True)
class Definition:
    """One named definition: ``Cart.total`` (a method) spans lines ``start``..``end``.

    ``start`` is the first decorator's line: a changed decorator changes the function.
    """

    qualname: str
    kind: DefKind
    start: int
    end: int

    def holds(self, line: int) -> bool:
        """Whether ``line`` lies in this definition."""
        return self.start <= line <= self.end


def definitions(source: str) -> list[Definition]:
    """Every function, method and class of ``source``, in source order; [] if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[Definition] = []

    def visit(body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                end = node.end_lineno or node.lineno
                name = f"{prefix}{node.name}"
                if isinstance(node, ast.ClassDef):
                    found.append(Definition(name, "class", start, end))
                    visit(node.body, f"{name}.", True)
                else:
                    found.append(Definition(name, "method" if in_class else "function", start, end))

    visit(tree.body, "", False)
    return found


def callable_at(defs: list[Definition], line: int) -> Definition | None:
    """The innermost function or method holding ``line`` (class bodies are not one)."""
    holding = [d for d in defs if d.kind != "class" and d.holds(line)]
    return max(holding, key=lambda d: d.start) if holding else None


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class InnermostDef:
    """The innermost function holding a line: its node, and ``Class.method`` naming it."""

    node: FunctionNode
    qualname: str


def innermost_def(tree: ast.Module, line: int) -> InnermostDef | None:
    """The innermost function or method of ``tree`` whose lines hold ``line``.

    Unlike ``callable_at`` a nested function is its own (``outer.inner``): a
    traceback's line is in the function that really ran it.
    """
    best: InnermostDef | None = None

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                end = child.end_lineno or child.lineno
                if child.lineno <= line <= end and (
                    best is None or child.lineno >= best.node.lineno
                ):
                    best = InnermostDef(child, prefix + child.name)
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return best
