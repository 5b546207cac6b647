"""Token and cost accounting per call and in the running totals."""

from __future__ import annotations

import pytest
from support.openai_server import Answer

from regoose_tui.providers.llm.accounting import COUNTED, FROM_STREAM, measure_usage, price
from regoose_tui.providers.llm.client import LLMClient

HELLO = [{"role": "user", "content": "count me"}]


async def test_usage_from_the_last_chunk_and_price_from_the_local_map(server, settings) -> None:
    # gpt-4o-mini is in LiteLLM's bundled price list; the call still goes to our server.
    server.push(Answer("a b", prompt_tokens=1000, completion_tokens=200))
    client = LLMClient(settings("openai/gpt-4o-mini"))
    completion = await client.complete(HELLO)
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.source) == (1000, 200, FROM_STREAM)
    assert usage.cost_usd is not None and usage.cost_usd > 0
    # The price is linear in the tokens: 10x the tokens cost 10x.
    assert price("openai/gpt-4o-mini", 10_000, 2000) == pytest.approx(usage.cost_usd * 10)


async def test_a_server_without_usage_still_gets_counted(server, settings) -> None:
    server.push(Answer("one two three four five six", omit_usage=True))
    usage = (await LLMClient(settings()).complete(HELLO)).usage
    # LiteLLM fills the stream's usage in itself when the server sends none.
    assert usage.prompt_tokens >= 3 and 3 <= usage.completion_tokens <= 12


async def test_no_usage_at_all_falls_back_to_the_tokenizer(server, settings) -> None:
    server.push(Answer("warm"))
    await LLMClient(settings()).complete(HELLO)  # loads litellm the way a call does
    usage = measure_usage("openai/gpt-4o-mini", HELLO, "one two three four five six", None)
    assert usage.source == COUNTED
    assert usage.prompt_tokens >= 3 and usage.completion_tokens == 6
    assert usage.cost_usd == price("openai/gpt-4o-mini", usage.prompt_tokens, 6)


async def test_unknown_price_is_none_not_zero_and_totals_add_up(server, settings) -> None:
    server.push(
        Answer("x", prompt_tokens=10, completion_tokens=2),
        Answer("y", prompt_tokens=30, completion_tokens=4),
    )
    client = LLMClient(settings("openai/regoose-local-model"))
    first = await client.complete(HELLO)
    second = await client.complete(HELLO)
    assert first.usage.cost_usd is None and second.usage.cost_usd is None
    totals = client.totals
    assert (totals.calls, totals.prompt_tokens, totals.completion_tokens) == (2, 40, 6)
    assert totals.unpriced_calls == 2 and not totals.cost_known and totals.cost_usd == 0.0


async def test_failed_calls_cost_nothing_and_priced_calls_sum(server, settings) -> None:
    from support.openai_server import Status

    server.push(
        Status(500),
        Answer("x", prompt_tokens=100, completion_tokens=10),
        Answer("y", prompt_tokens=300, completion_tokens=30),
    )
    client = LLMClient(settings("openai/gpt-4o-mini"))
    one = await client.complete(HELLO)
    two = await client.complete(HELLO)
    assert client.totals.calls == 2 and client.totals.prompt_tokens == 400
    assert one.usage.cost_usd is not None and two.usage.cost_usd is not None
    assert client.totals.cost_usd == pytest.approx(one.usage.cost_usd + two.usage.cost_usd)
    assert client.totals.cost_known


async def test_max_cost_is_checked_before_every_call(server, settings) -> None:
    from regoose_tui.errors import CostLimitReached

    server.push(
        Answer("a", prompt_tokens=100_000, completion_tokens=1000),
        Answer("b", prompt_tokens=100_000, completion_tokens=1000),
    )
    client = LLMClient(settings("openai/gpt-4o-mini"))
    client.cost_cap_usd = 0.02
    first = await client.complete(HELLO)
    assert first.usage.cost_usd is not None and 0.01 < first.usage.cost_usd < 0.02
    # The next call, priced like the dearest so far, would pass $0.02: refused unsent.
    with pytest.raises(CostLimitReached, match=r"would pass the \$0\.0200 limit"):
        await client.complete(HELLO)
    assert len(server.requests) == 1
    client.cost_cap_usd = None
    assert (await client.complete(HELLO)).text == "b"
