"""The call layer against the scripted server: each fault ends with the right outcome.

Real LiteLLM, real HTTP on 127.0.0.1; no mock of litellm.
"""

from __future__ import annotations

import logging

import pytest
from support.llm_samples import SECRET_KEY
from support.openai_server import Answer, CutStream, Hang, InvalidJSON, Status

from regoose_tui.errors import (
    AuthFailed,
    ModelNotFound,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
)
from regoose_tui.providers.llm.client import LLMClient, RetryNotice

HELLO = [{"role": "user", "content": "say hello"}]


def _one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text and SECRET_KEY not in text
    assert error.__cause__ is None and error.__suppress_context__  # nothing chained to leak the key
    return text


async def test_tokens_arrive_in_order_and_the_key_goes_in_the_header(server, settings) -> None:
    server.push(Answer("one two three four", pieces=("one ", "two ", "three ", "four")))
    tokens: list[str] = []
    completion = await LLMClient(settings()).complete(HELLO, on_token=tokens.append)
    assert tokens == ["one ", "two ", "three ", "four"]
    assert completion.text == "one two three four" and completion.attempts == 1
    (request,) = server.requests
    assert request.stream and request.model == "scripted"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.messages == HELLO
    assert request.body["stream_options"] == {"include_usage": True}


async def test_429_waits_what_retry_after_asks_capped_then_succeeds(server, settings) -> None:
    server.push(
        Status(429, "slow down", retry_after=0.05), Status(429, retry_after=60), Answer("ok")
    )
    notices: list[RetryNotice] = []
    completion = await LLMClient(settings()).complete(HELLO, on_retry=notices.append)
    assert completion.text == "ok" and completion.attempts == 3
    assert [n.kind for n in notices] == ["rate_limit", "rate_limit"]
    assert notices[0].wait_seconds == pytest.approx(0.05)
    assert notices[1].wait_seconds == pytest.approx(0.2)  # 60 s asked, capped


async def test_500_and_invalid_json_are_retried(server, settings) -> None:
    server.push(Status(500), InvalidJSON(), Answer("fine"))
    notices: list[RetryNotice] = []
    completion = await LLMClient(settings()).complete(HELLO, on_retry=notices.append)
    assert completion.text == "fine" and len(server.requests) == 3
    assert [n.kind for n in notices] == ["server", "dropped"]
    assert all(0 < n.wait_seconds <= 0.06 for n in notices)  # backoff with jitter, capped


async def test_stream_cut_in_the_middle_is_retried_and_tokens_restart(server, settings) -> None:
    server.push(CutStream(Answer("alpha beta gamma delta"), after=2), Answer("alpha beta"))
    tokens: list[str] = []
    notices: list[RetryNotice] = []
    completion = await LLMClient(settings()).complete(
        HELLO, on_token=tokens.append, on_retry=notices.append
    )
    assert completion.text == "alpha beta"  # only the good attempt's text is the answer
    assert tokens == ["alpha ", "beta ", "alpha ", "beta"]
    assert [n.kind for n in notices] == ["dropped"]


async def test_hang_past_the_timeout_is_retried_then_a_clear_error(server, settings) -> None:
    server.push(Hang(5, Answer("late")), Answer("in time"))
    client = LLMClient(settings(timeout_seconds=0.5))
    assert (await client.complete(HELLO)).text == "in time"

    server.push(Hang(5), Hang(5))
    with pytest.raises(ProviderTimeout) as caught:
        await LLMClient(settings(timeout_seconds=0.5, max_retries=1)).complete(HELLO)
    assert _one_line(caught.value) == ("openai/scripted: no answer within 0.5 s, after 2 attempts")


async def test_retries_spent_on_5xx_end_in_one_line(server, settings) -> None:
    server.push(Status(503), Status(502), Status(500))
    with pytest.raises(ProviderServerError) as caught:
        await LLMClient(settings()).complete(HELLO)
    assert _one_line(caught.value) == "openai/scripted: server error (HTTP 500) after 3 attempts"
    assert len(server.requests) == 3

    server.push(Status(429, retry_after=0), Status(429, retry_after=0), Status(429, retry_after=0))
    with pytest.raises(RateLimited):
        await LLMClient(settings()).complete(HELLO)


async def test_wrong_key_is_one_line_without_the_key_and_not_retried(
    server, settings, caplog
) -> None:
    # The server echoes the key back in its error, as some proxies do.
    server.push(Status(401, f"Incorrect API key provided: {SECRET_KEY}", error_type="auth"))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthFailed) as caught:
        await LLMClient(settings()).complete(HELLO)
    assert _one_line(caught.value) == (
        f"openai/scripted: the API key was refused by {server.api_base} (HTTP 401); "
        "set OPENAI_API_KEY or REGOOSE_PROVIDER__API_KEY"
    )
    assert len(server.requests) == 1
    assert caplog.records, "the call logs nothing at DEBUG: the check below would prove nothing"
    for record in caplog.records:
        assert SECRET_KEY not in record.getMessage()
        assert SECRET_KEY not in str(record.args)


async def test_unknown_model_is_one_line(server, settings) -> None:
    server.push(Status(404, "The model `nope` does not exist", code="model_not_found"))
    with pytest.raises(ModelNotFound) as caught:
        await LLMClient(settings("openai/nope")).complete(HELLO)
    assert _one_line(caught.value) == (
        f"openai/nope: unknown model at {server.api_base} (The model `nope` does not exist)"
    )
    server.push(Status(400, "invalid model ID", error_type="invalid_request_error"))
    with pytest.raises(ModelNotFound):
        await LLMClient(settings("openai/nope")).complete(HELLO)
    assert len(server.requests) == 2  # neither is retried


async def test_unreachable_base_is_one_line(settings, unused_tcp_port) -> None:
    base = f"http://127.0.0.1:{unused_tcp_port}/v1"
    with pytest.raises(ProviderUnreachable) as caught:
        await LLMClient(settings(api_base=base)).complete(HELLO)
    assert _one_line(caught.value) == f"openai/scripted: cannot reach {base}: connection refused"


async def test_fallback_model_takes_over_when_the_main_one_fails(server, settings) -> None:
    server.push(Status(500), Status(500), Status(500), Answer("from the backup"))
    client = LLMClient(settings(fallbacks=("openai/backup",)))
    completion = await client.complete(HELLO)
    assert completion.model == "openai/backup" and completion.text == "from the backup"
    assert completion.models_tried == ("openai/scripted", "openai/backup")
    assert [r.model for r in server.requests] == ["scripted"] * 3 + ["backup"]

    server.push(Status(404, "no such model"), Answer("second"))
    completion = await client.complete(HELLO)  # a non-retryable failure hands over at once
    assert completion.model == "openai/backup" and completion.attempts == 2


async def test_a_chain_that_fails_names_every_model_tried(server, settings) -> None:
    server.push(Status(401, "bad key"), Status(401, "bad key"))
    with pytest.raises(AuthFailed) as caught:
        await LLMClient(settings(fallbacks=("openai/backup",))).complete(HELLO)
    assert _one_line(caught.value).endswith("(models tried: openai/scripted, openai/backup)")


async def test_stream_yields_fragments_and_raises_the_error_at_the_end(server, settings) -> None:
    server.push(Answer("a b c"))
    client = LLMClient(settings())
    assert [piece async for piece in client.stream(HELLO)] == ["a ", "b ", "c"]
    server.push(CutStream(Answer("x y z"), after=2), Status(401))
    pieces: list[str] = []
    with pytest.raises(AuthFailed):
        async for piece in client.stream(HELLO):
            pieces.append(piece)
    assert pieces == ["x ", "y ", "\n\n[retrying]\n\n"]


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refusal_status_is_a_key_problem_whatever_its_error_type(
    server, settings, status: int
) -> None:
    # LiteLLM reads "invalid_request_error" with a short message as a bad request;
    # local OpenAI-compatible servers answer a wrong key exactly like this.
    server.push(Status(status, "bad key", error_type="invalid_request_error"))
    with pytest.raises(AuthFailed, match=f"API key was refused .* \\(HTTP {status}\\)"):
        await LLMClient(settings()).complete(HELLO)
    assert len(server.requests) == 1
