"""The engine's last verification as the validator's keep session: one PytestReport.

With more than one pass, the verification (synth/verify_driver.py) runs the
keep rule itself: Regoose's keep-rule plugin (runtime/keep_plugin.py) makes
every test ``rounds`` cases, runs them round by round in the order of the
session's seed, measures round 1 per test, and the driver first ran each
test alone. That is the validator's keep session plus the alone runs, so
when it was all green the executor hands it on (agents/keep_reuse.py)
instead of running the same module in the sandbox a second time.

Everything here was written in the sandbox: shapes are checked, and a
report that does not hold together is no report (the module then runs
through the executor as before).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regoose_tui.runtime.keep_runs import name_key, split_round
from regoose_tui.runtime.pytest_results import Arc, CoverageSummary, TestCaseResult
from regoose_tui.runtime.pytest_results import parse_coverage_bytes as _parse_coverage
from regoose_tui.runtime.pytest_runner import PytestReport


@dataclass(frozen=True)
class VerifiedSuite:
    """A test module and the keep session it passed, green, in the sandbox."""

    source: str
    report: PytestReport


#: (round number, [outcome, message, duration]) of one test, in the order they ran.
RoundEntries = list[tuple[int, list[Any]]]


def by_bare_nodeid(outcomes: Mapping[str, Any]) -> dict[str, RoundEntries]:
    """The driver's outcomes (``t[regoose-run2]`` -> entries) grouped by test, round-ordered."""
    grouped: dict[str, RoundEntries] = {}
    for nodeid, seen in outcomes.items():
        bare, number = split_round(str(nodeid))
        for entry in seen if isinstance(seen, list) else ():
            if isinstance(entry, list) and entry:
                grouped.setdefault(bare, []).append((number, entry))
    # sorted() is stable: the phases of one round keep their order.
    return {bare: sorted(pairs, key=lambda pair: pair[0]) for bare, pairs in grouped.items()}


def _round_outcomes(entries: RoundEntries, rounds: int) -> tuple[str, ...] | None:
    """One outcome per round (passed, or skipped for a strict xfail); None if any failed."""
    kinds: dict[int, set[str]] = {}
    for number, entry in entries:
        kinds.setdefault(number, set()).add(str(entry[0]))
    if sorted(kinds) != list(range(1, rounds + 1)):
        return None  # a round is missing: not the keep session
    outcomes = []
    for number in sorted(kinds):
        seen = kinds[number]
        if not seen <= {"passed", "skipped"}:
            return None
        outcomes.append("skipped" if "skipped" in seen else "passed")
    return tuple(outcomes)


def _duration(entries: RoundEntries) -> float:
    total = 0.0
    for _, entry in entries:
        if len(entry) > 2 and isinstance(entry[2], int | float):
            total += float(entry[2])
    return total


def _case(nodeid: str, outcome: str, duration: float) -> TestCaseResult:
    parts = nodeid.split("::")
    stem = Path(parts[0]).with_suffix("").name
    return TestCaseResult(
        nodeid=nodeid,
        classname=".".join([stem, *parts[1:-1]]),
        name=parts[-1],
        outcome="skipped" if outcome == "skipped" else "passed",
        duration=round(duration, 6),
    )


def _arcs(raw: object) -> tuple[Arc, ...]:
    if not isinstance(raw, list):
        raise TypeError("arcs are not a list")
    return tuple(sorted({(int(a), int(b)) for a, b in raw}))


def _coverage(report: bytes, executed: Sequence[Arc], cov_source: Path) -> CoverageSummary | None:
    """coverage.py's JSON of the one measured target file, keyed by the host's path of it."""
    summary = _parse_coverage(report, Path("/"))
    if len(summary.files) != 1:
        return None  # the target was not measured (or something else was)
    (measured,) = summary.files.values()
    file = replace(measured, path=cov_source, executed_arcs=tuple(sorted(executed)))
    return CoverageSummary({cov_source: file})


def keep_report(
    data: Mapping[str, Any],
    coverage_json: bytes,
    arcs_json: bytes,
    *,
    cov_source: Path,
    rounds: int,
    seed: int,
    runtime: str,
    wall_seconds: float,
) -> PytestReport | None:
    """The keep session a green keep-mode verification ran; None when it was not one.

    ``data`` is the driver's verify.json (already read), ``coverage_json`` and
    ``arcs_json`` its coverage reports. Node ids stay relative to the staged
    module (``test_generated.py::TestX::test_y``): the executor rebases them
    onto the file it writes.
    """
    try:
        if int(data.get("exit", -1)) != 0 or str(data.get("seed", "")) != str(seed):
            return None
        if data.get("errors") or int(data.get("passes", 0)) != rounds:
            return None
        tests: list[TestCaseResult] = []
        runs: dict[str, tuple[str, ...]] = {}
        for bare, entries in by_bare_nodeid(data.get("outcomes", {})).items():
            outcomes = _round_outcomes(entries, rounds)
            if outcomes is None:
                return None
            runs[bare] = outcomes
            tests.append(_case(bare, outcomes[0], _duration(entries)))
        alone = by_bare_nodeid(data.get("alone", {}))
        if not tests or set(alone) != set(runs):
            return None  # every test must have run alone too
        if any(str(e[0]) not in ("passed", "skipped") for v in alone.values() for _, e in v):
            return None
        arcs = json.loads(arcs_json.decode("utf-8", "replace"))
        by_test: dict[str, set[Arc]] = {}
        for context, raw in dict(arcs["by_test"]).items():
            by_test.setdefault(name_key(str(context)), set()).update(_arcs(raw))
        coverage = _coverage(coverage_json, _arcs(arcs["executed"]), cov_source)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if coverage is None or not by_test:
        return None
    return PytestReport(
        status="passed",
        reason=f"{len(tests)} tests passed",
        tests=tests,
        exit_code=0,
        timed_out=False,
        wall_seconds=wall_seconds,
        output_tail="",
        coverage=coverage,
        cov_source=cov_source,
        runtime=runtime,
        rounds=rounds,
        seed=seed,
        runs=runs,
        arcs_by_test={key: tuple(sorted(arcs)) for key, arcs in by_test.items()},
    )
