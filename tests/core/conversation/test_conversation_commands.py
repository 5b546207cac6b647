"""Turns that do not run the engine: help, bad input, settings, sessions, free text, records."""

from __future__ import annotations

import asyncio

from conversation_support import ConversationFactory, RecordingChatProvider

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    ChatMessage,
    ChatMessageFinished,
    ChatMessageStarted,
    ChatNotice,
    ChatToken,
    Event,
    SettingChanged,
    ShowSessionsRequested,
)
from regoose_tui.chat.intents import Help, SetRuntime
from regoose_tui.conversation.replies import NEEDS_LLM
from regoose_tui.errors import SessionNotFound, UsageError
from regoose_tui.providers.base import ChatTurn
from regoose_tui.store.store import SessionStore


async def test_help_streams_the_command_list_as_one_reply(
    make_conversation: ConversationFactory,
) -> None:
    conversation, log = make_conversation()
    result = await conversation.send("/help")
    assert result.intent == Help() and result.error is None
    kinds = [type(e) for e in log.events]
    assert kinds[0] is ChatMessage and kinds[1] is ChatMessageStarted
    assert kinds[-1] is ChatMessageFinished
    assert set(kinds[2:-1]) == {ChatToken}
    tokens = "".join(e.delta for e in log.of(ChatToken))
    (reply,) = log.replies
    assert tokens == reply
    for command in ("/generate", "/run", "/explain", "/provider", "/export", "/sessions"):
        assert command in reply


async def test_reply_events_also_go_on_the_bus_in_order(
    make_conversation: ConversationFactory, bus: MessageBus
) -> None:
    seen: list[Event] = []
    subscription = bus.subscribe("chat.#", seen.append)
    conversation, log = make_conversation()
    await conversation.send("/help")
    async with asyncio.timeout(5):
        await subscription.join()
    assert [e.id for e in seen] == [e.id for e in log.events]


async def test_an_unknown_command_is_one_error_notice_and_no_reply(
    make_conversation: ConversationFactory,
) -> None:
    conversation, log = make_conversation()
    result = await conversation.send("/frobnicate now")
    assert isinstance(result.error, UsageError) and not result.is_fault
    assert result.intent is None
    notices = log.of(ChatNotice)
    assert len(notices) == 1
    assert notices[0].level == "error"
    assert log.notices == ["Usage error: unknown command /frobnicate; type /help for the list"]
    assert "\n" not in log.notices[0]
    assert log.replies == []
    assert conversation.history == []  # a typing mistake is no context for a model


async def test_runtime_switch_changes_the_host_settings_and_says_so(
    make_conversation: ConversationFactory,
) -> None:
    conversation, log = make_conversation(runtime="auto")
    result = await conversation.send("/runtime local")
    assert result.intent == SetRuntime("local") and result.error is None
    assert conversation.host.settings.runtime.name == "local"
    (changed,) = log.of(SettingChanged)
    assert (changed.setting, changed.shown, changed.isolated) == ("runtime", "local", False)
    assert log.notices == ["Runtime: local (NOT ISOLATED)."]


async def test_an_unknown_provider_is_refused_and_the_settings_stay(
    make_conversation: ConversationFactory,
) -> None:
    conversation, log = make_conversation()
    result = await conversation.send("/provider nonsense")
    assert isinstance(result.error, UsageError)
    assert log.notices[0].startswith("Usage error: unknown provider 'nonsense'")
    assert conversation.host.settings.provider.name == "offline"
    assert log.of(SettingChanged) == []


async def test_a_store_fault_is_told_and_flagged_for_the_face(
    make_conversation: ConversationFactory, store: SessionStore
) -> None:
    conversation, log = make_conversation()
    session_id = await store.create_session(
        target="shop/cart.py", project="p", provider="offline", runtime="local", kind="run"
    )
    await conversation.resume(session_id)
    await store.delete_session(session_id)  # e.g. from the history screen meanwhile
    result = await conversation.send("/export md")
    assert isinstance(result.error, SessionNotFound) and result.is_fault
    assert log.notices == [f"{result.error.title}: {result.error.msg}"]
    # The messages wait for the next session instead of failing the turn.
    assert [m.text for m in conversation._log.pending] == ["/export md"]


async def test_sessions_is_a_request_for_the_face(make_conversation: ConversationFactory) -> None:
    conversation, log = make_conversation()
    await conversation.send("/sessions")
    assert len(log.of(ShowSessionsRequested)) == 1
    assert log.replies == [] and log.notices == []


async def test_offline_says_plainly_what_needs_an_llm(
    make_conversation: ConversationFactory,
) -> None:
    conversation, log = make_conversation()
    await conversation.send("what is the meaning of life?")
    assert "offline provider" in log.replies[-1] and "LLM" in log.replies[-1]
    await conversation.send("make the failing test pass")
    assert log.replies[-1] == NEEDS_LLM
    await conversation.send("/export")
    assert log.notices == ["Nothing to export yet: generate or run tests first."]
    await conversation.send("/explain")
    assert log.replies[-1].startswith("No failed test in this session yet")


async def test_history_grows_and_is_what_the_provider_chat_receives(
    make_conversation: ConversationFactory,
) -> None:
    provider = RecordingChatProvider(lambda request: "", reply="I am a model")
    conversation, log = make_conversation(provider_factory=lambda name: provider)
    await conversation.send("hello, who are you?")
    assert provider.chats == [[ChatTurn("user", "hello, who are you?")]]
    assert log.replies == ["I am a model "]
    await conversation.send("/help")
    await conversation.send("and what can you do?")
    assert len(provider.chats) == 2
    sent = provider.chats[1]
    assert [t.role for t in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[0].content == "hello, who are you?"
    assert sent[1].content == "I am a model "
    assert sent[2].content == "/help" and "/generate" in sent[3].content
    assert sent[4].content == "and what can you do?"
    assert conversation.history == [*sent, ChatTurn("assistant", "I am a model ")]


async def test_messages_wait_for_a_session_then_are_filed_under_it(
    make_conversation: ConversationFactory, store: SessionStore
) -> None:
    conversation, _log = make_conversation()
    await conversation.send("/help")
    await conversation.send("/frobnicate")
    # No session yet: nothing to file under, nothing lost.
    assert [m.role for m in conversation._log.pending] == ["user", "assistant", "user"]
    session_id = await store.create_session(
        target="shop/cart.py", project="p", provider="offline", runtime="local", kind="run"
    )
    await conversation.resume(session_id)
    await conversation.send("/explain")
    messages = await store.messages(session_id)
    assert [(m.role, m.text.splitlines()[0]) for m in messages] == [
        ("user", "/help"),
        ("assistant", "**Commands**"),
        ("user", "/frobnicate"),
        ("user", "/explain"),
        ("assistant", "No failed test in this session yet: run the tests first (`/run`)."),
    ]
    assert conversation._log.pending == ()
