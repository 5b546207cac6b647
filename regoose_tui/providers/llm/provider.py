"""LiteLLMProvider: any LiteLLM model writes, repairs and grows the tests, and chats.

``generate`` builds the prompt the request calls for (first round, repair or
coverage growth, see messages.py), makes one streamed call, parses the
answer, and when it holds no usable code asks once more with the stricter
prompt. The result carries the tokens and cost of every call it made.
``chat`` streams a reply to the conversation, trimmed to the model's window.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from regoose_tui.providers.base import (
    ChatTurn,
    GenerationRequest,
    GenerationResult,
    Provider,
    Spent,
)
from regoose_tui.providers.llm.client import CallSettings, Completion, LLMClient, TokenSink
from regoose_tui.providers.llm.loader import warm_up
from regoose_tui.providers.llm.messages import generation_messages, strict_retry
from regoose_tui.providers.llm.parse import parse_answer
from regoose_tui.providers.llm.prompts import render

#: Observed behaviour of the target (calls, return values, exceptions) for the prompt.
FactsSource = Callable[[GenerationRequest], Sequence[str]]
#: Context window assumed when LiteLLM does not know the model (local servers).
DEFAULT_WINDOW = 8192
#: Tokens kept free for the reply when trimming the history.
REPLY_RESERVE = 1024


class LiteLLMProvider(Provider):
    """A provider backed by a LiteLLM model string and its fallbacks."""

    needs_network = True

    def __init__(
        self,
        settings: CallSettings,
        *,
        facts: FactsSource | None = None,
        on_token: TokenSink | None = None,
        client: LLMClient | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.model
        self.client = client or LLMClient(settings)
        self._facts = facts
        #: Where generation tokens go as they arrive (the chat shows them).
        self.on_token = on_token

    def set_facts(self, facts: FactsSource | None) -> None:
        """Where observed behaviour for the prompts comes from (the hybrid strategy sets it)."""
        self._facts = facts

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        """One pytest module for ``request.target`` (empty source + notes when none came)."""
        facts = tuple(self._facts(request)) if self._facts else ()
        kind, messages = generation_messages(request, facts)
        if request.progress:
            request.progress(f"asking {self.name} ({kind.replace('_', ' ')})")
        calls = [await self.client.complete(messages, on_token=self.on_token)]
        parsed = parse_answer(calls[0].text)
        if not parsed.usable:
            if request.progress:
                request.progress(f"no usable code ({parsed.problem}); asking once more")
            retry = strict_retry(messages, calls[0].text, parsed.problem, request.target.module)
            calls.append(await self.client.complete(retry, on_token=self.on_token))
            parsed = parse_answer(calls[-1].text)
        notes = f"{kind} by {calls[-1].model}"
        if not parsed.usable:
            notes = f"{calls[-1].model} gave no usable test code after a stricter retry: {parsed.problem}"
        elif parsed.salvaged:
            notes += " (answer was cut off; kept its complete part)"
        return _result(parsed.source, notes, kind, calls, parsed.tests)

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        """The reply's fragments as the model streams them."""
        messages = await self.chat_messages(turns)
        async for piece in self.client.stream(messages):
            yield piece

    def set_cost_cap(self, usd: float | None) -> None:
        """Every call checks ``--max-cost`` first (the strict retry included)."""
        self.client.cost_cap_usd = usd

    def spent(self) -> Spent:
        """The client's running totals (priced calls only in the cost)."""
        totals = self.client.totals
        return Spent(totals.prompt_tokens, totals.completion_tokens, totals.cost_usd)

    async def chat_messages(self, turns: Sequence[ChatTurn]) -> list[dict[str, str]]:
        """System prompt + the most recent turns that fit the model's window."""
        await warm_up()
        system = {"role": "system", "content": render("chat_system")}
        history = [{"role": t.role, "content": t.content} for t in turns]
        return await asyncio.to_thread(_trim, self.settings.model, system, history)


def _result(
    source: str, notes: str, kind: str, calls: list[Completion], tests: tuple[str, ...]
) -> GenerationResult:
    costs = [c.usage.cost_usd for c in calls]
    return GenerationResult(
        test_source=source,
        notes=notes,
        prompt_tokens=sum(c.usage.prompt_tokens for c in calls),
        completion_tokens=sum(c.usage.completion_tokens for c in calls),
        cost_usd=sum(c for c in costs if c is not None),
        extra={
            "origin": "llm",
            "prompt": kind,
            "model": calls[-1].model,
            "calls": len(calls),
            "attempts": sum(c.attempts for c in calls),
            # None: LiteLLM has no price for the model; cost_usd then counts only priced calls.
            "cost_known": all(c is not None for c in costs),
            "tests": list(tests),
        },
    )


def _trim(
    model: str, system: dict[str, str], history: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Drop the oldest turns until the prompt fits; the latest turn is always kept."""
    from regoose_tui.providers.llm.loader import litellm

    module = litellm()
    budget = _window(module, model) - REPLY_RESERVE
    kept = list(history)
    while len(kept) > 1 and _count(module, model, [system, *kept]) > budget:
        kept.pop(0)
    return [system, *kept]


def _window(module: Any, model: str) -> int:
    try:
        info = module.get_model_info(model)
    except Exception:  # LiteLLM raises a bare Exception for a model it does not know
        return DEFAULT_WINDOW
    window = info.get("max_input_tokens") or info.get("max_tokens")
    return int(window) if window else DEFAULT_WINDOW


def _count(module: Any, model: str, messages: list[dict[str, str]]) -> int:
    return int(module.token_counter(model=model, messages=messages))
