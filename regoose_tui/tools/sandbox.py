"""SandboxTool (the "container" tool): run a command through a sandbox Runtime.

The runtime does the isolation, limits and killing; this tool turns a call
into a RunSpec for the session's project and work folders and the runtime's
RunResult into a ToolResult. Output lines can be streamed as they come
through ``on_output`` (the engine hands in a batcher that publishes them).

The ``pytest`` operation (see tools/sandbox_pytest.py) runs pytest under
coverage with the tool's PythonEnv and announces the run on the bus;
``await tool.pytest(...)`` is the same call with the typed PytestReport back.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from regoose_tui.errors import RegooseError, SandboxError, UsageError
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.tools.base import Publish, Tool, ToolArgs, ToolResult
from regoose_tui.tools.output import DEFAULT_MAX_OUTPUT, truncate_text
from regoose_tui.tools.sandbox_pytest import (
    COMPLETED_STATUSES,
    DEFAULT_PYTEST_TIMEOUT,
    SandboxPytestArgs,
    allowed_path,
    pytest_output,
    report_from_output,
    run_pytest_announced,
    shown_argv,
    summary_line,
)
from regoose_tui.tools.typed_errors import failure_from, raise_for

MAX_TIMEOUT = 3600.0


class SandboxRunArgs(ToolArgs):
    """Run a command in the sandbox: the project is read-only, the work folder writable."""

    argv: list[str] = Field(
        min_length=1, description="Program and arguments, e.g. ['python', '-m', 'pytest']."
    )
    timeout: float | None = Field(
        None, gt=0, le=MAX_TIMEOUT, description="Wall-clock seconds before the command is killed."
    )
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")
    label: str = Field("", description="A short name for the run, shown in the UI.")


class SandboxTool(Tool):
    """Commands run by a sandbox runtime (docker, podman, bwrap or the unisolated local one)."""

    name: ClassVar[str] = "container"
    description: ClassVar[str] = "Run commands (tests) isolated in the sandbox runtime."
    operations: ClassVar[dict[str, type[ToolArgs]]] = {
        "run": SandboxRunArgs,
        "pytest": SandboxPytestArgs,
    }

    def __init__(
        self,
        runtime: Runtime,
        project_dir: Path,
        work_dir: Path,
        *,
        limits: Limits | None = None,
        read_only_paths: tuple[Path, ...] = (),
        on_output: OutputSink | None = None,
        max_output: int | None = DEFAULT_MAX_OUTPUT,
        publish: Publish | None = None,
        session_id: str | None = None,
        python: PythonEnv | None = None,
    ) -> None:
        super().__init__(publish=publish, session_id=session_id)
        self.runtime = runtime
        #: The interpreter the ``pytest`` operation runs (None: that operation is refused).
        self.python = python
        # Runtimes want absolute folders (they mount them).
        self.project_dir = Path(project_dir).absolute()
        self.work_dir = Path(work_dir).absolute()
        self.limits = limits or Limits()
        self.read_only_paths = read_only_paths
        self.on_output = on_output
        self.max_output = max_output

    def spec_for(self, args: SandboxRunArgs) -> RunSpec:
        """The RunSpec a call becomes (its timeout replaces the wall-clock limit)."""
        limits = self.limits
        if args.timeout is not None:
            limits = dataclasses.replace(limits, wall_seconds=args.timeout)
        return RunSpec(
            argv=tuple(args.argv),
            project_dir=self.project_dir,
            work_dir=self.work_dir,
            env=dict(args.env),
            limits=limits,
            read_only_paths=self.read_only_paths,
            label=args.label,
        )

    async def op_run(self, args: SandboxRunArgs) -> ToolResult:
        spec = self.spec_for(args)
        # SandboxError (unavailable, refused spec) becomes a failed result in Tool.execute;
        # cancellation reaches runtime.run, which kills what it started.
        run = await self.runtime.run(spec, self.on_output)
        return self._result(run, spec)

    def _result(self, run: RunResult, spec: RunSpec) -> ToolResult:
        stdout, out_cut = truncate_text(run.stdout, self.max_output)
        stderr, err_cut = truncate_text(run.stderr, self.max_output)
        output: dict[str, Any] = {
            "exit_code": run.exit_code,
            "stdout": stdout,
            "stderr": stderr,
            "timed_out": run.timed_out,
            "killed": run.killed,
            "truncated": out_cut or err_cut,
            "wall_seconds": round(run.wall_seconds, 3),
            "runtime": self.runtime.describe(),
        }
        if run.ok:
            return ToolResult.success(output)
        if run.timed_out:
            return ToolResult.failure(
                f"timed out after {spec.limits.wall_seconds:g}s and was killed", output
            )
        if run.exit_code is None:
            return ToolResult.failure("killed before it exited", output)
        if run.exit_code < 0:
            return ToolResult.failure(f"killed by signal {-run.exit_code}", output)
        return ToolResult.failure(f"exited with code {run.exit_code}", output)

    # --- pytest ----------------------------------------------------------------

    async def op_pytest(self, args: SandboxPytestArgs) -> ToolResult:
        try:
            report = await self._run_pytest(args)
        except RegooseError as error:
            # Keep the class (SandboxUnavailable, TargetOutsideProject...): the CLI's
            # title and exit code depend on it.
            return failure_from(error)
        output = pytest_output(report)
        if report.status in COMPLETED_STATUSES:
            return ToolResult.success(output)
        return ToolResult.failure(report.reason, output)

    async def _run_pytest(self, args: SandboxPytestArgs) -> PytestReport:
        if self.python is None:
            raise UsageError("this container tool has no Python environment for pytest")
        roots = (self.work_dir, self.project_dir, *self.read_only_paths)
        tests, cov_source = await asyncio.to_thread(self._pytest_paths, args, roots)
        overlays = await asyncio.to_thread(self._overlay_paths, args)
        return await run_pytest_announced(
            self._emit,
            self.runtime,
            self.python,
            run_id=args.run_id,
            session_id=self.session_id,
            label=args.label,
            argv=shown_argv(args.tests),
            project_dir=self.project_dir,
            work_dir=self.work_dir,
            test_paths=tests,
            cov_source=cov_source,
            timeout=args.timeout,
            on_output=self.on_output,
            rounds=args.rounds,
            seed=args.seed,
            # The project's test folders, root conftest and settings (src layouts): the
            # conftests and fixtures its own tests use must be there when they run.
            read_only=self.read_only_paths,
            overlays=overlays,
        )

    @property
    def overlays_files(self) -> bool:
        """Whether a run can see a work-folder file in place of a project file."""
        return self.runtime.overlays_files

    def _overlay_paths(self, args: SandboxPytestArgs) -> list[tuple[Path, Path]]:
        """(work-folder file, project file) for each overlay, both confined (blocking)."""
        pairs = []
        for target, source in args.overlays.items():
            shown = [self.project_dir, *self.read_only_paths]
            into = allowed_path(target, self.project_dir, shown, "overlay target")
            seen = allowed_path(source, self.work_dir, [self.work_dir], "overlay file")
            pairs.append((seen, into))
        return pairs

    def _pytest_paths(
        self, args: SandboxPytestArgs, roots: Sequence[Path]
    ) -> tuple[list[Path], Path | None]:
        """The call's test paths and coverage source, resolved and confined (blocking)."""
        tests = [allowed_path(raw, self.work_dir, roots, "test path") for raw in args.tests]
        cov_source = None
        if args.cov_source is not None:
            cov_source = allowed_path(args.cov_source, self.project_dir, roots, "cov_source")
        return tests, cov_source

    async def pytest(
        self,
        tests: Sequence[str | Path],
        *,
        cov_source: str | Path | None = None,
        timeout: float = DEFAULT_PYTEST_TIMEOUT,  # noqa: ASYNC109 - a sandbox limit, enforced by the runtime
        label: str = "pytest",
        run_id: str | None = None,
        rounds: int = 1,
        seed: int = 0,
        overlays: dict[str, str] | None = None,
    ) -> PytestReport:
        """The ``pytest`` operation for in-process callers: events as usual, typed report back.

        A run that produced a report returns it whatever its status (failed tests,
        a crash, a timeout); a call that produced none raises the error it failed
        with (its RegooseError class kept; ToolFailed for bad arguments).
        """
        result = await self.execute(
            "pytest",
            tests=[str(t) for t in tests],
            cov_source=None if cov_source is None else str(cov_source),
            timeout=timeout,
            label=label,
            run_id=run_id,
            rounds=rounds,
            seed=seed,
            overlays=overlays or {},
        )
        report = report_from_output(result.output)
        if report is None:
            raise_for(result)
            raise SandboxError("pytest returned no report")  # an ok result always has one
        return report

    def summarize(self, operation: str, result: ToolResult) -> str:
        if operation == "pytest":
            return summary_line(result.output) + ("" if result.ok else f": {result.error}")
        if isinstance(result.output, dict):
            code = result.output.get("exit_code")
            return f"exit {code}" + ("" if result.ok else f": {result.error}")
        return super().summarize(operation, result)
