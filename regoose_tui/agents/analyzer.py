"""Analyzer: vet the target, read its structure, and check it imports in the sandbox."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.domain.import_check import (
    IMPORT_TIMEOUT_SECONDS,
    import_failed,
    import_hung,
    import_limit,
)
from regoose_tui.domain.target import TargetModule, resolve_target
from regoose_tui.errors import SandboxError
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.tools.sandbox import SandboxTool


@dataclass(frozen=True)
class AnalyzeInput:
    target: str
    project: str | None


@dataclass(frozen=True)
class TargetAnalysis:
    """The vetted target and what static analysis found in it."""

    target: TargetModule
    functions: int
    classes: int
    branches: int
    analysis: Any


def sandbox_env(python: PythonEnv, project_dir: Path) -> dict[str, str]:
    """PYTHONPATH for code run in the sandbox: the import root, then Regoose's test tools."""
    parts = [str(project_dir), *(str(p) for p in python.extra_pythonpath)]
    return {"PYTHONPATH": os.pathsep.join(parts)}


class AnalyzerAgent(BaseAgent[AnalyzeInput, TargetAnalysis]):
    """Finds functions, classes and branches; refuses targets the engine cannot test."""

    name = "analyzer"
    capabilities = ("ast-analysis", "import-check")

    def __init__(
        self,
        context: AgentContext,
        sandbox: SandboxTool,
        *,
        import_timeout: float = IMPORT_TIMEOUT_SECONDS,
        check_import: bool = True,
    ) -> None:
        super().__init__(context)
        if sandbox.python is None:
            raise ValueError("the analyzer needs a container tool with a Python environment")
        #: The import check runs through the container tool's ``run`` (announced on the bus).
        self.sandbox = sandbox
        self.python: PythonEnv = sandbox.python
        #: Never more than the generation's budget: a hanging import ends the run in time.
        self.import_timeout = import_limit(import_timeout)
        #: False when the provider imports the target in the sandbox itself, first thing
        #: (the offline engine's introspection): the target is imported once, not twice.
        self.check_import = check_import

    async def run(self, value: AnalyzeInput) -> TargetAnalysis:
        target = await asyncio.to_thread(resolve_target, value.target, value.project)
        self.progress(f"{target.module}: {len(target.source.splitlines())} lines")
        from regoose_tui.synth.analysis import analyze_module

        analysis = await asyncio.to_thread(analyze_module, target.source, target.path)
        functions, classes, branches = _counts(analysis)
        self.progress(f"{functions} functions, {classes} classes, {branches} branches")
        if self.check_import:
            await self._check_import(target)
        return TargetAnalysis(target, functions, classes, branches, analysis)

    async def _check_import(self, target: TargetModule) -> None:
        result = await self.sandbox.execute(
            "run",
            argv=[
                str(self.python.executable),
                "-c",
                f"import importlib; importlib.import_module({target.module!r})",
            ],
            env=sandbox_env(self.python, target.project_dir),
            timeout=self.import_timeout,
            label=f"import {target.module}",
        )
        output = result.output if isinstance(result.output, dict) else None
        if output is None:
            # The runtime itself failed (unavailable, refused spec): not the target's fault.
            raise SandboxError(result.error or "the sandbox did not run the import check")
        if output.get("timed_out"):
            raise import_hung(target, self.import_timeout)
        exit_code = output.get("exit_code")
        if exit_code != 0:
            stderr = str(output.get("stderr") or "").strip()
            raise import_failed(target, stderr or f"exit code {exit_code}")

    def summarize(self, result: TargetAnalysis) -> str:
        return (
            f"{result.target.module}: {result.functions} functions, "
            f"{result.classes} classes, {result.branches} branches"
        )


def _counts(analysis: Any) -> tuple[int, int, int]:
    functions = len(getattr(analysis, "functions", ()) or ())
    classes = len(getattr(analysis, "classes", ()) or ())
    branches = int(getattr(analysis, "branch_count", 0) or 0)
    return functions, classes, branches
