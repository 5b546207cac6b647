"""A proposed test module as reviewable parts, and the module left after rejecting some.

Review works per test: a test function, a test class, or a method of a test
class (pytest's default collection: ``test*`` functions, ``Test*`` classes).
:func:`split_suite` lists them with their line spans; :func:`prune_suite`
takes rejected ones out by splicing those spans (the kept text stays byte for
byte), puts back the project's own version of a test a proposal only changed,
and then drops the imports, fixtures, helpers and constants that only the
rejected tests used, so what is written is exactly the accepted tests and what
they need. Pure text work, no I/O.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from regoose_tui.domain.class_insert import ADDED_MARK
from regoose_tui.domain.nesting import too_deep

TestKind = Literal["function", "class", "method"]

_Def = ast.FunctionDef | ast.AsyncFunctionDef

#: The line above the classes Regoose added to a project's file: it belongs to
#: the whole block, not to the first test under it (rejecting that one keeps it).
_MARK_HEAD = ADDED_MARK.split("{", 1)[0]


@dataclass(frozen=True)
class SuiteTest:
    """One reviewable test: a function, a class, or a method (``TestCart::test_total``)."""

    __test__ = False  # not a pytest class, despite the name

    id: str
    """``test_x``, ``TestCart``, or ``TestCart::test_x`` (a pytest node id's tail)."""
    kind: TestKind
    parent: str | None
    """The class id of a method; None otherwise."""
    start: int
    """0-based first line (decorators and the comment lines right above included)."""
    end: int
    """0-based line after the last one."""
    source: str
    """The test's own text (its lines, as written)."""

    @property
    def name(self) -> str:
        """The function, method or class name."""
        return self.id.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class SuiteParts:
    """A test module and its reviewable tests, in file order (a class before its methods)."""

    source: str
    tests: tuple[SuiteTest, ...]

    def get(self, test_id: str) -> SuiteTest | None:
        """The test called ``test_id``, or None."""
        return next((test for test in self.tests if test.id == test_id), None)

    def methods(self, class_id: str) -> tuple[SuiteTest, ...]:
        """The test methods of the class ``class_id``."""
        return tuple(test for test in self.tests if test.parent == class_id)

    @property
    def leaves(self) -> tuple[SuiteTest, ...]:
        """The tests pytest collects: functions and methods (not the classes holding them)."""
        return tuple(test for test in self.tests if test.kind != "class")


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except (RecursionError, MemoryError) as exc:
        raise too_deep("the test module", exc) from None


def _span(node: ast.stmt, lines: list[str], floor: int) -> tuple[int, int]:
    """0-based [start, end) of ``node`` with its decorators and the comments right above."""
    decorators = node.decorator_list if isinstance(node, _Def | ast.ClassDef) else []
    start = min([node.lineno, *(d.lineno for d in decorators)]) - 1
    while start > floor and lines[start - 1].strip().startswith("#"):
        if lines[start - 1].startswith(_MARK_HEAD):
            break
        start -= 1
    return start, node.end_lineno or node.lineno


def _text(lines: list[str], start: int, end: int) -> str:
    return "".join(lines[start:end])


def split_suite(source: str) -> SuiteParts:
    """The reviewable tests of ``source`` (SyntaxError if it does not parse)."""
    tree = _parse(source)
    lines = source.splitlines(keepends=True)
    tests: list[SuiteTest] = []
    floor = 0
    for node in tree.body:
        start, end = _span(node, lines, floor)
        if isinstance(node, _Def) and node.name.startswith("test"):
            tests.append(
                SuiteTest(node.name, "function", None, start, end, _text(lines, start, end))
            )
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            methods = []
            inner_floor = node.body[0].lineno - 1 if node.body else end
            for item in node.body:
                m_start, m_end = _span(item, lines, inner_floor)
                inner_floor = m_end
                if isinstance(item, _Def) and item.name.startswith("test"):
                    methods.append(
                        SuiteTest(
                            f"{node.name}::{item.name}",
                            "method",
                            node.name,
                            m_start,
                            m_end,
                            _text(lines, m_start, m_end),
                        )
                    )
            if methods:
                tests.append(
                    SuiteTest(node.name, "class", None, start, end, _text(lines, start, end))
                )
                tests.extend(methods)
        floor = end
    return SuiteParts(source, tuple(tests))


def _squeeze(text: str) -> str:
    """At most two blank lines in a row, none at either end, one newline at the end."""
    out: list[str] = []
    blanks = 0
    for line in text.splitlines():
        blanks = blanks + 1 if not line.strip() else 0
        if blanks <= 2:
            out.append(line)
    body = "\n".join(out).strip("\n")
    return body + "\n" if body else ""


def _cut(lines: list[str], start: int, end: int, replacement: str) -> None:
    """Replace ``lines[start:end]``; a removal also merges the blank lines around it.

    The gap left keeps the wider of the two separations (two blank lines between
    top-level defs, one between import sections), or none right under a block
    opener (``class TestCart:``), so the result reads as ruff formats it.
    """
    if replacement:
        lines[start:end] = [replacement if replacement.endswith("\n") else replacement + "\n"]
        return
    before = start
    while before > 0 and not lines[before - 1].strip():
        before -= 1
    after = end
    while after < len(lines) and not lines[after].strip():
        after += 1
    opener = before > 0 and lines[before - 1].rstrip().endswith(":")
    keep = 0 if opener or after == len(lines) else max(start - before, after - end)
    lines[before:after] = ["\n"] * keep


def _splice(source: str, parts: SuiteParts, rejected: set[str], restore: Mapping[str, str]) -> str:
    """``source`` with the rejected tests cut out (or put back as ``restore`` has them)."""
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for test in parts.tests:
        if test.kind == "class":
            methods = parts.methods(test.id)
            if test.id in rejected or all(m.id in rejected for m in methods):
                edits.append((test.start, test.end, restore.get(test.id, "")))
        elif test.kind == "method" and test.parent is not None:
            whole = test.parent in rejected or all(
                m.id in rejected for m in parts.methods(test.parent)
            )
            if test.id in rejected and not whole:
                edits.append((test.start, test.end, restore.get(test.id, "")))
        elif test.id in rejected:
            edits.append((test.start, test.end, restore.get(test.id, "")))
    for start, end, replacement in sorted(edits, reverse=True):
        _cut(lines, start, end, replacement)
    return "".join(lines)


def _used(tree: ast.Module) -> set[str]:
    """Names the module reads, fixture names its functions ask for, and identifier strings.

    A fixture is "used" by a parameter of that name; ``usefixtures("db")`` and
    ``getfixturevalue("db")`` name one in a string, so identifier-like string
    constants count as uses too (keeping a fixture too many is the safe side).
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, _Def):
            args = node.args
            names.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(
                part for part in node.value.replace(",", " ").split() if part.isidentifier()
            )
    return names


def _is_autouse(node: ast.stmt) -> bool:
    if not isinstance(node, _Def):
        return False
    return any(
        isinstance(kw.value, ast.Constant) and kw.arg == "autouse" and kw.value.value is True
        for d in node.decorator_list
        if isinstance(d, ast.Call)
        for kw in d.keywords
    )


def _bound(node: ast.stmt) -> list[str]:
    """The names a top-level import, def or simple assignment binds ([] for anything else)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [
            alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"
        ]
    if isinstance(node, _Def | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def bound_names(source: str) -> set[str]:
    """Every name ``source``'s top-level imports, defs and simple assignments bind."""
    return {name for node in _parse(source).body for name in _bound(node)}


def _drop_unused(source: str, needed_before: set[str], keep: Collection[str] = ()) -> str:
    """Remove top-level imports, helpers and constants that were used before and are not now.

    Names nothing used even before the review (a re-export, a side-effect import)
    are not ours to judge and stay, and so do the names in ``keep`` (the project's
    own, in a file the suite joined). Repeats until nothing more falls away (a
    dropped helper may free an import).
    """
    while True:
        tree = _parse(source)
        lines = source.splitlines(keepends=True)
        # Names each top-level statement uses, counted once per statement: a name is
        # used outside a statement when another statement uses it (linear, not n²).
        own = [_used(ast.Module([node], [])) for node in tree.body]
        users = Counter(name for names in own for name in names)
        edits: list[tuple[int, int, str]] = []
        floor = 0
        for node, node_uses in zip(tree.body, own, strict=True):
            start, end = _span(node, lines, floor)
            floor = end
            names = _bound(node)
            if not names or _is_autouse(node):
                continue
            if isinstance(node, _Def | ast.ClassDef) and node.name.startswith(("test", "Test")):
                continue
            # Uses outside the statement itself: its own target or a recursion is no use.
            gone = [
                n
                for n in names
                if n in needed_before and n not in keep and users[n] - (n in node_uses) == 0
            ]
            if not gone:
                continue
            if isinstance(node, ast.Import | ast.ImportFrom) and len(gone) < len(names):
                kept = [a for a in node.names if (a.asname or a.name.split(".")[0]) not in gone]
                node.names = kept
                edits.append(
                    (node.lineno - 1, node.end_lineno or node.lineno, ast.unparse(node) + "\n")
                )
            elif len(gone) == len(names):
                edits.append((start, end, ""))
        if not edits:
            return source
        for start, end, replacement in sorted(edits, reverse=True):
            _cut(lines, start, end, replacement)
        source = "".join(lines)


def prune_suite(
    source: str,
    rejected: Collection[str],
    restore: Mapping[str, str] | None = None,
    keep: Collection[str] = (),
) -> str:
    """``source`` without the ``rejected`` tests and what only they needed.

    ``rejected`` holds test ids (``test_x``, ``TestC``, ``TestC::test_x``); a class
    whose every test method is rejected goes whole. ``restore`` maps an id to the
    text the project's file has for it: a rejected change to an existing test puts
    that text back instead of deleting the project's test. Top-level names in
    ``keep`` are never dropped as unused. Returns "" when no test is left.
    """
    wanted = set(rejected)
    if not wanted:
        return source
    parts = split_suite(source)
    spliced = _splice(source, parts, wanted, restore or {})
    if not split_suite(spliced).tests:
        return ""
    needed_before = _used(_parse(source))
    return _squeeze(_drop_unused(spliced, needed_before, set(keep)))
