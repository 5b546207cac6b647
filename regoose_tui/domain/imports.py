"""One import block for a test module: merged, deduplicated, in isort order, ruff-formatted.

The offline engine renders its imports with this, ``merge_suites`` rebuilds the
block of two suites with it, and it is the pure-Python fallback that still
yields ruff-clean imports when ruff itself is missing. The layout is the one
``ruff check --select I`` and ``ruff format`` ask for with their defaults:
sections (``__future__``, stdlib, third-party, first-party), a blank line
between them; in each, ``import x`` lines before ``from x import ...`` lines,
by module; one ``from`` line per module with its names in isort's
order-by-type; a line past 88 columns wrapped in parentheses, one name a line,
with the magic trailing comma.

Whether the project's own package is first-party depends on where ruff runs:
from the project root it is, from anywhere else ruff files it with
third-party. ``first_party`` says which view to lay the block out for.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

LINE_LENGTH = 88


@dataclass
class ImportSet:
    """The top-level imports of one or more modules, merged."""

    plain: set[str] = field(default_factory=set)
    froms: dict[str, set[str]] = field(default_factory=dict)

    def add_node(self, node: ast.Import | ast.ImportFrom) -> None:
        """Add one parsed import statement (relative imports are kept whole)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.plain.add(_alias(alias))
            return
        module = "." * node.level + (node.module or "")
        names = self.froms.setdefault(module, set())
        names.update(_alias(alias) for alias in node.names)

    def add_source(self, text: str) -> None:
        """Add every top-level import statement of ``text`` (one line or a whole module)."""
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.add_node(node)

    def used_by(self, names: set[str]) -> ImportSet:
        """Only the imports whose bound name is in ``names`` (ruff's F401, done ahead)."""
        kept = ImportSet()
        kept.plain = {t for t in self.plain if _bound(t, plain=True) in names}
        for module, members in self.froms.items():
            used = {m for m in members if _bound(m, plain=False) in names or m == "*"}
            if used:
                kept.froms[module] = used
        return kept

    def lines(self, first_party: Sequence[str] = ()) -> list[str]:
        """The block as source lines (no trailing blank line)."""
        sections: dict[int, list[tuple[bool, str, str]]] = {0: [], 1: [], 2: [], 3: [], 4: []}
        for text in self.plain:
            module = text.split()[0]
            sections[_section(module, first_party)].append(
                (False, module.lower(), f"import {text}")
            )
        for module, names in self.froms.items():
            ordered = sorted(names, key=_member_key)
            line = _from_line(module, ordered)
            sections[_section(module, first_party)].append((True, module.lower(), line))
        out: list[str] = []
        for index in sorted(sections):
            if not sections[index]:
                continue
            if out:
                out.append("")
            out.extend(line for *_key, line in sorted(sections[index], key=_sort_key))
        return out


def import_lines(statements: Iterable[str], first_party: Sequence[str] = ()) -> list[str]:
    """``statements`` (import lines, any order, repeats allowed) as one laid-out block."""
    imports = ImportSet()
    for text in statements:
        imports.add_source(text)
    return imports.lines(first_party)


def relayout_imports(source: str, first_party: Sequence[str] = ()) -> str:
    """``source`` with its leading import statements replaced by one merged, sorted block.

    Only the imports between the header comments and the first other statement
    move; everything else stays byte for byte. Returns ``source`` unchanged when
    it does not parse or has no leading imports.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    leading: list[ast.Import | ast.ImportFrom] = []
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        leading.append(node)
    if not leading:
        return source
    imports = ImportSet()
    for node in leading:
        imports.add_node(node)
    lines = source.splitlines(keepends=True)
    start = leading[0].lineno - 1
    end = leading[-1].end_lineno or leading[-1].lineno
    rest = "".join(lines[end:]).lstrip("\n")
    block = "\n".join(imports.lines(first_party)) + "\n"
    return "".join(lines[:start]) + block + ("\n\n" + rest if rest else "")


def _bound(text: str, plain: bool) -> str:
    """The name an import binds: ``x`` for ``a as x``, ``os`` for ``import os.path``."""
    parts = text.split()
    if len(parts) == 3:
        return parts[2]
    return parts[0].split(".")[0] if plain else parts[0]


def used_names(tree: ast.AST) -> set[str]:
    """Every bare name a module's code reads (imports aside)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _alias(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"


def _from_line(module: str, names: list[str]) -> str:
    one = f"from {module} import {', '.join(names)}"
    if len(one) <= LINE_LENGTH:
        return one
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"


def _section(module: str, first_party: Sequence[str]) -> int:
    """0 future, 1 stdlib, 2 third-party, 3 first-party, 4 local (relative)."""
    if module.startswith("."):
        return 4
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in first_party:
        return 3
    return 1 if top in sys.stdlib_module_names else 2


def _sort_key(entry: tuple[bool, str, str]) -> tuple[bool, str, str]:
    """isort's order: ``import x`` lines, then ``from x import y`` lines, each by module."""
    return entry


def _member_key(name: str) -> tuple[int, str]:
    """isort's ``order-by-type``: CONSTANTS, then Classes, then everything else."""
    bare = name.split()[0]
    if bare.isupper() and len(bare) > 1:
        return 0, bare
    if bare[:1].isupper():
        return 1, bare
    return 2, bare.lower()
