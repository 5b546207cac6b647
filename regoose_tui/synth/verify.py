"""Run the rendered module with pytest (under coverage.py when present) in the sandbox.

One sandboxed process per verification (started ahead, pytest already imported:
synth/warm_runs.py): pytest runs the module in-process under coverage.py, the
same session runs the tests again in shuffled order (``passes``), and writes
its outcomes and the coverage JSON (verify_driver.py).
With more than one pass it follows the validator's keep rule to the letter
(the keep-rule plugin, the session's seed, per-test coverage): a green run
then carries that keep session (``SuiteRun.keep``, synth/keep_session.py).

Nothing the sandbox could write is trusted: the host writes nothing where it
could (the module goes in over stdin), reports are read with capped no-follow
reads off the event loop.

The engine calls ``run_suite`` until every test passes: failing tests are cut
out of the module and the rest rerun. The coverage figures reported with the
result come from the last (all-green) run.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.bus.events import RunFinished, RunStarted
from regoose_tui.runtime.base import RunResult
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.runtime.safe_io import UnsafeResultFile, read_result_bytes_async
from regoose_tui.synth.keep_session import by_bare_nodeid, keep_report
from regoose_tui.synth.probe import VERIFY_SCRIPT, Prober
from regoose_tui.synth.verify_cut import finished_tests, restrict
from regoose_tui.synth.warm_runs import Job
from regoose_tui.tools.output_batcher import OutputBatcher

#: How the driver marks a failure of a test run by itself.
_ALONE = "alone: "

#: Cap on junit.xml and coverage.json of one generated module's run.
_REPORT_CAP = 64 * 1024**2


@dataclass
class SuiteRun:
    """Outcome of one pytest run of the generated module."""

    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    collected: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None
    missing_lines: list[int] = field(default_factory=list)
    missing_branches: list[tuple[int, int]] = field(default_factory=list)
    error: str = ""
    wall_seconds: float = 0.0
    #: The keep session this run was (passes > 1, coverage, all green), else None.
    keep: PytestReport | None = None
    #: Tests that had not run all their runs when the stop time came (synth/verify_cut.py):
    #: neither passed nor failed, and not in ``keep`` or the coverage figures.
    unfinished: set[str] = field(default_factory=set)
    #: True when the run stopped (or narrowed) at its stop time; then ``finished`` names
    #: every test that ran all its runs (passed, failed or a strict xfail each time).
    cut: bool = False
    finished: set[str] = field(default_factory=set)
    #: Seconds from the driver's start to its steps (collected, passes, alone, end).
    marks: dict[str, float] = field(default_factory=dict)
    #: True when the run found its pytest session started ahead (synth/verify_ahead.py).
    started_ahead: bool = False


async def run_suite(
    prober: Prober,
    source: str,
    *,
    target_file: str,
    with_coverage: bool,
    wall: float,
    filename: str = "test_generated.py",
    passes: int = 1,
    alone: bool = False,
    seed: int = 0,
    stop_seconds: float = 0.0,
    ranking: Sequence[str] = (),
) -> SuiteRun:
    """Run ``source`` ``passes`` times in a sandbox of its own (started ahead where it can be).

    One sandboxed interpreter does it all (synth/verify_driver.py): coverage.py
    started in-process, one pytest session (with ``alone``, each test first by
    itself in a fork of the collected session), and the coverage JSON. One pass
    runs in file order; more are the keep rule's rounds, each shuffled from
    ``seed`` by Regoose's keep-rule plugin, round 1 measured per test. A test
    that fails in any pass, or alone, is failed. The driver and the plugin are
    staged inputs (the sandbox only reads them); the module and its ini file go
    in with the job on stdin and the sandbox writes them in its own folder; the
    reports land in a fresh output folder, read back with capped no-follow
    reads; every folder is removed. With ``stop_seconds``, no test starts
    after that many seconds: what ran all its runs still counts and the rest
    is ``unfinished`` (synth/verify_cut.py); ``ranking`` (test names, best
    first) says which tests a narrowed run keeps.
    """
    # An ini file of our own keeps the user's pytest config (addopts, plugins) out. The
    # module and its ini go in with the job (the sandbox writes them into its own folder);
    # the driver and the keep rule's plugin sit in the kind's read-only inputs (probe.py).
    job = Job(
        kind="pytest",
        argv=[
            f"{{inputs}}/{VERIFY_SCRIPT}",
            "{out}",
            f"{{job}}/{filename}",
            target_file,
            str(max(1, passes)),
            "1" if with_coverage else "0",
            "1" if alone else "0",
            str(seed),
            f"{max(0.0, stop_seconds):.3f}",
            # The stop as wall-clock time too: a slow sandbox start comes off it.
            f"{time.time() + stop_seconds:.3f}" if stop_seconds > 0 else "0",
        ],
        files={
            "pytest.ini": "[pytest]\n",
            filename: source,
            **({"ranking.txt": "\n".join(ranking) + "\n"} if ranking else {}),
        },
    )
    result, out = await _announced(prober, job, filename, wall=wall)
    try:
        run = SuiteRun(wall_seconds=result.wall_seconds)
        try:
            report = await read_result_bytes_async(
                out / "verify.json", max_bytes=_REPORT_CAP, name="verify.json"
            )
        except FileNotFoundError:
            run.error = (result.stdout + result.stderr)[-2000:] or "pytest produced no report"
            return run
        except UnsafeResultFile as exc:
            run.error = str(exc)
            return run
        data = _read_outcomes(report, run, passes=passes, alone=alone)
        if with_coverage and not run.error:
            try:
                cov_json = await read_result_bytes_async(
                    out / "coverage.json", max_bytes=_REPORT_CAP, name="coverage.json"
                )
            except (FileNotFoundError, UnsafeResultFile) as exc:
                # No figures rather than wrong ones; say why when the file was refused.
                if isinstance(exc, UnsafeResultFile):
                    run.error = str(exc)
                return run
            arcs = await _arcs_json(out) if passes > 1 and data is not None else None
            if run.cut and data is not None:
                # Cut at the stop time: the reports of what finished, as if only it had run.
                data, cov_json, arcs = await asyncio.to_thread(
                    cut_reports, data, cov_json, arcs, run
                )
            _read_coverage(cov_json, run)
            if arcs is not None and data is not None and not run.failed and run.passed:
                run.keep = await _keep_session(prober, data, cov_json, arcs, passes, seed, run)
        return run
    finally:
        await prober.discard(out)


async def _announced(
    prober: Prober, job: Job, filename: str, *, wall: float
) -> tuple[RunResult, Path]:
    """Run the verification; on the bus (when the prober has one) it is a pytest run the
    live log shows: RunStarted, its output in batches, RunFinished."""
    if prober.announce is None:
        return await prober.jobs.run(job, wall=wall)
    emit, run_id = prober.announce, uuid.uuid4().hex[:10]
    emit(
        RunStarted(
            run_id=run_id,
            runtime=prober.runtime.name,
            argv=("pytest", filename),
            label="verify generated tests",
            session_id=prober.session_id,
        )
    )
    batcher = OutputBatcher(emit, run_id, prober.session_id)
    try:
        result, out = await prober.jobs.run(job, wall=wall, on_output=batcher)
    finally:
        batcher.flush()
    emit(
        RunFinished(
            run_id=run_id,
            exit_code=result.exit_code,
            timed_out=result.timed_out,
            wall_seconds=result.wall_seconds,
            session_id=prober.session_id,
        )
    )
    return result, out


async def _arcs_json(out: Path) -> bytes | None:
    """The driver's per-test arcs (keep mode), or None when it wrote none we may read."""
    try:
        return await read_result_bytes_async(
            out / "arcs.json", max_bytes=_REPORT_CAP, name="arcs.json"
        )
    except (FileNotFoundError, UnsafeResultFile):
        return None


def cut_reports(
    data: dict[str, Any], cov_json: bytes, arcs: bytes | None, run: SuiteRun
) -> tuple[dict[str, Any] | None, bytes, bytes | None]:
    """The reports of a cut run limited to its finished tests (synth/verify_cut.py).

    Without per-test arcs the figures cannot be limited: none then, and no keep session.
    """
    if arcs is None:
        return None, b"", None
    try:
        done = run.finished - set(run.failed)
        keep = {n for n in by_bare_nodeid(data.get("outcomes", {})) if _test_name(n) in done}
        return restrict(data, cov_json, arcs, keep)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, b"", None


async def _keep_session(
    prober: Prober,
    data: dict[str, Any],
    cov_json: bytes,
    arcs: bytes,
    passes: int,
    seed: int,
    run: SuiteRun,
) -> PytestReport | None:
    """The keep session a green keep-mode run was (see synth/keep_session.py), or None."""
    # The host's name of the target, as the executor's own keep sessions key it.
    cov_source = await asyncio.to_thread(Path(prober.target.path).resolve)
    return await asyncio.to_thread(
        keep_report,
        data,
        cov_json,
        arcs,
        cov_source=cov_source,
        rounds=passes,
        seed=seed,
        runtime=prober.runtime.name,
        wall_seconds=run.wall_seconds,
    )


def _read_outcomes(
    report: bytes, run: SuiteRun, *, passes: int = 1, alone: bool = False
) -> dict[str, Any] | None:
    """Fill ``run`` from the driver's verify.json (written in the sandbox: shape-checked).

    Returns the parsed report when it had the driver's shape. A test's cases of
    every round and its run alone are one test: it passed when each passed. In
    a run cut at its stop time, a test that did not get all its runs (and
    failed none) is ``unfinished``, not passed.
    """
    try:
        data = json.loads(report.decode("utf-8", "replace"))
        outcomes = data.get("outcomes", {})
        alone = data.get("alone", {})
        errors = data.get("errors", [])
        run.collected = int(data.get("collected", 0))
        if not isinstance(outcomes, dict) or not isinstance(alone, dict):
            raise TypeError("unexpected report shape")
        if not isinstance(errors, list):
            raise TypeError("unexpected report shape")
    except (ValueError, TypeError, AttributeError) as exc:
        run.error = f"unreadable verification report: {exc}"
        return None
    if errors:
        run.error = "the generated module failed to collect: " + str(errors[0])[-500:]
        return data
    unfinished: set[str] = set()
    marks = data.get("marks")
    if isinstance(marks, dict):
        run.marks = {str(k): float(v) for k, v in marks.items() if isinstance(v, int | float)}
    run.started_ahead = data.get("ahead") is True
    if data.get("cut"):
        run.cut = True
        finished, unfinished = finished_tests(data, max(1, passes), alone)
        run.finished = {_test_name(nodeid) for nodeid in finished}
    run.unfinished = {_test_name(nodeid) for nodeid in unfinished}
    passes_seen = by_bare_nodeid(outcomes)
    first = by_bare_nodeid(alone)
    for nodeid in [*passes_seen, *(n for n in first if n not in passes_seen)]:
        if nodeid in unfinished:
            continue
        name = _test_name(nodeid)
        seen = [entry for _, entry in first.get(nodeid, [])]
        seen += [entry for _, entry in passes_seen.get(nodeid, [])]
        kinds = [str(entry[0]) for entry in seen]
        if "failed" in kinds:
            failing = next(e for e in seen if e[0] == "failed")
            message = str(failing[1]) if len(failing) > 1 else ""
            if message.startswith(_ALONE):
                message = f"fails when run alone: {message[len(_ALONE) :]}"
            elif "passed" in kinds:
                message = f"flaky across {len(kinds)} runs in shuffled order: {message}"
            run.failed[name] = message[:500]
        elif kinds and all(kind == "passed" for kind in kinds):
            run.passed.add(name)
    return data


def _test_name(nodeid: str) -> str:
    """``test_generated.py::TestX::test_y[1]`` -> ``TestX::test_y`` (the suite editor's name)."""
    return nodeid.split("::", 1)[-1].split("[")[0]


def _read_coverage(report: bytes, run: SuiteRun) -> None:
    try:
        data = json.loads(report.decode("utf-8", "replace"))
        _coverage_figures(data, run)
    except (ValueError, TypeError, AttributeError, ZeroDivisionError):
        # Written in the sandbox, so possibly not coverage.py's shape: no figures then.
        run.line_percent = run.branch_percent = None


def _coverage_figures(data: dict[str, Any], run: SuiteRun) -> None:
    totals = data.get("totals", {})
    statements = totals.get("num_statements", 0)
    branches = totals.get("num_branches", 0)
    if statements:
        run.line_percent = round(100.0 * totals.get("covered_lines", 0) / statements, 1)
    run.branch_percent = (
        round(100.0 * totals.get("covered_branches", 0) / branches, 1) if branches else 100.0
    )
    for info in data.get("files", {}).values():
        run.missing_lines = sorted(info.get("missing_lines", []))
        run.missing_branches = [tuple(b) for b in info.get("missing_branches", [])]
