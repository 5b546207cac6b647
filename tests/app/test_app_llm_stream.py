"""The app drives a streamed LLM conversation end to end against the scripted server.

Real HTTP, real LiteLLM: the model streams its reply slowly, and the chat
shows the first tokens while the last ones have not arrived yet; the turn
then ends with the whole reply and its usage counted in the status bar.
The palette's "switch provider" entry prefills ``/provider``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from app_harness import AppFactory, wait_for
from support.openai_server import Answer, ScriptedOpenAIServer
from textual.command import CommandPalette
from textual.widgets import Input

from regoose_tui.app.app import RegooseApp
from regoose_tui.widgets.assistant_message import AssistantMessage
from regoose_tui.widgets.chat_input import ChatInput

PIECES = ("An ", "empty ", "cart ", "costs ", "nothing: ", "its ", "total ", "is ", "0.00.")


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


def _reply(app: RegooseApp) -> AssistantMessage | None:
    replies = [m for m in app.main_screen.query(AssistantMessage) if "welcome" not in m.classes]
    return replies[-1] if replies else None


async def test_a_streamed_reply_shows_its_tokens_as_they_come(
    make_app: AppFactory, server: ScriptedOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGOOSE_PROVIDER", "openai/chat-model")
    monkeypatch.setenv("REGOOSE_API_BASE", server.api_base)
    monkeypatch.setenv("REGOOSE_PROVIDER__MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-app-stream-test")
    server.push(Answer("".join(PIECES), pieces=PIECES, pause=0.4, completion_tokens=9))
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main_screen
        main.query_one(ChatInput).insert_text_at_cursor("what does an empty cart cost?")
        await pilot.press("enter")

        def partial() -> bool:
            reply = _reply(app)
            return reply is not None and "empty cart" in reply.source

        await wait_for(pilot, partial, within=60)
        shown = _reply(app)
        assert shown is not None and "0.00." not in shown.source  # the end is still to come
        assert "-streaming" in shown.classes and main.turn_running
        await wait_for(pilot, lambda: not main.turn_running, within=60)
        await pilot.pause(0.2)
        final = _reply(app)
        assert final is not None and final.source == "".join(PIECES)
        assert "-streaming" not in final.classes
        assert "what does an empty cart cost?" in server.requests[0].prompt_text
        assert server.requests[0].stream


async def test_the_palette_prefills_the_provider_command(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), within=5)
        app.screen.query_one(Input).value = "command: switch provider"
        await pilot.pause(0.4)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert app.screen is app.main_screen
        assert app.main_screen.query_one(ChatInput).value == "/provider "
