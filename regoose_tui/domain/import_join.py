"""The import side of joining a suite into a project's test file: what binds what, and new lines.

A test file's top-level imports say what each name means (``make_sentinel`` is
``boltons.typeutils.make_sentinel``; ``tu`` is the module ``boltons.typeutils``);
``with_imports`` adds names to the file's own ``from`` lines and puts new import
lines in the section isort would file them in (stdlib, third-party, the
project's own), without moving or re-laying any line the file already has.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from regoose_tui.domain.imports import LINE_LENGTH


@dataclass
class Bindings:
    """What a module's top-level imports bind: bound name -> dotted qualified name."""

    names: dict[str, str] = field(default_factory=dict)
    #: Modules bound as a whole (``import a.b as x``): qualified module -> bound name.
    modules: dict[str, str] = field(default_factory=dict)


def bindings(tree: ast.Module) -> Bindings:
    found = Bindings()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.names[alias.asname] = alias.name
                    found.modules[alias.name] = alias.asname
                else:
                    top = alias.name.split(".")[0]
                    found.names[top] = top
                    found.modules[alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    bound = alias.asname or alias.name
                    found.names[bound] = f"{node.module}.{alias.name}"
                    found.modules.setdefault(f"{node.module}.{alias.name}", bound)
    return found


def _from_statement(module: str, names: list[str]) -> str:
    one = f"from {module} import {', '.join(names)}"
    if len(one) <= LINE_LENGTH:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


_ORDER = ("future", "stdlib", "third", "first")


def _kind(node: ast.stmt, first_party: str) -> str:
    """isort's section of one import: future, stdlib, third(-party) or first(-party)."""
    if isinstance(node, ast.Import):
        module = node.names[0].name
    elif isinstance(node, ast.ImportFrom):
        module = "." if node.level else (node.module or "")
    else:
        return "first"
    head = module.split(".")[0]
    if head == "__future__":
        return "future"
    if head in ("", first_party):
        return "first"
    return "stdlib" if head in sys.stdlib_module_names else "third"


def is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def from_imported(tree: ast.Module, module: str) -> ast.ImportFrom | None:
    """The file's one top-level ``from module import ...`` statement (no star), if any."""
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        and node.level == 0
        and node.module == module
        and all(a.name != "*" for a in node.names)
    ]
    return found[0] if len(found) == 1 else None


def with_imports(
    host: str,
    tree: ast.Module,
    new_imports: list[str],
    extend: dict[str, list[str]],
    module: str,
) -> str:
    """``host`` with names added to its ``from`` lines and the new import lines after its own."""
    lines = host.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    edits: list[tuple[int, int, str]] = []
    for owner, specs in extend.items():
        node = from_imported(tree, owner)
        assert node is not None
        names = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in node.names]
        merged = sorted(dict.fromkeys([*names, *specs]), key=lambda n: n.split()[0].lower())
        edits.append(
            (
                node.lineno - 1,
                node.end_lineno or node.lineno,
                _from_statement(owner, merged) + "\n",
            )
        )
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    top = module.split(".")[0]
    kinds = {id(n): _kind(n, top) for n in imports}
    for kind in ("stdlib", "third", "first"):
        wanted = sorted(
            {line for line in new_imports if _kind(ast.parse(line).body[0], top) == kind}
        )
        if not wanted:
            continue
        text = "".join(f"{line}\n" for line in wanted)
        same = [n for n in imports if kinds[id(n)] == kind]
        later = [n for n in imports if _ORDER.index(kinds[id(n)]) > _ORDER.index(kind)]
        if same:  # after the file's last import of the same section
            at = max(n.end_lineno or n.lineno for n in same)
        elif later:  # a section of its own, before the next one
            at = min(n.lineno for n in later) - 1
            text += "\n"
        elif imports:
            at = max(n.end_lineno or n.lineno for n in imports)
            text = "\n" + text
        elif tree.body and is_docstring(tree.body[0]):
            at = tree.body[0].end_lineno or tree.body[0].lineno
        else:
            at = 0
        edits.append((at, at, text))
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    return "".join(lines)
