"""Run existing tests in the sandbox as a recorded session (`regoose run`, `/run`)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    SessionFinished,
    SessionStarted,
    TestOutcome,
)
from regoose_tui.domain.display import rebase_frames
from regoose_tui.domain.target import find_project_root
from regoose_tui.domain.test_identity import rebase_node_id
from regoose_tui.engine.session_tools import sandbox_of, session_tools
from regoose_tui.errors import RegooseError, TargetNotFound, UsageError
from regoose_tui.reports.documents import RunDocument
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.pytest_results import TestCaseResult
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.sink import store_sink
from regoose_tui.store.store import SessionStore


@dataclass(frozen=True)
class TestRunOutcome:
    """What one run of existing tests gave."""

    __test__ = False

    session_id: str
    runtime: str
    isolated: bool
    status: str
    reason: str | None
    tests: list[TestCaseResult] = field(default_factory=list)
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None
    wall_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The one JSON object of `regoose run --json` (schema: RunDocument)."""
        data: dict[str, Any] = {
            "session_id": self.session_id,
            "runtime": self.runtime,
            "isolated": self.isolated,
            "status": self.status,
            "reason": self.reason,
            "tests": len(self.tests),
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "skipped": self.skipped,
            "line_coverage": None if self.line_percent is None else round(self.line_percent, 1),
            "branch_coverage": None
            if self.branch_percent is None
            else round(self.branch_percent, 1),
            "wall_seconds": round(self.wall_seconds, 2),
            "results": [
                {
                    "nodeid": t.nodeid,
                    "outcome": t.outcome,
                    "duration": t.duration,
                    "message": t.message or None,
                }
                for t in self.tests
            ],
        }
        return RunDocument.model_validate(data).model_dump(mode="json")


#: Markers of a project root, as pytest looks for them.
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini", ".git")


def infer_project(tests: list[Path]) -> Path:
    """The project the tests belong to: the nearest folder above them with a root marker.

    Without one, the folder above the tests' top package (the import root).
    """
    start = tests[0] if tests[0].is_dir() else tests[0].parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder
    return (
        find_project_root(start / "__init__.py")
        if (start / "__init__.py").exists()
        else start.parent
    )


def check_project(project: Path) -> Path:
    """Refuse project folders the sandbox must not mount as the import root."""
    if project == Path(project.anchor) or project in (Path("/dev"), Path("/proc"), Path("/tmp")):
        raise UsageError(f"{project}: cannot be the project folder; pass --project DIR")
    return project


def check_test_paths(paths: list[Path]) -> list[Path]:
    """Resolve test paths; a missing one is a one-line TargetNotFound."""
    for path in paths:
        if not path.exists():
            raise TargetNotFound(f"{path}: no such test file or folder")
    return [p.resolve() for p in paths]


def as_written(case: TestCaseResult, project: Path) -> TestCaseResult:
    """``case`` named as pytest names it from the project root, its frames shown from there.

    The sandbox names files by absolute path and prints frames relative to its
    own working folder; a person (and a rerun) needs both from the project.
    """
    nodeid = rebase_node_id(case.nodeid, case.file, project) if case.file else case.nodeid
    return replace(
        case,
        nodeid=nodeid,
        message=rebase_frames(case.message, project),
        traceback=rebase_frames(case.traceback, project),
    )


async def run_tests(
    paths: list[Path],
    *,
    project: Path,
    runtime: Runtime,
    python: PythonEnv,
    bus: MessageBus,
    store: SessionStore,
    cov: Path | None = None,
) -> TestRunOutcome:
    """Run ``paths`` with pytest in ``runtime``, publishing and recording everything."""
    tests = check_test_paths(paths)
    started = time.monotonic()
    target = " ".join(str(t) for t in tests)
    session_id = await store.create_session(
        target=target,
        project=str(project),
        provider="-",
        runtime=runtime.name,
        kind="run",
        isolated=runtime.isolated,
    )
    tap = bus.tap(store_sink(store, session_id), name="store")
    try:
        bus.publish_nowait(
            SessionStarted(
                target=target,
                project=str(project),
                provider="-",
                runtime=runtime.name,
                isolated=runtime.isolated,
                session_id=session_id,
            )
        )
        try:
            # Absolute before it reaches the tool (a relative --cov means the cwd's).
            cov_path = await asyncio.to_thread(cov.resolve) if cov is not None else None
            with tempfile.TemporaryDirectory(prefix="regoose-run-") as work:
                # The same container-tool pytest path as a generation's executor; the
                # user's tests and --cov are named read-only paths, so the tool lets
                # the call name them wherever they are.
                tools = await asyncio.to_thread(
                    session_tools,
                    runtime,
                    python,
                    project_dir=project,
                    work_dir=Path(work),
                    publish=bus.publish_nowait,
                    session_id=session_id,
                    read_only_paths=(*tests, *([cov_path] if cov_path else [])),
                )
                report = await sandbox_of(tools).pytest(
                    tests, cov_source=cov_path, label="run", run_id=session_id
                )
        except (Exception, asyncio.CancelledError) as error:
            cancelled = isinstance(error, asyncio.CancelledError)
            status = "cancelled" if cancelled else "error"
            if cancelled:
                reason = "cancelled by the user"
            elif isinstance(error, RegooseError):
                reason = str(error)
            else:
                reason = f"internal error: {type(error).__name__}: {error}"
            bus.publish_nowait(SessionFinished(status=status, reason=reason, session_id=session_id))
            await tap.join()
            await store.finish_session(session_id, status, reason)
            raise
        cases = [as_written(case, project) for case in report.tests]
        for case in cases:
            bus.publish_nowait(
                TestOutcome(
                    nodeid=case.nodeid,
                    outcome=case.outcome,
                    duration=case.duration,
                    message=case.message or None,
                    session_id=session_id,
                )
            )
        bad = report.failed + report.errors
        status = "passed" if report.tests and not bad and not report.timed_out else "failed"
        reason = None if status == "passed" else report.reason
        wall = time.monotonic() - started
        await store.record_results(
            session_id,
            [(c.nodeid, c.outcome, c.duration, c.message or None) for c in cases],
        )
        bus.publish_nowait(
            SessionFinished(status=status, reason=reason, wall_seconds=wall, session_id=session_id)
        )
        await tap.join()
        await store.finish_session(
            session_id,
            status,
            reason,
            line_percent=report.line_percent if cov else None,
            branch_percent=report.branch_percent if cov else None,
            tests=len(report.tests),
            passed=report.passed,
            failed=bad,
            wall_seconds=wall,
        )
    finally:
        await tap.aclose()
    return TestRunOutcome(
        session_id=session_id,
        runtime=runtime.name,
        isolated=runtime.isolated,
        status=status,
        reason=reason,
        tests=cases,
        passed=report.passed,
        failed=report.failed,
        errors=report.errors,
        skipped=report.skipped,
        line_percent=report.line_percent if cov else None,
        branch_percent=report.branch_percent if cov else None,
        wall_seconds=wall,
    )
