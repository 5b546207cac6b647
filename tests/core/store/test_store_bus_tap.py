"""The store sink on a real bus tap: every published event of a session is stored in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import AgentStarted, ChatToken, RunOutput, SessionFinished
from regoose_tui.store import SessionStore, store_sink

NewSession = Callable[..., Awaitable[str]]


async def test_bus_tap_feeds_the_store(store: SessionStore, new_session: NewSession) -> None:
    session_id = await new_session(store)
    async with MessageBus() as bus:
        bus.tap(store_sink(store, session_id), name="store")
        await bus.publish(AgentStarted(agent="generator", session_id=session_id))
        for i in range(300):
            bus.publish_nowait(RunOutput(run_id="r", lines=(f"line {i}",)))
            bus.publish_nowait(ChatToken(message_id="m", delta=str(i)))
        await bus.publish(AgentStarted(agent="other session", session_id="someone-else"))
        await bus.publish(SessionFinished(status="passed", session_id=session_id))
    events = await store.events(session_id)
    assert len(events) == 602
    assert events[0].kind == "agent.started" and events[-1].kind == "session.finished"
    lines = [e.lines[0] for e in events if isinstance(e, RunOutput)]
    assert lines == [f"line {i}" for i in range(300)]
