"""A later join into a project file that already holds Regoose's classes for the module.

The first join appended classes under ``# Added by Regoose for <module>``; a
second generation for the same module must not fall back to a second file
because its class names are taken by those very classes. The classes under
that mark are ours: a suite class of the same name extends it (its new methods
go at the end of the class; one whose name is taken by a different test gets a
free ``_2`` name), while a class name taken by the project's own code still
means "not safely joined". Pure text in, text out.
"""

from __future__ import annotations

import ast
import re


def ours(tree: ast.Module, lines: list[str], mark: str) -> dict[str, ast.ClassDef]:
    """The top-level classes below ``mark`` (the line a join wrote), by name."""
    at = next((i + 1 for i, line in enumerate(lines) if line.rstrip("\n") == mark), None)
    if at is None:
        return {}
    return {
        node.name: node for node in tree.body if isinstance(node, ast.ClassDef) and node.lineno > at
    }


def member_name(item: ast.stmt) -> str | None:
    """The name a class-body function or simple assignment binds (None: anything else)."""
    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
        return item.name
    if isinstance(item, ast.Assign) and len(item.targets) == 1:
        target = item.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None


def members(node: ast.ClassDef) -> dict[str, ast.stmt]:
    """A class's functions and simple assignments, by name."""
    return {name: item for item in node.body if (name := member_name(item)) is not None}


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... the first not in ``taken``."""
    if name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"


def renamed_def(segment: str, old: str, new: str) -> str:
    """A function's text with its own ``def old(`` made ``def new(`` (the first one only)."""
    if old == new:
        return segment
    pattern = re.compile(rf"^(\s*(?:async\s+)?def\s+){re.escape(old)}(\s*\()", re.MULTILINE)
    return pattern.sub(rf"\g<1>{new}\g<2>", segment, count=1)


def extend_classes(host: str, tree: ast.Module, additions: dict[str, list[str]]) -> str:
    """``host`` with each named class's ``additions`` (method texts) after its last line."""
    lines = host.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    edits = []
    for name, texts in additions.items():
        node = classes[name]
        end = node.end_lineno or node.lineno
        edits.append((end, "".join("\n" + text.rstrip("\n") + "\n" for text in texts)))
    for end, text in sorted(edits, reverse=True):
        lines[end:end] = [text]
    return "".join(lines)
