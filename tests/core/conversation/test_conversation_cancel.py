"""Stopping a turn: cancel() stops a generation; a cancelled reply ends as interrupted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from conversation_support import ConversationFactory

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    ChatMessageFinished,
    ChatMessageStarted,
    ChatWorkFinished,
    Event,
    PlanNodeStatus,
)
from regoose_tui.providers.base import ChatTurn
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.store.store import SessionStore


class EndlessChat(ScriptedProvider):
    """Says one word, then thinks until cancelled."""

    def __init__(self) -> None:
        super().__init__(lambda request: "", name="endless")

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        yield "thinking"
        await asyncio.sleep(60)


async def _until(condition: Callable[[], bool], within: float) -> None:
    """Poll a real condition; fail with TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            if condition():
                return
            await asyncio.sleep(0.05)


async def test_cancel_stops_a_running_generation_and_the_session_ends_cancelled(
    make_conversation: ConversationFactory, bus: MessageBus, store: SessionStore
) -> None:
    seen: list[Event] = []
    bus.subscribe("plan.node", seen.append)
    conversation, log = make_conversation(budget=60)
    assert not conversation.cancel()  # nothing runs yet
    turn = asyncio.create_task(conversation.send("/generate shop/cart.py"))
    await _until(
        lambda: any(
            isinstance(e, PlanNodeStatus) and e.node_id == "generator" and e.status == "running"
            for e in seen
        ),
        within=60,
    )
    assert conversation.cancel()
    async with asyncio.timeout(30):
        result = await turn
    assert result.cancelled and result.error is None
    assert log.notices[-1] == "Turn cancelled."
    assert result.session_id is not None
    record = await store.get_session(result.session_id)
    assert record.status == "cancelled"
    assert len(log.of(ChatWorkFinished)) == 1
    assert log.suites == []
    assert not conversation.cancel()  # the generation is gone


async def test_a_cancelled_reply_finishes_interrupted_and_is_no_context(
    make_conversation: ConversationFactory,
) -> None:
    provider = EndlessChat()
    conversation, log = make_conversation(provider_factory=lambda name: provider)
    turn = asyncio.create_task(conversation.send("tell me a story"))
    await _until(lambda: bool(log.of(ChatMessageStarted)) and len(log.events) >= 3, within=10)
    turn.cancel()
    try:
        await turn
    except asyncio.CancelledError:
        pass
    (finished,) = log.of(ChatMessageFinished)
    assert finished.interrupted and finished.text == "thinking"
    assert [t.role for t in conversation.history] == ["user"]
