"""Run pytest under coverage.py in a sandbox and read back what happened.

One run is one sandboxed command: ``coverage run -m pytest`` (its output
streams live, in colour), with Regoose's pytest plugin (keep_plugin.py)
writing coverage.py's JSON report from inside that session as it ends. Only
when that report is missing (pytest died first) does a second command,
``coverage json``, make it from the data file. The work folder is the
host's: no sandbox ever writes it, the test files there are bound read-only.
Each command gets a fresh private output folder inside it as its only
writable folder (the second one reads the first one's read-only); the
reports are read back with capped no-follow reads off the event loop
(``safe_io``), parsed on the host, then the folders are removed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from regoose_tui.runtime.base import Limits, OutputSink, RunSpec, Runtime, StreamName
from regoose_tui.runtime.keep_runs import fold_runs, read_arcs_by_test
from regoose_tui.runtime.keep_staging import COVERAGE_JSON_ENV, PLUGIN_MODULE, keep_plugin_dir
from regoose_tui.runtime.pytest_coverage import coverage_report
from regoose_tui.runtime.pytest_results import (
    Arc,
    CoverageSummary,
    FileCoverage,
    TestCaseResult,
    expand_test_files,
    parse_junit_bytes,
)
from regoose_tui.runtime.pytest_status import RunStatus, output_tail, run_status
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.runtime.safe_io import (
    DEFAULT_RESULT_CAP,
    UnsafeResultFile,
    private_folder,
    read_result_bytes,
)


@dataclass(frozen=True)
class PytestReport:
    """Everything one sandboxed pytest run told us."""

    status: RunStatus
    reason: str
    tests: list[TestCaseResult]
    exit_code: int | None
    timed_out: bool
    wall_seconds: float
    output_tail: str
    coverage: CoverageSummary | None = None
    cov_source: Path | None = None
    runtime: str = ""
    #: How many times each test ran in this one session (the keep rule runs them 3 times).
    rounds: int = 1
    #: The seed of the rounds' random order (``rounds`` > 1).
    seed: int = 0
    #: Each test's outcome run by run (folded node id -> outcomes), when ``rounds`` > 1.
    runs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The arcs of ``cov_source`` each test reached (by its name in the module), when
    #: ``rounds`` > 1 and coverage ran: the keep rule's "adds coverage" per test.
    arcs_by_test: dict[str, tuple[Arc, ...]] = field(default_factory=dict)

    def _count(self, outcome: str) -> int:
        return sum(1 for t in self.tests if t.outcome == outcome)

    @property
    def passed(self) -> int:
        """Tests that passed."""
        return self._count("passed")

    @property
    def failed(self) -> int:
        """Tests whose assertions failed."""
        return self._count("failed")

    @property
    def errors(self) -> int:
        """Tests (or modules) that errored in setup, teardown or collection."""
        return self._count("error")

    @property
    def skipped(self) -> int:
        """Tests skipped or xfailed."""
        return self._count("skipped")

    @property
    def line_percent(self) -> float | None:
        """Line coverage of ``cov_source``; None when it was not measured."""
        return None if self.coverage is None else self.coverage.line_percent

    @property
    def branch_percent(self) -> float | None:
        """Branch coverage of ``cov_source``; None when not measured or branch-free."""
        return None if self.coverage is None else self.coverage.branch_percent

    @property
    def source_file(self) -> FileCoverage | None:
        """Coverage of ``cov_source`` when it is a single measured file."""
        if self.coverage is None or self.cov_source is None:
            return None
        return self.coverage.files.get(self.cov_source)

    @property
    def missing_lines(self) -> tuple[int, ...]:
        """Lines of the single-file ``cov_source`` never run (see ``coverage.files``)."""
        source = self.source_file
        return source.missing_lines if source else ()

    @property
    def missing_branches(self) -> tuple[Arc, ...]:
        """Branch (from, to) pairs of the single-file ``cov_source`` never taken."""
        source = self.source_file
        return source.missing_branches if source else ()

    @property
    def executed_arcs(self) -> tuple[Arc, ...]:
        """Every arc the run took in the single-file ``cov_source``."""
        source = self.source_file
        return source.executed_arcs if source else ()


def _without_junit_notice(sink: OutputSink | None) -> OutputSink | None:
    """Hide pytest's "generated xml file: <temp path>" line: our report file, not the user's."""
    if sink is None:
        return None

    def forward(stream: StreamName, line: str) -> None:
        if "- generated xml file: " not in line:
            sink(stream, line)

    return forward


def _include_pattern(cov_source: Path) -> str:
    return f"{cov_source}{os.sep}*" if cov_source.is_dir() else str(cov_source)


async def run_pytest(
    runtime: Runtime,
    python: PythonEnv,
    *,
    project_dir: Path,
    work_dir: Path,
    test_paths: Sequence[Path],
    cov_source: Path | None,
    on_output: OutputSink | None = None,
    timeout: float = 300,  # noqa: ASYNC109 - a sandbox limit, enforced by the runtime
    extra_args: Sequence[str] = (),
    limits: Limits | None = None,
    autoload_plugins: bool = True,
    rounds: int = 1,
    seed: int = 0,
    read_only: Sequence[Path] = (),
    overlays: Sequence[tuple[Path, Path]] = (),
) -> PytestReport:
    """Run ``test_paths`` with pytest under branch coverage of ``cov_source`` in ``runtime``.

    Relative ``test_paths`` are taken from ``work_dir``. ``timeout`` is the
    wall-clock limit of the pytest command (it overrides
    ``limits.wall_seconds``). ``autoload_plugins=False`` sets
    PYTEST_DISABLE_PLUGIN_AUTOLOAD (much faster when the interpreter has many
    plugins; name the ones needed in ``extra_args`` as ``-p module``). The
    status separates passed, failed, no tests collected (exit code 5),
    crashed (no JUnit report; the reason quotes the output) and timed out.

    ``rounds`` > 1 runs every test that many times in ONE pytest session, round
    by round, each round in an order shuffled from ``seed`` (Regoose's plugin,
    keep_plugin.py, staged read-only); ``tests`` then holds one folded result a
    test (``runs`` its outcomes run by run, ``arcs_by_test`` what each reached).
    ``read_only``: more host paths the run reads (the project's conftest files).
    ``overlays``: (host file, project file) pairs, each seen in place of the other
    (a runtime with ``overlays_files`` only).
    """
    started = time.monotonic()
    limits = replace(limits or Limits(), wall_seconds=timeout)
    run = await asyncio.to_thread(
        _prepare,
        python,
        project_dir,
        work_dir,
        test_paths,
        cov_source,
        limits,
        rounds,
        seed,
        tuple(read_only),
        tuple(overlays),
    )
    try:
        coverage_args: list[str] = []
        if run.cov_source is not None:
            coverage_args = ["--branch", f"--include={_include_pattern(run.cov_source)}"]
        # Without a source to measure, pytest runs bare (faster, and no coverage warnings).
        measure = ["-m", "coverage", "run", *coverage_args, f"--data-file={run.data_file}"]
        argv = [
            str(python.executable),
            *(measure if run.cov_source is not None else []),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--color=yes",
            f"--junitxml={run.junit}",
            "-o",
            "junit_family=xunit2",
            *(["-p", PLUGIN_MODULE] if rounds > 1 or run.cov_source is not None else []),
            *extra_args,
            *map(str, run.tests),
        ]
        spec = replace(run.base, argv=argv)
        if not autoload_plugins:
            spec = replace(spec, env={**spec.env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        result = await runtime.run(spec, _without_junit_notice(on_output))
        cases, refused = await asyncio.to_thread(_read_junit, run)
        runs: dict[str, tuple[str, ...]] = {}
        if cases and rounds > 1:
            cases, runs = fold_runs(cases)
        status, reason = run_status(result, cases or [], cases is not None, refused)
        coverage: CoverageSummary | None = None
        arcs_by_test: dict[str, tuple[Arc, ...]] = {}
        if run.cov_source is not None and not result.timed_out and not refused:
            coverage, note = await coverage_report(
                runtime,
                python,
                run.base,
                data_file=run.data_file,
                session_json=run.session_json,
                report_dir=run.report_dir,
            )
            if note:
                reason = f"{reason}; {note}"
            elif rounds > 1 and run.cov_source.is_file():
                arcs_by_test = await asyncio.to_thread(
                    read_arcs_by_test, run.data_file, run.cov_source
                )
        return PytestReport(
            status=status,
            reason=reason,
            tests=cases or [],
            exit_code=result.exit_code,
            timed_out=result.timed_out,
            wall_seconds=time.monotonic() - started,
            output_tail=output_tail(result),
            coverage=coverage,
            cov_source=run.cov_source,
            runtime=runtime.name,
            rounds=rounds,
            seed=seed,
            runs=runs,
            arcs_by_test=arcs_by_test,
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, run.artifacts, True)


@dataclass(frozen=True)
class _Run:
    """Resolved paths and the base sandbox spec of one pytest run.

    ``artifacts`` is a private folder of the host's; ``base.work_dir`` (the
    pytest command's writable cwd) and ``report_dir`` (the ``coverage json``
    command's) are fresh folders inside it.
    """

    base: RunSpec
    tests: list[Path]
    cov_source: Path | None
    artifacts: Path
    report_dir: Path

    @property
    def junit(self) -> Path:
        return self.base.work_dir / "junit.xml"

    @property
    def data_file(self) -> Path:
        return self.base.work_dir / "coverage.sqlite"

    @property
    def session_json(self) -> Path:
        """The JSON report the pytest session itself writes (keep_plugin.py)."""
        return self.base.work_dir / "coverage.json"


def _prepare(
    python: PythonEnv,
    project_dir: Path,
    work_dir: Path,
    test_paths: Sequence[Path],
    cov_source: Path | None,
    limits: Limits,
    rounds: int = 1,
    seed: int = 0,
    read_only: tuple[Path, ...] = (),
    overlays: tuple[tuple[Path, Path], ...] = (),
) -> _Run:
    """Resolve paths and make the private output folders (blocking: run in a thread)."""
    project_dir, work_dir = project_dir.resolve(), work_dir.resolve()
    cov_source = cov_source.resolve() if cov_source is not None else None
    tests = [(work_dir / p).resolve() for p in test_paths]
    artifacts = private_folder(work_dir, ".regoose-run-")
    out = private_folder(artifacts, "pytest-")
    report_dir = private_folder(artifacts, "coverage-")
    # The tests are inputs: bound read-only (nothing of a run may change them).
    readable = [
        *python.read_only_paths,
        *tests,
        *([cov_source] if cov_source else []),
        *(p.resolve() for p in read_only),
    ]
    pythonpath = list(python.extra_pythonpath)
    env: dict[str, str] = {}
    if rounds > 1 or cov_source is not None:
        # Regoose's plugin: a read-only copy, last on the path (the user's first).
        plugin = keep_plugin_dir()
        pythonpath.append(plugin)
        readable.append(plugin)
    if rounds > 1:
        env = {"REGOOSE_KEEP_ROUNDS": str(rounds), "REGOOSE_KEEP_SEED": str(seed)}
    if cov_source is not None:
        # The session writes the JSON report itself: no second process for it.
        env[COVERAGE_JSON_ENV] = str(out / "coverage.json")
    base = RunSpec(
        argv=(),
        project_dir=project_dir,
        work_dir=out,
        env={"PYTHONPATH": os.pathsep.join(map(str, pythonpath)), **env},
        limits=limits,
        read_only_paths=tuple(readable),
        label="pytest",
        overlays=tuple((source.resolve(), target.resolve()) for source, target in overlays),
    )
    return _Run(
        base=base, tests=tests, cov_source=cov_source, artifacts=artifacts, report_dir=report_dir
    )


def _read_junit(run: _Run) -> tuple[list[TestCaseResult] | None, str]:
    """The test cases of the JUnit report (None when pytest wrote none) and why it was refused.

    Blocking: run it in a thread.
    """
    try:
        report = read_result_bytes(run.junit, max_bytes=DEFAULT_RESULT_CAP, name="junit.xml")
    except FileNotFoundError:
        return None, ""
    except UnsafeResultFile as exc:
        return None, str(exc)
    if not report:
        return None, ""
    try:
        return parse_junit_bytes(report, expand_test_files(run.tests)), ""
    except ET.ParseError:
        return None, ""  # cut short (a size limit, a full disk): as if pytest wrote none
