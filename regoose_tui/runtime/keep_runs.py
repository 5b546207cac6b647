"""Fold a keep-rule run (every test N times, see keep_plugin.py) back to one result a test.

The sandboxed session reports ``test_a[regoose-run1]`` ... ``[regoose-runN]``;
the host wants one TestCaseResult per real test (passed only when every run
passed; a mix of outcomes is flaky) plus the outcome of each run, and, from
coverage.py's per-test contexts, which arcs each test reached.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from regoose_tui.runtime.pytest_results import DATA_FILE_CAP, Arc, TestCaseResult
from regoose_tui.runtime.safe_io import read_result_bytes

_ROUND = re.compile(r"-?regoose-run(\d+)(?=\])")

#: What a test that passed some runs and failed others is called (validator, reports).
FLAKY_PREFIX = "flaky"


def split_round(nodeid: str) -> tuple[str, int]:
    """``f.py::t[2-regoose-run3]`` -> (``f.py::t[2]``, 3); a plain id is round 1."""
    found = _ROUND.search(nodeid)
    if found is None:
        return nodeid, 1
    bare = nodeid[: found.start()] + nodeid[found.end() :]
    return (bare[:-2] if bare.endswith("[]") else bare), int(found.group(1))


def name_key(nodeid: str) -> str:
    """The name of a test in its module: ``TestA::test_b`` (file and parameters left out)."""
    parts = nodeid.split("::")
    name = "::".join(parts[1:]) if len(parts) > 1 else parts[0]
    return name.split("[", 1)[0]


def flaky_message(failed: int, total: int, first: str) -> str:
    """``flaky: failed 1 of 3 runs in random order: <first failure>``."""
    why = f"{FLAKY_PREFIX}: failed {failed} of {total} runs in random order"
    return f"{why}: {first}" if first else why


def fold_runs(
    cases: Sequence[TestCaseResult],
) -> tuple[list[TestCaseResult], dict[str, tuple[str, ...]]]:
    """One result per test (in first-seen order) and each test's outcomes, run by run."""
    groups: dict[str, list[tuple[int, TestCaseResult]]] = {}
    for case in cases:
        bare, number = split_round(case.nodeid)
        groups.setdefault(bare, []).append((number, case))
    folded: list[TestCaseResult] = []
    runs: dict[str, tuple[str, ...]] = {}
    for bare, members in groups.items():
        members.sort(key=lambda pair: pair[0])
        outcomes = tuple(case.outcome for _, case in members)
        runs[bare] = outcomes
        first = members[0][1]
        bad = [case for _, case in members if case.outcome in ("failed", "error")]
        merged = replace(
            first,
            nodeid=bare,
            name=split_round(first.name)[0],
            duration=sum(case.duration for _, case in members),
        )
        if len(set(outcomes)) > 1 and bad:
            merged = replace(
                merged,
                outcome="failed",
                message=flaky_message(len(bad), len(members), bad[0].message),
                traceback=bad[0].traceback,
            )
        elif bad:
            worst = bad[0]
            merged = replace(
                merged, outcome=worst.outcome, message=worst.message, traceback=worst.traceback
            )
        folded.append(merged)
    return folded, runs


def is_flaky(outcomes: Sequence[str]) -> bool:
    """Some runs passed (or xfailed) and some failed."""
    bad = sum(1 for o in outcomes if o in ("failed", "error"))
    return 0 < bad < len(outcomes)


def read_arcs_by_test(data_file: Path, source: Path) -> dict[str, tuple[Arc, ...]]:
    """The arcs of ``source`` each test reached, by ``name_key``, from per-test contexts.

    The data file was written in the sandbox: SQLite reads a private copy of
    its bytes (no-follow, capped), never the sandbox's file by name.
    Blocking: call it in a thread.
    """
    from coverage import CoverageData  # lazy: only pytest runs need it
    from coverage.exceptions import CoverageException

    raw = read_result_bytes(data_file, max_bytes=DATA_FILE_CAP, name=data_file.name)
    by_test: dict[str, set[Arc]] = {}
    with tempfile.TemporaryDirectory(prefix="regoose-cov-") as private:
        copy = Path(private) / "coverage.sqlite"
        copy.write_bytes(raw)
        try:
            data = CoverageData(basename=str(copy))
            data.read()
            wanted = str(source)
            files = [name for name in data.measured_files() if name == wanted]
            for context in sorted(data.measured_contexts()):
                if not context:
                    continue  # import time and collection: nobody's test
                data.set_query_contexts(["^" + re.escape(context) + "$"])
                arcs: set[Arc] = set()
                for name in files:
                    arcs.update(data.arcs(name) or ())
                by_test.setdefault(name_key(context), set()).update(arcs)
        except (CoverageException, sqlite3.Error) as exc:
            raise ValueError(f"{data_file.name}: not a coverage data file ({exc})") from None
    return {key: tuple(sorted(arcs)) for key, arcs in by_test.items()}
