"""Free text with a LiteLLM model: the reply streams token by token and its usage is counted.

The model is the scripted OpenAI-compatible server (real HTTP, real LiteLLM);
the conversation builds the provider itself from the project's settings
(REGOOSE_PROVIDER / REGOOSE_API_BASE), as the CLI and the app do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_support import EventLog
from support.openai_server import Answer, ScriptedOpenAIServer, Status

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import ChatToken, ProviderUsage
from regoose_tui.config import load_settings
from regoose_tui.conversation import Conversation, StandaloneHost
from regoose_tui.store.store import SessionStore


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


@pytest.fixture
def llm_conversation(
    project: Path,
    store: SessionStore,
    bus: MessageBus,
    server: ScriptedOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Conversation, EventLog]:
    monkeypatch.setenv("REGOOSE_PROVIDER", "openai/chat-model")
    monkeypatch.setenv("REGOOSE_API_BASE", server.api_base)
    monkeypatch.setenv("REGOOSE_PROVIDER__MAX_RETRIES", "0")
    monkeypatch.setenv("REGOOSE_PROVIDER__TIMEOUT_SECONDS", "5")
    log = EventLog()
    host = StandaloneHost(load_settings(project), store)
    return Conversation(host, project_dir=project, bus=bus, listener=log), log


async def test_a_model_reply_streams_token_by_token_and_is_counted(
    llm_conversation: tuple[Conversation, EventLog], server: ScriptedOpenAIServer
) -> None:
    conversation, log = llm_conversation
    server.push(
        Answer(
            "The empty cart costs nothing.",
            pieces=("The ", "empty ", "cart ", "costs ", "nothing."),
            prompt_tokens=42,
            completion_tokens=5,
        )
    )
    await conversation.send("what does an empty cart cost?")
    assert [t.delta for t in log.of(ChatToken)] == ["The ", "empty ", "cart ", "costs ", "nothing."]
    assert log.replies[-1] == "The empty cart costs nothing."
    [usage] = log.of(ProviderUsage)
    assert (usage.provider, usage.prompt_tokens, usage.completion_tokens) == (
        "openai/chat-model",
        42,
        5,
    )
    assert "what does an empty cart cost?" in server.requests[0].prompt_text
    assert server.requests[0].model == "chat-model"


async def test_a_refused_key_in_chat_costs_nothing_and_says_so(
    llm_conversation: tuple[Conversation, EventLog], server: ScriptedOpenAIServer
) -> None:
    conversation, log = llm_conversation
    server.push(Status(401, "bad key", error_type="invalid_request_error"))
    result = await conversation.send("hello?")
    assert log.of(ProviderUsage) == []
    assert result.error is not None and "API key" in result.error.msg
    assert any("API key" in notice for notice in log.notices)
