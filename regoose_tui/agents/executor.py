"""Executor: run a test module in the sandbox under coverage, streaming its output."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.agents.keep_reuse import verified_keep_session
from regoose_tui.domain.suite_edit import collected_names
from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import RegooseError
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.sandbox import SandboxTool


@dataclass(frozen=True)
class ExecuteInput:
    """One module to run: its source, its file name, and the folder it goes in.

    ``folder`` is relative to the session's work folder (the filesystem tool's
    root and the container tool's writable folder are that same folder).
    """

    target: TargetModule
    test_source: str
    file_name: str
    folder: PurePosixPath
    label: str = "tests"
    timeout_seconds: float = 300.0
    #: Runs of every test in the one session (3 for the keep rule), in seeded random order.
    rounds: int = 1
    seed: int = 0
    #: The keep session the offline engine already ran on ``test_source``
    #: (synth.keep_session.VerifiedSuite, from the provider): used instead of a run
    #: when it followed the same rules (agents/keep_reuse.verified_keep_session).
    verified: object = None


@dataclass(frozen=True)
class Execution:
    """A finished run: where the module was and what pytest said."""

    test_path: Path
    report: PytestReport


def might_hold_tests(source: str) -> bool:
    """False only for a module that parses and holds neither a test function nor a class."""
    try:
        tree = ast.parse(source)
        names = collected_names(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError, RegooseError):
        return True  # pytest says what is wrong with it
    return bool(names) or any(isinstance(node, ast.ClassDef) for node in ast.walk(tree))


def _nothing_to_run(rounds: int) -> PytestReport:
    return PytestReport(
        status="no_tests",
        reason="the module holds no test: nothing to run",
        tests=[],
        exit_code=None,
        timed_out=False,
        wall_seconds=0.0,
        output_tail="",
        rounds=rounds,
    )


class ExecutorAgent(BaseAgent[ExecuteInput, Execution]):
    """Runs tests through the container tool; the run and its output go on the bus."""

    name = "executor"
    capabilities = ("sandbox-run", "coverage")

    def __init__(self, context: AgentContext, files: FilesystemTool, sandbox: SandboxTool) -> None:
        super().__init__(context)
        if files.root != sandbox.work_dir.resolve():
            # The module is written by one tool and run by the other: one folder for both.
            raise ValueError(
                f"the filesystem tool's root {files.root} is not the sandbox's work "
                f"folder {sandbox.work_dir}"
            )
        self.files = files
        self.sandbox = sandbox

    async def run(self, value: ExecuteInput) -> Execution:
        relative = (value.folder / value.file_name).as_posix()
        # Through the filesystem tool: confined to the work folder, atomic, and
        # announced on the bus (tool.called / tool.result) like every tool call.
        written = await self.files.execute(
            "write_file", path=relative, content=value.test_source, overwrite=True
        )
        written.unwrap()
        if not might_hold_tests(value.test_source):
            # Nothing pytest could collect (an offline round that found no new call):
            # say so at once instead of starting a sandbox to hear exit code 5.
            return Execution(self.files.root / relative, _nothing_to_run(value.rounds))
        path = self.files.root / relative
        trusted = verified_keep_session(
            value.verified, value.test_source, rounds=value.rounds, seed=value.seed, test_path=path
        )
        if trusted is not None:
            self.progress(
                f"{len(trusted.tests)} tests already passed this keep session in the sandbox "
                f"({trusted.rounds} runs in random order, seed {trusted.seed}, and each alone): "
                "not run again"
            )
            return Execution(path, trusted)
        report = await self.sandbox.pytest(
            [relative],
            cov_source=value.target.path,
            timeout=value.timeout_seconds,
            label=value.label,
            rounds=value.rounds,
            seed=value.seed,
        )
        return Execution(path, report)

    def summarize(self, result: Execution) -> str:
        report = result.report
        return (
            f"{report.passed} passed, {report.failed} failed, {report.errors} errors; "
            f"{report.line_percent or 0:.0f}% lines, {report.branch_percent or 0:.0f}% branches"
        )
