"""The embedded offline provider: real test synthesis, no LLM, no network.

``generate`` runs the synthesis engine (regoose_tui.synth) against the
target through the request's container tool. ``chat`` cannot hold a free-form
conversation; it says so, plainly, and says what it can do instead.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from regoose_tui.providers.base import ChatTurn, GenerationRequest, GenerationResult, Provider
from regoose_tui.synth.engine import synthesize
from regoose_tui.tools.sandbox import SandboxTool

_REPLY = (
    "I am the offline provider: I work without a language model or network. "
    "I can generate pytest tests for a Python file (`/generate path/to/module.py`), "
    "run tests in the sandbox (`/run`), and explain a failing test from its traceback. "
    "Free-form questions need an LLM provider, for example "
    "`--provider openai/gpt-4o-mini` (or another LiteLLM model string)."
)


class OfflineProvider(Provider):
    """Writes tests by analysing and executing the target (see regoose_tui.synth)."""

    name = "offline"
    needs_network = False
    #: The engine's introspection is its first sandbox run (synth/probe.py).
    imports_target = True
    #: A round after a flat one explores the same code with other random draws and asks
    #: CrossHair about the same open branches: measured on held-out modules it found
    #: nothing the flat round had not, for another round's whole time.
    flat_rounds_to_stop = 1

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        """Synthesize one pytest module for ``request.target`` within its budget."""
        sandbox = request.tools.typed(SandboxTool.name, SandboxTool)
        work_dir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="regoose-synth-"))
        try:
            result = await synthesize(
                request.target,
                sandbox,
                budget_seconds=request.budget_seconds,
                verify_seconds=request.verify_seconds,
                work_dir=work_dir,
                progress=request.progress,
                feedback=request.feedback if request.iteration > 1 else None,
                baseline=request.baseline,
                only=request.only,
                seed=request.seed,
                # A later round draws other random combinations than the first.
                variant=request.iteration - 1,
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, work_dir, True)
        return GenerationResult(
            test_source=result.test_source,
            notes=result.notes,
            extra={
                "origin": "offline",
                "tests": result.tests,
                "line_percent": result.line_percent,
                "branch_percent": result.branch_percent,
                "candidates_tried": result.candidates_tried,
                "dropped_tests": result.dropped_tests,
                "missing_lines": list(result.missing_lines),
                "wall_seconds": result.wall_seconds,
                "suspects": result.suspects,
                # The keep session the module already passed (agents/keep_reuse.py).
                "verified": result.verified,
                # Beside the project's tests, no probed call reached what they miss.
                "nothing_new": result.nothing_new,
            },
        )

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        """An honest, short reply in fragments: what offline can and cannot do."""
        for sentence in _REPLY.split(". "):
            yield sentence if sentence.endswith(".") else sentence + ". "
            await asyncio.sleep(0)
