"""A fake clock for code that reads the time, so its timings become exact assertions.

``elapsed = time.perf_counter() - self._start`` differs on every run: the
determinism check (finalize.py) sees it change and the test keeps only the
type (``isinstance(result, float)``), which no changed operator or constant
fails. A person testing such code replaces the clock. Here every call whose
traced lines read a ``time`` clock (``time.perf_counter()``, or a name
imported from ``time``) runs, in the probe and in its test, with each such
clock replaced by a counter that starts at 1.5 and steps by 2.25 per read
(``monkeypatch.setattr("time.perf_counter", itertools.count(1.5, 2.25).__next__)``),
so the elapsed time is exactly 2.25 and what is derived from it (a duration
in milliseconds, a formatted message) is asserted as a value. The start is
below the step so that ``b - a`` differs from ``b % a``, ``b / a``, ``b * a``,
``b // a`` and ``b + a`` (a large start would make ``b % a == b - a``), and
both are binary fractions, so every difference is exact.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

#: The ``time`` functions that read a clock and return seconds as a float.
CLOCKS = frozenset({"time", "perf_counter", "monotonic", "process_time", "thread_time"})
START = 1.5
STEP = 2.25
#: The fake clock as the test writes it (the probe builds the same counter).
FAKE = f"itertools.count({START}, {STEP}).__next__"


@dataclass(frozen=True)
class ClockReads:
    """Where a module reads the clock: (line, monkeypatch target) for each read."""

    reads: tuple[tuple[int, str], ...] = ()

    @property
    def targets(self) -> tuple[str, ...]:
        """Every clock the module reads (``time.perf_counter``, ``pkg.mod.now``), sorted."""
        return tuple(sorted({target for _, target in self.reads}))

    @property
    def lines(self) -> frozenset[int]:
        """The lines that read a clock."""
        return frozenset(line for line, _ in self.reads)

    def read_by(self, arcs: Iterable[Iterable[int]]) -> tuple[str, ...]:
        """The clocks a traced run (its line arcs) read: only those need the fake one."""
        ran = {line for arc in arcs for line in arc}
        return tuple(sorted({target for line, target in self.reads if line in ran}))


def clock_reads(source: str, module: str) -> ClockReads:
    """The clocks ``source`` (the module ``module``) reads, or an empty ClockReads.

    ``import time`` (or ``import time as t``) and ``t.perf_counter()`` patch
    ``time.perf_counter``; ``from time import perf_counter`` patches the name
    in the module itself (``pkg.mod.perf_counter``), where the code looks it up.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return ClockReads()
    modules: set[str] = set()
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "time"}
        elif isinstance(node, ast.ImportFrom) and node.module == "time" and not node.level:
            names |= {a.asname or a.name: a.name for a in node.names if a.name in CLOCKS}
    reads: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
            and func.attr in CLOCKS
        ):
            reads.add((node.lineno, f"time.{func.attr}"))
        elif isinstance(func, ast.Name) and func.id in names:
            reads.add((node.lineno, f"{module}.{func.id}"))
    return ClockReads(tuple(sorted(reads)))


def patch_lines(targets: Iterable[str]) -> list[str]:
    """The test's first statements: each clock replaced by the fake one."""
    return [f'monkeypatch.setattr("{target}", {FAKE})' for target in targets]
