"""SandboxTool (the "container" tool): run a command through a sandbox Runtime.

The runtime does the isolation, limits and killing; this tool turns a call
into a RunSpec for the session's project and work folders and the runtime's
RunResult into a ToolResult. Output lines can be streamed as they come
through ``on_output`` (the engine hands in a batcher that publishes them).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.tools.base import Publish, Tool, ToolArgs, ToolResult
from regoose_tui.tools.output import DEFAULT_MAX_OUTPUT, truncate_text

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
    operations: ClassVar[dict[str, type[ToolArgs]]] = {"run": SandboxRunArgs}

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
    ) -> None:
        super().__init__(publish=publish, session_id=session_id)
        self.runtime = runtime
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

    def summarize(self, operation: str, result: ToolResult) -> str:
        if isinstance(result.output, dict):
            code = result.output.get("exit_code")
            return f"exit {code}" + ("" if result.ok else f": {result.error}")
        return super().summarize(operation, result)
