"""The container tool's ``pytest`` operation: one announced pytest run in the sandbox.

A run is ``runtime/pytest_runner.run_pytest`` wrapped in bus events: RunStarted,
its output as batched RunOutput events, and RunFinished. The executor, the
validator (through the executor) and ``regoose run`` all run pytest this way,
so the app's log and the session store see every run alike.

The result's output is JSON (what an LLM or an MCP client reads): a short
summary plus the whole PytestReport under ``"report"``. In-process callers use
:func:`report_from_output` (or ``SandboxTool.pytest``) to get the typed
PytestReport back from that same output: one path, no side channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import Field, JsonValue, TypeAdapter

from regoose_tui.bus.events import Event, RunFinished, RunStarted
from regoose_tui.errors import InputError, TargetOutsideProject
from regoose_tui.runtime.base import OutputSink, Runtime, StreamName
from regoose_tui.runtime.pytest_runner import PytestReport, run_pytest
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.tools.base import ToolArgs
from regoose_tui.tools.output_batcher import OutputBatcher

#: The longest pytest run a call may ask for (seconds).
MAX_PYTEST_TIMEOUT = 3600.0
DEFAULT_PYTEST_TIMEOUT = 300.0

#: Statuses where pytest ran and reported every test: the call itself succeeded.
COMPLETED_STATUSES = ("passed", "failed")


class SandboxPytestArgs(ToolArgs):
    """Run pytest in the sandbox under branch coverage; returns every test's outcome."""

    tests: list[str] = Field(
        min_length=1,
        description="Test files or folders, relative to the work folder "
        "(absolute paths must lie in the work folder, the project or a read-only path).",
    )
    cov_source: str | None = Field(
        None, description="File or folder whose coverage is measured, relative to the project."
    )
    timeout: float = Field(
        DEFAULT_PYTEST_TIMEOUT,
        gt=0,
        le=MAX_PYTEST_TIMEOUT,
        description="Wall-clock seconds before pytest is killed.",
    )
    label: str = Field("pytest", description="A short name for the run, shown in the UI.")
    run_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Id of the run's bus events (a fresh one when omitted).",
    )
    rounds: int = Field(
        1,
        ge=1,
        le=10,
        description="Run every test this many times in one session, each round in a "
        "seeded random order (the keep rule uses 3); a test that passes only some "
        "runs is reported flaky.",
    )
    seed: int = Field(0, description="Seed of the rounds' random order (same seed, same order).")
    overlays: dict[str, str] = Field(
        default_factory=dict,
        description="Project test file -> work-folder file seen in its place during the "
        "run (the project's file with new tests added); only where the runtime can.",
    )


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the resolved ``path`` is one of ``roots`` or lies under one."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def allowed_path(raw: str, base: Path, roots: Sequence[Path], what: str) -> Path:
    """``raw`` (relative to ``base``) resolved; refused unless it lands under ``roots``.

    Blocking (it follows symlinks): call it in a thread.
    """
    if "\x00" in raw or not raw.strip():
        raise InputError(f"{what} {raw!r} is not a path")
    resolved = (base / raw).resolve()
    if not inside(resolved, [root.resolve() for root in roots]):
        raise TargetOutsideProject(
            f"{what} '{raw}' is outside the work folder, the project and the read-only paths"
        )
    return resolved


def shown_argv(tests: Sequence[str]) -> tuple[str, ...]:
    """The command line a run is announced with (what the user sees in the log)."""
    return ("pytest", *(PurePosixPath(t).as_posix() for t in tests))


@cache
def _report_adapter() -> TypeAdapter[PytestReport]:
    # Built on first use: pydantic derives the codec from the dataclasses themselves,
    # so a field added to PytestReport travels without touching this module.
    return TypeAdapter(PytestReport)


def report_json(report: PytestReport) -> dict[str, Any]:
    """The PytestReport as JSON-able data (paths as strings, tuples as lists)."""
    data = _report_adapter().dump_python(report, mode="json")
    assert isinstance(data, dict)
    return data


def report_from_output(output: JsonValue) -> PytestReport | None:
    """The typed PytestReport inside a pytest call's output; None when there is none."""
    if not isinstance(output, dict) or not isinstance(output.get("report"), dict):
        return None
    return _report_adapter().validate_python(output["report"])


def pytest_output(report: PytestReport) -> dict[str, Any]:
    """A pytest call's output: the figures a reader wants first, then the whole report."""
    return {
        "status": report.status,
        "reason": report.reason,
        "passed": report.passed,
        "failed": report.failed,
        "errors": report.errors,
        "skipped": report.skipped,
        "line_percent": report.line_percent,
        "branch_percent": report.branch_percent,
        "report": report_json(report),
    }


def summary_line(output: JsonValue) -> str:
    """One line for the ToolResulted event of a pytest call."""
    if not isinstance(output, dict) or "status" not in output:
        return "no report"
    line = output.get("line_percent")
    coverage = f"; {line:.0f}% lines" if isinstance(line, int | float) else ""
    return (
        f"{output['status']}: {output.get('passed', 0)} passed, "
        f"{output.get('failed', 0)} failed, {output.get('errors', 0)} errors{coverage}"
    )


def loads_plugins(python: PythonEnv) -> bool:
    """Whether pytest autoloads the plugins installed beside ``python``.

    The project's own environment (``--python``, its in-project ``.venv``, the
    active VIRTUAL_ENV) keeps its plugins: its tests need their fixtures
    (pytest-benchmark's ``benchmark``, pytest-asyncio's loop). Only Regoose's
    own interpreter runs without them: its plugins (textual snapshots...) only
    slow a run down and no project test asked for them.
    """
    return python.source != "regoose"


async def run_pytest_announced(
    emit: Callable[[Event], object],
    runtime: Runtime,
    python: PythonEnv,
    *,
    run_id: str | None,
    session_id: str | None,
    label: str,
    argv: Sequence[str],
    project_dir: Path,
    work_dir: Path,
    test_paths: Sequence[Path],
    cov_source: Path | None,
    timeout: float = DEFAULT_PYTEST_TIMEOUT,  # noqa: ASYNC109 - a sandbox limit, enforced by the runtime
    on_output: OutputSink | None = None,
    rounds: int = 1,
    seed: int = 0,
    read_only: Sequence[Path] = (),
    overlays: Sequence[tuple[Path, Path]] = (),
) -> PytestReport:
    """Run pytest with ``run_pytest``, publishing RunStarted, RunOutput batches and RunFinished.

    When the run raises (or is cancelled) the output so far is still published
    and no RunFinished is sent: the caller reports how the session ended.
    """
    run_id = run_id or uuid.uuid4().hex[:10]
    emit(
        RunStarted(
            run_id=run_id,
            runtime=runtime.name,
            argv=tuple(argv),
            label=label,
            session_id=session_id,
        )
    )
    batcher = OutputBatcher(emit, run_id, session_id)

    def sink(stream: StreamName, line: str) -> None:
        batcher(stream, line)
        if on_output is not None:
            on_output(stream, line)

    try:
        report = await run_pytest(
            runtime,
            python,
            project_dir=project_dir,
            work_dir=work_dir,
            test_paths=test_paths,
            cov_source=cov_source,
            on_output=sink,
            timeout=timeout,
            autoload_plugins=loads_plugins(python),
            rounds=rounds,
            read_only=read_only,
            seed=seed,
            overlays=overlays,
        )
    finally:
        batcher.flush()
    emit(
        RunFinished(
            run_id=run_id,
            exit_code=report.exit_code,
            timed_out=report.timed_out,
            wall_seconds=report.wall_seconds,
            session_id=session_id,
        )
    )
    return report
