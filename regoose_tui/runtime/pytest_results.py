"""What a pytest run produced: per-test outcomes (JUnit XML) and coverage (JSON).

Pure parsing of the files the sandboxed run wrote, so it can be tested on
its own and reused on stored reports. Those files are untrusted: they are
read with :mod:`regoose_tui.runtime.safe_io` (no-follow, non-blocking,
capped) and parsed from bytes; a shape coverage.py never writes is a
ValueError, not a crash.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from regoose_tui.runtime.safe_io import DEFAULT_RESULT_CAP, read_result_bytes

Outcome = Literal["passed", "failed", "error", "skipped"]

#: JUnit's element for a test that did not pass, and the outcome it means, in the
#: order that decides when a case has several (a failed call, then a teardown error).
_JUNIT_OUTCOMES: tuple[tuple[str, Outcome], ...] = (
    ("failure", "failed"),
    ("error", "error"),
    ("skipped", "skipped"),
)
Arc = tuple[int, int]

#: Cap on one junit.xml or coverage.json a sandboxed run wrote.
REPORT_CAP = DEFAULT_RESULT_CAP
#: Cap on a coverage data file (SQLite; it holds every arc of every measured file).
DATA_FILE_CAP = 256 * 1024**2


@dataclass(frozen=True)
class TestCaseResult:
    """One test as pytest reported it."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    classname: str
    name: str
    outcome: Outcome
    duration: float
    message: str = ""
    traceback: str = ""
    file: Path | None = None


@dataclass(frozen=True)
class FileCoverage:
    """Line and branch coverage of one measured source file."""

    path: Path
    num_statements: int
    covered_lines: int
    missing_lines: tuple[int, ...]
    executed_lines: tuple[int, ...]
    num_branches: int
    covered_branches: int
    missing_branches: tuple[Arc, ...]
    executed_branches: tuple[Arc, ...]
    #: Every arc the run took in this file (coverage's raw data; negative
    #: numbers are entries to and exits from code objects).
    executed_arcs: tuple[Arc, ...] = ()

    @property
    def line_percent(self) -> float:
        """Statements executed, in percent (100 when there is nothing to run)."""
        return _percent(self.covered_lines, self.num_statements)

    @property
    def branch_percent(self) -> float | None:
        """Branch destinations taken, in percent; None when the file has no branch."""
        return _percent(self.covered_branches, self.num_branches) if self.num_branches else None


@dataclass(frozen=True)
class CoverageSummary:
    """Coverage of the measured sources: per file and in total."""

    files: dict[Path, FileCoverage] = field(default_factory=dict)

    @property
    def num_statements(self) -> int:
        """Statements in all measured files."""
        return sum(f.num_statements for f in self.files.values())

    @property
    def line_percent(self) -> float:
        """Statements executed over all files, in percent."""
        return _percent(sum(f.covered_lines for f in self.files.values()), self.num_statements)

    @property
    def branch_percent(self) -> float | None:
        """Branch destinations taken over all files; None when there is no branch."""
        total = sum(f.num_branches for f in self.files.values())
        covered = sum(f.covered_branches for f in self.files.values())
        return _percent(covered, total) if total else None


def _percent(part: int, whole: int) -> float:
    return 100.0 if whole == 0 else 100.0 * part / whole


def _arcs(raw: Iterable[Sequence[int]]) -> tuple[Arc, ...]:
    return tuple(sorted((int(a), int(b)) for a, b in raw))


def parse_coverage_json(
    path: Path, base_dir: Path, arcs: dict[Path, list[Arc]] | None = None
) -> CoverageSummary:
    """Read a ``coverage json`` report; relative file names are taken from ``base_dir``."""
    return parse_coverage_bytes(read_result_bytes(path, max_bytes=REPORT_CAP), base_dir, arcs)


def parse_coverage_bytes(
    report: bytes, base_dir: Path, arcs: dict[Path, list[Arc]] | None = None
) -> CoverageSummary:
    """Parse a ``coverage json`` report; ValueError when it is not one."""
    try:
        return _coverage_summary(json.loads(report.decode("utf-8", "replace")), base_dir, arcs)
    except (TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"not a coverage.py JSON report ({type(exc).__name__})") from None


def _coverage_summary(
    data: dict[str, Any], base_dir: Path, arcs: dict[Path, list[Arc]] | None
) -> CoverageSummary:
    files: dict[Path, FileCoverage] = {}
    for name, entry in data.get("files", {}).items():
        file_path = Path(name) if Path(name).is_absolute() else base_dir / name
        summary = entry.get("summary", {})
        files[file_path] = FileCoverage(
            path=file_path,
            num_statements=int(summary.get("num_statements", 0)),
            covered_lines=int(summary.get("covered_lines", 0)),
            missing_lines=tuple(sorted(entry.get("missing_lines", ()))),
            executed_lines=tuple(sorted(entry.get("executed_lines", ()))),
            num_branches=int(summary.get("num_branches", 0)),
            covered_branches=int(summary.get("covered_branches", 0)),
            missing_branches=_arcs(entry.get("missing_branches", ())),
            executed_branches=_arcs(entry.get("executed_branches", ())),
            executed_arcs=tuple(sorted((arcs or {}).get(file_path, ()))),
        )
    return CoverageSummary(files)


def read_executed_arcs(data_file: Path) -> dict[Path, list[Arc]]:
    """Every arc recorded in a coverage data file, by absolute source path.

    The file was written in the sandbox: SQLite gets a private copy of its
    bytes (read no-follow and capped), never the sandbox's file by name.
    """
    from coverage import CoverageData  # lazy: only pytest runs need it
    from coverage.exceptions import CoverageException

    raw = read_result_bytes(data_file, max_bytes=DATA_FILE_CAP, name=data_file.name)
    with tempfile.TemporaryDirectory(prefix="regoose-cov-") as private:
        copy = Path(private) / "coverage.sqlite"
        copy.write_bytes(raw)
        try:
            data = CoverageData(basename=str(copy))
            data.read()
            return {Path(name): list(data.arcs(name) or ()) for name in data.measured_files()}
        except (CoverageException, sqlite3.Error) as exc:
            raise ValueError(f"{data_file.name}: not a coverage data file ({exc})") from None


def _nodeid(classname: str, name: str, test_files: Sequence[Path]) -> tuple[str, Path | None]:
    """Rebuild a pytest node id from JUnit's dotted classname and the known test files.

    JUnit stores ``dir.test_mod.TestClass`` relative to pytest's rootdir; the
    test file whose dotted path (relative to one of its parents) appears in
    the classname is the one (the longest such match), and what follows it is
    the class. The id uses the file's absolute path, so it can be handed back
    to pytest (reruns). A collection error has an empty classname and the
    module's dotted path as its name; its id is the file alone.
    """
    if not classname:
        classname, name = name, ""
    padded = f".{classname}."
    best: tuple[int, int, Path] | None = None
    for file in test_files:
        stem_parts = file.with_suffix("").parts
        for start in range(1, len(stem_parts)):
            dotted = ".".join(stem_parts[start:])
            at = padded.rfind(f".{dotted}.")
            if at >= 0 and (best is None or len(dotted) > best[0]):
                best = (len(dotted), at + len(dotted) + 1, file)
    if best is None:
        return "::".join(p for p in (*classname.split("."), name) if p), None
    _, end, file = best
    classes = [c for c in padded[end:].split(".") if c]
    return "::".join([str(file), *classes, *([name] if name else [])]), file


def parse_junit(path: Path, test_files: Sequence[Path]) -> list[TestCaseResult]:
    """Every test case in a pytest JUnit XML report, in report order."""
    return parse_junit_bytes(read_result_bytes(path, max_bytes=REPORT_CAP), test_files)


def parse_junit_bytes(report: bytes, test_files: Sequence[Path]) -> list[TestCaseResult]:
    """Every test case in the bytes of a pytest JUnit XML report (ET.ParseError if not XML)."""
    root = ET.fromstring(report)
    try:
        return _test_cases(root, test_files)
    except (TypeError, ValueError) as exc:  # a "time" that is no number
        raise ET.ParseError(f"not a pytest JUnit report: {exc}") from None


def _test_cases(root: ET.Element, test_files: Sequence[Path]) -> list[TestCaseResult]:
    results: list[TestCaseResult] = []
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        outcome: Outcome = "passed"
        message = traceback = ""
        # A test can fail in its call and error in teardown: failure wins, the
        # first element with a message supplies it.
        for tag, kind in _JUNIT_OUTCOMES:
            element = case.find(tag)
            if element is not None:
                outcome = kind
                message = element.get("message", "")
                traceback = (element.text or "").strip()
                break
        nodeid, file = _nodeid(classname, name, test_files)
        results.append(
            TestCaseResult(
                nodeid=nodeid,
                classname=classname,
                name=name,
                outcome=outcome,
                duration=float(case.get("time", "0") or 0),
                message=message,
                traceback=traceback,
                file=file,
            )
        )
    return results


def expand_test_files(test_paths: Iterable[Path]) -> list[Path]:
    """Test files named or contained in ``test_paths`` (pytest's default patterns)."""
    files: list[Path] = []
    for path in test_paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.py") if _looks_like_test(p.name))
        else:
            files.append(path)
    return files


def _looks_like_test(filename: str) -> bool:
    return filename.startswith("test_") or filename.endswith("_test.py")
