"""Executor: run a test module in the sandbox under coverage, streaming its output."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.engine.announced_run import run_pytest_announced
from regoose_tui.providers.base import TargetModule
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.tools.filesystem import FilesystemTool


@dataclass(frozen=True)
class ExecuteInput:
    target: TargetModule
    test_source: str
    file_name: str
    work_dir: Path
    label: str = "tests"
    timeout_seconds: float = 300.0


@dataclass(frozen=True)
class Execution:
    """A finished run: where the module was and what pytest said."""

    test_path: Path
    report: PytestReport


class ExecutorAgent(BaseAgent[ExecuteInput, Execution]):
    """Runs tests in the session's runtime and puts their output on the bus."""

    name = "executor"
    capabilities = ("sandbox-run", "coverage")

    def __init__(self, context: AgentContext, runtime: Runtime, python: PythonEnv) -> None:
        super().__init__(context)
        self.runtime = runtime
        self.python = python

    async def run(self, value: ExecuteInput) -> Execution:
        ctx = self.context
        await asyncio.to_thread(value.work_dir.mkdir, parents=True, exist_ok=True)
        # Through the filesystem tool: confined to the work folder, atomic, and
        # announced on the bus (tool.called / tool.result) like every tool call.
        files = FilesystemTool(value.work_dir, publish=ctx.emit, session_id=ctx.session_id)
        written = await files.execute(
            "write_file", path=value.file_name, content=value.test_source, overwrite=True
        )
        written.unwrap()
        test_path = value.work_dir / value.file_name
        report = await run_pytest_announced(
            ctx.emit,
            self.runtime,
            self.python,
            run_id=uuid.uuid4().hex[:10],
            session_id=ctx.session_id,
            label=value.label,
            argv=("pytest", value.file_name),
            project_dir=value.target.project_dir,
            work_dir=value.work_dir,
            test_paths=[test_path],
            cov_source=value.target.path,
            timeout=value.timeout_seconds,
        )
        return Execution(test_path, report)

    def summarize(self, result: Execution) -> str:
        report = result.report
        return (
            f"{report.passed} passed, {report.failed} failed, {report.errors} errors; "
            f"{report.line_percent or 0:.0f}% lines, {report.branch_percent or 0:.0f}% branches"
        )
