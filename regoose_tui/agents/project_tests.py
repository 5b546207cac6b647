"""Project tests: run the project's own tests for the target under coverage.

Before generation (the baseline) this says what the project's suite already
covers, so the generator aims at what it misses; after generation (the final
check) the same tests run together with the new file in one run, which gives
the final coverage and shows the existing suite still passes beside it.
Tests that fail before generation are counted and said once: they never stop
the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.agents.validator import branch_percent, line_percent
from regoose_tui.bus.events import SuiteMeasured
from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.pytest_results import Arc
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.sandbox import SandboxTool

#: Wall-clock limit of one run of the project's tests for a module.
SUITE_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class SuiteRun:
    """One run of the project's tests (and, in the final check, the new file)."""

    stage: str
    files: tuple[Path, ...]
    tests: int = 0
    failed: tuple[str, ...] = ()
    line_percent: float = 0.0
    branch_percent: float = 0.0
    missing_lines: tuple[int, ...] = ()
    missing_branches: tuple[Arc, ...] = ()
    executed_arcs: tuple[Arc, ...] = ()
    #: Why the run gave no figures ("" when it did, or when there was nothing to run).
    note: str = ""

    @property
    def measured(self) -> bool:
        """True when project tests ran (an empty baseline covers nothing, measured or not)."""
        return bool(self.files) and not self.note

    def feedback(self) -> Feedback | None:
        """What the generator's first round aims at: the lines and branches left missed."""
        if not self.measured:
            return None
        return Feedback(
            missing_lines=self.missing_lines,
            missing_branches=self.missing_branches,
            covered_arcs=self.executed_arcs,
            line_percent=self.line_percent,
            branch_percent=self.branch_percent,
        )


#: Where the final check's copy of the new suite goes, in the session's work folder.
_FOLDER = PurePosixPath("project-tests")


@dataclass(frozen=True)
class SuiteInput:
    target: TargetModule
    #: The project's test files for the target (absolute paths).
    files: tuple[Path, ...]
    stage: str = "baseline"
    #: The final check only: the kept suite, and the name it runs under.
    new_source: str = ""
    new_name: str = ""
    folder: PurePosixPath = _FOLDER
    #: Wall-clock seconds the run may take.
    timeout: float = SUITE_TIMEOUT_SECONDS
    #: The final check of a suite joined into the project's own test file: (that
    #: file, its text with the new classes). Where the runtime can, the run sees
    #: that text in place of the file, so it measures what will be written.
    joined: tuple[Path, str] | None = None


class ProjectTestsAgent(BaseAgent[SuiteInput, SuiteRun]):
    """Runs the project's tests for the target in the sandbox, with coverage of it."""

    name = "project-tests"
    capabilities = ("sandbox-run", "coverage", "baseline")

    def __init__(self, context: AgentContext, files: FilesystemTool, sandbox: SandboxTool) -> None:
        super().__init__(context)
        self.files = files
        self.sandbox = sandbox

    async def run(self, value: SuiteInput) -> SuiteRun:
        module = value.target.module
        if not value.files:
            self.progress(f"no test of the project imports {module}")
            return self._announce(value, SuiteRun(value.stage, ()))
        paths = [str(path) for path in value.files]
        overlays: dict[str, str] = {}
        if value.joined is not None and self.sandbox.overlays_files:
            host, text = value.joined
            relative = (value.folder / host.name).as_posix()
            await self._write(relative, text)
            overlays[str(host)] = relative
            if str(host) not in paths:
                paths.append(str(host))
            self.progress(f"{host.name} runs as it will be written (the new classes in it)")
        elif value.new_source:
            if value.joined is not None:
                self.progress(
                    f"{self.sandbox.runtime.name} cannot show {value.joined[0].name} with the "
                    "new classes in place of the project's: the new tests ran beside it"
                )
            relative = (value.folder / value.new_name).as_posix()
            await self._write(relative, value.new_source)
            paths.append(relative)
        else:
            self.progress(f"{len(value.files)} test files of the project import {module}")
        report = await self.sandbox.pytest(
            paths,
            cov_source=value.target.path,
            timeout=value.timeout,
            label="project tests" if value.stage == "baseline" else "whole suite",
            overlays=overlays,
        )
        result = _suite_run(value, report)
        if result.failed and value.stage == "baseline":
            self.progress(
                f"{len(result.failed)} of the project's tests fail before generation "
                f"({', '.join(result.failed[:3])}{', ...' if len(result.failed) > 3 else ''})"
            )
        return self._announce(value, result)

    async def _write(self, relative: str, content: str) -> None:
        written = await self.files.execute(
            "write_file", path=relative, content=content, overwrite=True
        )
        written.unwrap()

    def _announce(self, value: SuiteInput, result: SuiteRun) -> SuiteRun:
        self.context.emit(
            SuiteMeasured(
                target=str(value.target.path),
                stage="final" if value.stage == "final" else "baseline",
                line_percent=result.line_percent,
                branch_percent=result.branch_percent,
                tests=result.tests,
                failed=len(result.failed),
                files=tuple(str(path) for path in result.files),
                note=result.note,
                session_id=self.context.session_id,
            )
        )
        return result

    def summarize(self, result: SuiteRun) -> str:
        if not result.files:
            return "no project tests for this module"
        if result.note:
            return result.note
        failing = f", {len(result.failed)} failing" if result.failed else ""
        return (
            f"{result.tests} tests{failing}; {result.line_percent:.0f}% lines, "
            f"{result.branch_percent:.0f}% branches"
        )


def _suite_run(value: SuiteInput, report: PytestReport) -> SuiteRun:
    failed = tuple(case.nodeid for case in report.tests if case.outcome in ("failed", "error"))
    note = ""
    if report.status in ("error", "timed_out", "no_tests") or report.coverage is None:
        note = f"the project's tests gave no coverage: {report.reason}"
    return SuiteRun(
        stage=value.stage,
        files=value.files,
        tests=len(report.tests),
        failed=failed,
        line_percent=line_percent(report),
        branch_percent=branch_percent(report),
        missing_lines=tuple(report.missing_lines),
        missing_branches=tuple(report.missing_branches),
        executed_arcs=tuple(report.executed_arcs),
        note=note,
    )
