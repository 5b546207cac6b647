"""Tokens and cost of each model call, and the running totals of a provider.

The usage block of the stream's last chunk (asked for with
``stream_options.include_usage``) is preferred: the server's own count, or
LiteLLM's when the server sent none. A stream with no usage at all is
counted with ``litellm.token_counter``. Prices come from LiteLLM's local
cost map; a model it has no price for costs ``None`` (unknown), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regoose_tui.providers.llm.loader import litellm as load_litellm

FROM_STREAM = "stream"
COUNTED = "counted"


@dataclass(frozen=True)
class CallUsage:
    """The tokens and cost of one successful call."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    source: str = FROM_STREAM

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class UsageTotals:
    """What a provider has spent so far (calls that failed cost nothing here)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    #: Calls whose price is unknown; while > 0 ``cost_usd`` is a lower bound.
    unpriced_calls: int = 0

    def add(self, usage: CallUsage) -> None:
        """Count one call."""
        self.calls += 1
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if usage.cost_usd is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += usage.cost_usd

    @property
    def cost_known(self) -> bool:
        return self.unpriced_calls == 0


def measure_usage(
    model: str,
    messages: Sequence[dict[str, Any]],
    completion: str,
    server_usage: Any | None,
) -> CallUsage:
    """The usage of one call (blocking tokenizer work: run it in a thread)."""
    litellm = load_litellm()

    prompt = getattr(server_usage, "prompt_tokens", None) if server_usage else None
    answer = getattr(server_usage, "completion_tokens", None) if server_usage else None
    source = FROM_STREAM
    if not isinstance(prompt, int) or not isinstance(answer, int):
        source = COUNTED
        prompt = litellm.token_counter(model=model, messages=list(messages))
        answer = litellm.token_counter(model=model, text=completion) if completion else 0
    return CallUsage(model, prompt, answer, price(model, prompt, answer), source)


def price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for these tokens from LiteLLM's local cost map, or None when it has no price."""
    litellm = load_litellm()
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # LiteLLM raises a bare Exception for a model it has no entry for
        return None
    return float(prompt_cost) + float(completion_cost)
