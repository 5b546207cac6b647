"""Analyzer: vet the target, read its structure, and check it imports in the sandbox."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.engine.target import resolve_target
from regoose_tui.errors import TargetImportError
from regoose_tui.providers.base import TargetModule
from regoose_tui.runtime.base import Limits, RunSpec, Runtime
from regoose_tui.runtime.python_env import PythonEnv

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
        runtime: Runtime,
        python: PythonEnv,
        *,
        import_timeout: float = IMPORT_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(context)
        self.runtime = runtime
        self.python = python
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
        with tempfile.TemporaryDirectory(prefix="regoose-import-") as work:
            spec = RunSpec(
                argv=[
                    str(self.python.executable),
                    "-c",
                    f"import importlib; importlib.import_module({target.module!r})",
                ],
                project_dir=target.project_dir,
                work_dir=Path(work),
                env=sandbox_env(self.python, target.project_dir),
                limits=Limits(wall_seconds=self.import_timeout),
                label=f"import {target.module}",
            )
            result = await self.runtime.run(spec)
        if result.timed_out:
            raise TargetImportError(
                f"{target.path}: importing {target.module} did not finish in "
                f"{self.import_timeout:.0f} s (does it run code at import time?)"
            )
        if result.exit_code != 0:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            last = lines[-1].strip() if lines else f"exit code {result.exit_code}"
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
