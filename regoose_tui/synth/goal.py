"""What full coverage of the target means, so exploration can stop the moment it is reached.

coverage.py's own parser lists every arc (line transition) the module's code
can take; those that start inside a function or method body are what probes
can reach (the module level runs once, at import). Exploration is complete
when the probes took every one of them. An exit arc (``(line, -def)``) counts
by its source line alone: a decorated function's code starts at its first
decorator, which the tracer and the parser number differently. When the
parser cannot read the module there is no goal and exploration never stops
early (it still stops on a plateau or at the deadline).

What the parser said about a source (its arcs, its multi-line statements) is
kept in the user's cache folder, keyed by the source's hash, the parser's file
and the Python that ran it: importing coverage.py (~0.15 s of a core on the
host, while the sandboxes start) is paid once per module version, not at every
generation. The answer is coverage.py's own either way.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.runtime import probe_cache

Arc = tuple[int, int]

#: The cache's folder in the user's cache folder for Regoose: one file per source.
CACHE_FOLDER = "coverage-goals"
#: Sources remembered at most (the least recently written go first).
MAX_KEPT = 256
_FORMAT = 1


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

    def left_by(
        self, missing_lines: Iterable[int], missing_branches: Iterable[Arc]
    ) -> CoverageGoal:
        """The part of the goal a kept suite missing these lines and branches leaves open.

        A later round aims at that: once its probes took it, searching on (and
        asking CrossHair) could only find again what the kept suite already runs.
        An arc is open when its source line never ran or it is a missed branch.
        Nothing left in the function bodies keeps the whole goal (an empty one
        would never say the search is done).
        """
        lines = set(missing_lines)
        branches = {(a, b) for a, b in missing_branches}
        inner = frozenset(arc for arc in self.inner if arc[0] in lines or arc in branches)
        exits = frozenset(
            a for a in self.exits_from if a in lines or any(s == a and d < 0 for s, d in branches)
        )
        if not inner and not exits:
            return self
        return CoverageGoal(inner, exits, self.first_lines)

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
    parsed = parsed_arcs(source)
    if parsed is None:
        return CoverageGoal()
    arcs, first_lines = parsed
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return CoverageGoal()
    bodies = _function_body_lines(tree)
    inner = frozenset((a, b) for a, b in arcs if a in bodies and b > 0)
    exits = frozenset(a for a, b in arcs if a in bodies and b < 0)
    return CoverageGoal(inner, exits, first_lines)


def parsed_arcs(source: str) -> tuple[set[Arc], dict[int, int]] | None:
    """coverage.py's arcs of ``source`` and its lines' statement starts, or None.

    Read from the cache when this very source was parsed by this very parser
    before; else coverage.py parses it (imported here, on first use) and the
    answer is kept. None when coverage.py is missing or cannot read the source.
    """
    key = _cache_key(source)
    if key is not None:
        kept = _kept(key)
        if kept is not None:
            return kept
    try:
        from coverage.parser import PythonParser

        parser = PythonParser(text=source)
        parser.parse_source()
        arcs = {(a, b) for a, b in parser.arcs()}
        lines = range(1, len(source.splitlines()) + 1)
        first_lines = {n: parser.first_line(n) for n in lines if parser.first_line(n) != n}
    except Exception:  # any parser failure only means no early stop
        return None
    if key is not None:
        _keep(key, arcs, first_lines)
    return arcs, first_lines


def _cache_key(source: str) -> str | None:
    """The cache file's name for ``source``: its hash with the parser's and Python's marks.

    coverage.py is found, not imported: its parser's file (device, inode, size,
    mtime) stands for its version; None when it is not installed.
    """
    try:
        spec = importlib.util.find_spec("coverage")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        found = os.stat(Path(next(iter(spec.submodule_search_locations))) / "parser.py")
    except OSError:
        return None
    marks = f"{found.st_dev}:{found.st_ino}:{found.st_size}:{found.st_mtime_ns}"
    digest = hashlib.sha256()
    for part in (str(_FORMAT), sys.version, marks, source):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _kept(key: str) -> tuple[set[Arc], dict[int, int]] | None:
    """The cached answer for ``key``, or None when there is none or it is not well formed."""
    entry = probe_cache.read_entries(f"{CACHE_FOLDER}/{key}.json")
    if entry.get("format") != _FORMAT or entry.get("key") != key:
        return None
    arcs, first = entry.get("arcs"), entry.get("first_lines")
    if not isinstance(arcs, list) or not isinstance(first, list):
        return None
    if not _pairs(arcs) or not _pairs(first):
        return None
    return {(a, b) for a, b in arcs}, {a: b for a, b in first}


def _pairs(value: list[Any]) -> bool:
    """True when ``value`` is a list of ``[int, int]`` pairs."""
    return all(
        isinstance(p, list) and len(p) == 2 and all(type(n) is int for n in p) for p in value
    )


def _keep(key: str, arcs: set[Arc], first_lines: Mapping[int, int]) -> None:
    """Keep the answer for ``key`` (best effort), dropping the oldest beyond MAX_KEPT."""
    entry = {
        "format": _FORMAT,
        "key": key,
        "arcs": sorted([a, b] for a, b in arcs),
        "first_lines": sorted([a, b] for a, b in first_lines.items()),
    }
    probe_cache.write_entries(f"{CACHE_FOLDER}/{key}.json", entry)
    folder = probe_cache.cache_path(CACHE_FOLDER)
    try:
        with os.scandir(folder) as found:
            files = [e for e in found if e.name.endswith(".json") and e.is_file()]
        if len(files) <= MAX_KEPT:
            return
        files.sort(key=lambda e: e.stat().st_mtime_ns)
        for old in files[: len(files) - MAX_KEPT]:
            os.unlink(old.path)
    except OSError:
        pass


def _function_body_lines(tree: ast.Module) -> set[int]:
    """Lines of every statement inside a function or method body."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines
