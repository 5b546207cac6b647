"""The hybrid strategy: the offline engine does the cheap part, the model only what is missed.

Iteration 1 runs the offline engine (no network, no tokens). From then on
the validator's Feedback (failures, missed lines and branches) goes to the
LiteLLM provider, with what the offline engine observed (calls, return
values, raised exceptions) as facts in the prompt, so the model is told
what the code does instead of guessing it. When the offline engine finds
nothing to keep, the model is asked at once, in the same iteration.
Each result says in ``extra["origin"]`` which side wrote it.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from regoose_tui.providers.base import (
    ChatTurn,
    GenerationRequest,
    GenerationResult,
    Provider,
    Spent,
)
from regoose_tui.providers.llm.loader import warm_up
from regoose_tui.providers.llm.provider import LiteLLMProvider

OFFLINE_ORIGIN = "offline"
LLM_ORIGIN = "llm"
#: Facts beyond this many make the prompt longer without telling the model much more.
MAX_FACTS = 40


class HybridProvider(Provider):
    """Offline first, then the model for what the offline tests left missed or failing."""

    needs_network = True
    strategy = "hybrid"

    def __init__(self, offline: Provider, llm: LiteLLMProvider) -> None:
        self.offline = offline
        self.llm = llm
        self.name = llm.name
        # Iteration 1 is always the offline engine's: when it imports the target first,
        # the analyzer's own import run would be a second import of the same module.
        self.imports_target = offline.imports_target
        #: What the offline engine saw per target, for the model's later prompts.
        self._facts: dict[Path, tuple[str, ...]] = {}
        self._warming: asyncio.Task[None] | None = None
        llm.set_facts(self.facts_for)

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        """Offline in iteration 1 (the model too if that found nothing); the model after."""
        if request.iteration == 1:
            if self._warming is None:
                # The model is usually asked next: import LiteLLM (seconds) in a worker
                # thread while the offline engine's runs are in the sandbox.
                self._warming = asyncio.create_task(_warm_quietly())
            result = await self.offline.generate(request)
            self._facts[request.target.path] = observed_facts(result.test_source)
            if result.test_source.strip():
                return _with_origin(result, OFFLINE_ORIGIN)
            if request.progress:
                request.progress(f"offline engine found no tests; asking {self.llm.name}")
        return _with_origin(await self.llm.generate(request), LLM_ORIGIN)

    def facts_for(self, request: GenerationRequest) -> Sequence[str]:
        """The offline engine's observations for the request's target (none before it ran)."""
        facts = self._facts.get(request.target.path)
        if facts is None and request.feedback is not None:
            facts = observed_facts(request.feedback.kept_test_source)
        return facts or ()

    def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        """Conversation is the model's job."""
        return self.llm.chat(turns)

    def spent(self) -> Spent:
        """Only the model costs anything."""
        return self.llm.spent()

    def set_cost_cap(self, usd: float | None) -> None:
        """The model's calls check the cap; the offline engine costs nothing."""
        self.llm.set_cost_cap(usd)


async def _warm_quietly() -> None:
    # A failed import shows at the model's first call, with its own clear error.
    with contextlib.suppress(Exception):
        await warm_up()


def _with_origin(result: GenerationResult, origin: str) -> GenerationResult:
    return GenerationResult(
        test_source=result.test_source,
        notes=result.notes,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        cost_usd=result.cost_usd,
        extra={**result.extra, "origin": origin},
    )


def observed_facts(test_source: str, limit: int = MAX_FACTS) -> tuple[str, ...]:
    """What passing tests show the code does: "`f(1) == 2` holds", "`f(-1)` raises ValueError".

    The offline engine's assertions are observed values (run twice to be sure
    they are deterministic), so they read as facts about the code, not guesses.
    """
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return ()
    facts: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            facts.append(f"`{ast.unparse(node.test)}` holds")
        elif isinstance(node, ast.With | ast.AsyncWith):
            raised = _raised(node)
            if raised:
                calls = "; ".join(ast.unparse(stmt) for stmt in node.body)
                facts.append(f"`{calls}` raises {raised}")
        if len(facts) >= limit:
            break
    return tuple(dict.fromkeys(facts))


def _raised(node: ast.With | ast.AsyncWith) -> str:
    """The exception of a ``with pytest.raises(E, ...)`` block, or ""."""
    for item in node.items:
        expr = item.context_expr
        if isinstance(expr, ast.Call) and ast.unparse(expr.func).endswith("raises") and expr.args:
            return ast.unparse(expr.args[0])
    return ""
