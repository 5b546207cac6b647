"""What full coverage of the target means, so exploration can stop the moment it is reached.

coverage.py's own parser lists every arc (line transition) the module's code
can take; those that start inside a function or method body are what probes
can reach (the module level runs once, at import). Exploration is complete
when the probes took every one of them. An exit arc (``(line, -def)``) counts
by its source line alone: a decorated function's code starts at its first
decorator, which the tracer and the parser number differently. When the
parser cannot read the module there is no goal and exploration never stops
early (it still stops on a plateau or at the deadline).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Arc = tuple[int, int]


@dataclass(frozen=True)
class CoverageGoal:
    """The arcs inside function bodies, split into inner arcs and exits."""

    inner: frozenset[Arc] = field(default_factory=frozenset)
    exits_from: frozenset[int] = field(default_factory=frozenset)
    #: Line -> the first line of its statement, for lines of multi-line statements.
    first_lines: Mapping[int, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when there is nothing to aim at (no goal known)."""
        return not self.inner and not self.exits_from

    def normalize(self, covered: Iterable[Arc]) -> set[Arc]:
        """The probes' arcs as coverage.py counts them: by each statement's first line.

        The tracer sees a line event per line of a multi-line statement (a dict
        literal over six lines); coverage.py folds those into the statement.
        """
        first = self.first_lines
        out: set[Arc] = set()
        for src, dst in covered:
            a = first.get(src, src) if src > 0 else src
            b = first.get(dst, dst) if dst > 0 else dst
            if a != b or src == dst:
                out.add((a, b))
        return out

    def reached(self, covered: Iterable[Arc]) -> bool:
        """Whether ``covered`` (the probes' arcs) takes every arc of the goal."""
        return not self.empty and self.missing(covered) == 0

    def missing(self, covered: Iterable[Arc]) -> int:
        """How many goal arcs ``covered`` still lacks."""
        return len(self.open_arcs(covered))

    def open_arcs(self, covered: Iterable[Arc]) -> set[Arc]:
        """The goal arcs ``covered`` lacks (an exit as ``(line, 0)``)."""
        taken = self.normalize(covered)
        exits = {src for src, dst in taken if dst < 0}
        return set(self.inner - taken) | {(a, 0) for a in self.exits_from - exits}


def coverage_goal(source: str) -> CoverageGoal:
    """The goal for ``source``, or an empty goal when it cannot be worked out."""
    try:
        from coverage.parser import PythonParser

        parser = PythonParser(text=source)
        parser.parse_source()
        arcs = parser.arcs()
        tree = ast.parse(source)
    except Exception:  # any parser failure only means no early stop
        return CoverageGoal()
    bodies = _function_body_lines(tree)
    inner = frozenset((a, b) for a, b in arcs if a in bodies and b > 0)
    exits = frozenset(a for a, b in arcs if a in bodies and b < 0)
    lines = range(1, len(source.splitlines()) + 1)
    first_lines = {n: parser.first_line(n) for n in lines if parser.first_line(n) != n}
    return CoverageGoal(inner, exits, first_lines)


def _function_body_lines(tree: ast.Module) -> set[int]:
    """Lines of every statement inside a function or method body."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines
