"""Analyzer: vet the target, read its structure, and check it imports in the sandbox."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.domain.target import TargetModule, resolve_target
from regoose_tui.errors import SandboxError, TargetImportError
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.tools.sandbox import SandboxTool

#: A module that takes longer than this to import is treated as hanging.
IMPORT_TIMEOUT_SECONDS = 20.0


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
    ) -> None:
        super().__init__(context)
        if sandbox.python is None:
            raise ValueError("the analyzer needs a container tool with a Python environment")
        #: The import check runs through the container tool's ``run`` (announced on the bus).
        self.sandbox = sandbox
        self.python: PythonEnv = sandbox.python
        #: Never more than the generation's budget: a hanging import ends the run in time.
        self.import_timeout = max(1.0, min(import_timeout, IMPORT_TIMEOUT_SECONDS))

    async def run(self, value: AnalyzeInput) -> TargetAnalysis:
        target = await asyncio.to_thread(resolve_target, value.target, value.project)
        self.progress(f"{target.module}: {len(target.source.splitlines())} lines")
        from regoose_tui.synth.analysis import analyze_module

        analysis = await asyncio.to_thread(analyze_module, target.source, target.path)
        functions, classes, branches = _counts(analysis)
        self.progress(f"{functions} functions, {classes} classes, {branches} branches")
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
            raise TargetImportError(
                f"{target.path}: importing {target.module} did not finish in "
                f"{self.import_timeout:.0f} s (does it run code at import time?)"
            )
        exit_code = output.get("exit_code")
        if exit_code != 0:
            stderr = str(output.get("stderr") or "")
            lines = [line for line in stderr.strip().splitlines() if line.strip()]
            last = lines[-1].strip() if lines else f"exit code {exit_code}"
            raise TargetImportError(f"{target.path}: importing {target.module} failed: {last}")

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
