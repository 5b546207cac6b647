"""Cassettes at the LLMClient boundary: record against the scripted server, replay without it.

Real LiteLLM over real HTTP for the recording; the replay has no server at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.llm_samples import SECRET_KEY
from support.openai_server import Answer

from regoose_tui.errors import ProviderError, UsageError
from regoose_tui.providers.llm.cassette import CassettePlayer, CassetteRecorder
from regoose_tui.providers.llm.client import LLMClient

HELLO = [{"role": "user", "content": "say hello"}]
AGAIN = [{"role": "user", "content": "say it again"}]


async def _record(server, settings, path: Path) -> list[str]:
    """Two calls recorded; the model echoes the key once (it must not reach the file)."""
    server.push(
        Answer("hello there", prompt_tokens=30, completion_tokens=4),
        Answer(f"key is {SECRET_KEY} ok", prompt_tokens=40, completion_tokens=6),
    )
    client = LLMClient(settings(), record=CassetteRecorder(path, [SECRET_KEY]))
    first = await client.complete(HELLO)
    second = await client.complete(AGAIN)
    return [first.text, second.text]


async def test_a_recorded_session_replays_in_order_with_no_server(
    server, settings, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.jsonl"
    await _record(server, settings, cassette)
    await server.close()  # nothing listens any more: a replay that called out would fail
    player = CassettePlayer(cassette)
    client = LLMClient(settings(), replay=player)
    tokens: list[str] = []
    first = await client.complete(HELLO, on_token=tokens.append)
    second = await client.complete(AGAIN)
    assert first.text == "hello there" and "".join(tokens) == "hello there"
    assert second.text == "key is *** ok"
    assert (client.totals.calls, client.totals.prompt_tokens) == (2, 70)
    assert client.totals.completion_tokens == 10 and player.remaining == 0


async def test_the_key_is_nowhere_in_the_cassette(server, settings, tmp_path: Path) -> None:
    cassette = tmp_path / "session.jsonl"
    texts = await _record(server, settings, cassette)
    assert SECRET_KEY in texts[1]  # the live answer did carry it
    raw = cassette.read_text()
    assert SECRET_KEY not in raw and "Authorization" not in raw and "api_key" not in raw
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [line["n"] for line in lines] == [1, 2]
    assert lines[0]["request"]["messages"] == HELLO
    assert lines[0]["request"]["model"] == "openai/scripted"
    assert lines[0]["answer"]["usage"]["prompt_tokens"] == 30


async def test_a_changed_request_is_one_clear_line(server, settings, tmp_path: Path) -> None:
    cassette = tmp_path / "session.jsonl"
    await _record(server, settings, cassette)
    client = LLMClient(settings(), replay=CassettePlayer(cassette))
    with pytest.raises(ProviderError) as caught:
        await client.complete([{"role": "user", "content": "something else"}])
    text = str(caught.value)
    assert "\n" not in text and "call 1 differs from the recorded request" in text
    # A different temperature is a different request too.
    other = LLMClient(settings(temperature=0.9), replay=CassettePlayer(cassette))
    with pytest.raises(ProviderError, match="differs"):
        await other.complete(HELLO)


async def test_asking_past_the_end_says_how_many_it_holds(server, settings, tmp_path: Path) -> None:
    cassette = tmp_path / "session.jsonl"
    await _record(server, settings, cassette)
    client = LLMClient(settings(), replay=CassettePlayer(cassette))
    await client.complete(HELLO)
    await client.complete(AGAIN)
    with pytest.raises(ProviderError, match="asked for call 3 but the cassette holds 2"):
        await client.complete(HELLO)


def test_a_file_that_is_no_cassette_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"hello": 1}\n')
    with pytest.raises(UsageError, match="line 1 is not a cassette entry"):
        CassettePlayer(bad)
    with pytest.raises(UsageError, match="cannot read it"):
        CassettePlayer(tmp_path / "missing.jsonl")
