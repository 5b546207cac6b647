"""Generator: ask the provider for one pytest module for the target."""

from __future__ import annotations

from dataclasses import dataclass

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.bus.events import ProviderUsage
from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.suite_edit import list_test_names
from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import BadModelOutput
from regoose_tui.providers.base import GenerationRequest, GenerationResult, Provider
from regoose_tui.tools.registry import ToolRegistry


@dataclass(frozen=True)
class GenerateInput:
    target: TargetModule
    iteration: int
    budget_seconds: float
    feedback: Feedback | None = None
    #: What the project's own tests already cover (see GenerationRequest.baseline).
    baseline: Feedback | None = None
    #: Only these functions and methods (see GenerationRequest.only).
    only: tuple[str, ...] = ()
    #: The project's own instructions for the generator ([tool.regoose] instructions).
    instructions: str = ""
    #: --seed N: a reproducible offline run (see GenerationRequest.seed).
    seed: int | None = None
    #: How far the provider's own verification may run (see GenerationRequest.verify_seconds).
    verify_seconds: float | None = None


class GeneratorAgent(BaseAgent[GenerateInput, GenerationResult]):
    """Writes candidate tests through the session's provider."""

    name = "generator"
    capabilities = ("write-tests",)

    def __init__(self, context: AgentContext, provider: Provider, tools: ToolRegistry) -> None:
        super().__init__(context)
        self.provider = provider
        #: The session's tools, handed to the provider with every request.
        self.tools = tools

    async def run(self, value: GenerateInput) -> GenerationResult:
        request = GenerationRequest(
            target=value.target,
            tools=self.tools,
            iteration=value.iteration,
            budget_seconds=value.budget_seconds,
            feedback=value.feedback,
            progress=self.progress,
            baseline=value.baseline,
            only=value.only,
            instructions=value.instructions,
            seed=value.seed,
            verify_seconds=value.verify_seconds,
        )
        result = await self.provider.generate(request)
        # Tokens were spent even when the answer held no code: count them first.
        if result.prompt_tokens or result.completion_tokens or result.cost_usd:
            model = result.extra.get("model")
            self.context.emit(
                ProviderUsage(
                    provider=self.provider.name,
                    model=model if isinstance(model, str) else None,
                    prompt_tokens=result.prompt_tokens,
                    completion_tokens=result.completion_tokens,
                    cost_usd=result.cost_usd,
                    session_id=self.context.session_id,
                )
            )
        if not result.test_source.strip():
            # The provider's notes say why (e.g. "no usable test code after a stricter retry").
            reason = result.notes.strip() or f"{self.provider.name} returned no test code"
            raise BadModelOutput(reason)
        return result

    def summarize(self, result: GenerationResult) -> str:
        try:
            count = len(list_test_names(result.test_source))
        except SyntaxError:
            return "candidate module does not parse"
        return f"{count} candidate tests"
