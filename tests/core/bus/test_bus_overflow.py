"""The overflow policy: lifecycle never dropped, output coalesced, backpressure."""

from __future__ import annotations

import asyncio
import logging

import pytest

from regoose_tui.bus import MessageBus, Subscription, register_merger
from regoose_tui.bus.events import (
    AgentProgress,
    AgentStarted,
    ChatToken,
    Event,
    RunFinished,
    RunOutput,
)


def _queued(subscription: Subscription) -> list[Event]:
    return list(subscription._queue)


def _lines(events: list[Event]) -> list[str]:
    return [line for e in events if isinstance(e, RunOutput) for line in e.lines]


async def test_lifecycle_events_are_never_dropped_when_full() -> None:
    bus = MessageBus()
    slow = bus.subscribe("*", maxsize=3)
    lifecycle = [AgentStarted(agent="a", iteration=i) for i in range(50)]
    for event in lifecycle:
        bus.publish_nowait(event)
    stats = slow.stats
    assert stats.dropped == 0
    assert stats.coalesced == 0
    assert stats.queued == 50
    assert stats.over_bound == 47
    assert _queued(slow) == lifecycle
    await bus.close()


async def test_output_of_one_stream_coalesces_into_the_tail() -> None:
    bus = MessageBus()
    slow = bus.subscribe("run.*", maxsize=2)
    bus.publish_nowait(RunFinished(run_id="old", exit_code=0))
    for i in range(10):
        bus.publish_nowait(RunOutput(run_id="r", lines=(f"l{i}",)))
    queued = _queued(slow)
    assert len(queued) == 2
    assert isinstance(queued[1], RunOutput)
    assert queued[1].lines == tuple(f"l{i}" for i in range(10))
    assert (slow.stats.coalesced, slow.stats.dropped) == (9, 0)
    await bus.close()


async def test_merged_output_keeps_the_first_batch_identity() -> None:
    bus = MessageBus()
    slow = bus.subscribe("run.output", maxsize=1)
    first = RunOutput(run_id="r", lines=("a",), session_id="s")
    bus.publish_nowait(first)
    bus.publish_nowait(RunOutput(run_id="r", lines=("b", "c"), session_id="s"))
    (merged,) = _queued(slow)
    assert isinstance(merged, RunOutput)
    assert (merged.id, merged.ts, merged.lines) == (first.id, first.ts, ("a", "b", "c"))
    assert merged.session_id == "s"
    await bus.close()


async def test_output_of_other_streams_never_merges() -> None:
    bus = MessageBus()
    slow = bus.subscribe("run.output", maxsize=1)
    bus.publish_nowait(RunOutput(run_id="r", stream="stdout", lines=("out",)))
    bus.publish_nowait(RunOutput(run_id="r", stream="stderr", lines=("err",)))
    bus.publish_nowait(RunOutput(run_id="other", stream="stderr", lines=("x",)))
    bus.publish_nowait(RunOutput(run_id="other", stream="stderr", lines=("y",), session_id="s2"))
    # Nothing merged across run, stream or session: the oldest was dropped each time.
    (last,) = _queued(slow)
    assert isinstance(last, RunOutput) and last.lines == ("y",)
    assert (slow.stats.coalesced, slow.stats.dropped) == (0, 3)
    await bus.close()


async def test_unmergeable_output_drops_the_oldest_coalescable_only() -> None:
    bus = MessageBus()
    slow = bus.subscribe("*", maxsize=4)
    started = AgentStarted(agent="a")
    bus.publish_nowait(started)
    bus.publish_nowait(RunOutput(run_id="r1", lines=("r1-0",)))
    bus.publish_nowait(ChatToken(message_id="m", delta="he"))
    bus.publish_nowait(RunOutput(run_id="r2", lines=("r2-0",)))
    # Full. r1 cannot merge into the r2 tail: the oldest coalescable (r1-0) goes.
    bus.publish_nowait(RunOutput(run_id="r1", lines=("r1-1",)))
    queued = _queued(slow)
    assert queued[0] is started
    assert [e.kind for e in queued] == ["agent.started", "chat.token", "run.output", "run.output"]
    assert _lines(queued) == ["r2-0", "r1-1"]
    assert (slow.stats.dropped, slow.stats.coalesced) == (1, 0)
    await bus.close()


async def test_output_is_dropped_when_only_lifecycle_events_are_queued() -> None:
    bus = MessageBus()
    slow = bus.subscribe("*", maxsize=2)
    lifecycle = [AgentStarted(agent="a"), RunFinished(run_id="r", exit_code=0)]
    for event in lifecycle:
        bus.publish_nowait(event)
    bus.publish_nowait(RunOutput(run_id="r", lines=("late",)))
    assert _queued(slow) == lifecycle
    assert slow.stats.dropped == 1
    await bus.close()


async def test_chat_tokens_of_one_message_coalesce() -> None:
    bus = MessageBus()
    slow = bus.subscribe("chat.token", maxsize=1)
    for fragment in ["Hel", "lo", ", ", "world"]:
        bus.publish_nowait(ChatToken(message_id="m1", delta=fragment))
    (merged,) = _queued(slow)
    assert isinstance(merged, ChatToken) and merged.delta == "Hello, world"
    assert slow.stats.coalesced == 3
    await bus.close()


async def test_registered_merger_is_used_for_new_coalescable_kinds() -> None:
    class Ticks(Event):
        kind: str = "test.ticks"
        coalescable: bool = True
        count: int

    register_merger(Ticks, lambda a, b: a.model_copy(update={"count": a.count + b.count}))
    bus = MessageBus()
    slow = bus.subscribe("test.*", maxsize=1)
    for _ in range(5):
        bus.publish_nowait(Ticks(count=2))
    (merged,) = _queued(slow)
    assert isinstance(merged, Ticks) and merged.count == 10
    await bus.close()


async def test_slow_consumer_loses_no_output_lines_of_one_stream() -> None:
    """A consumer slower than the producer still gets every line, in order."""
    bus = MessageBus()
    slow = bus.subscribe("run.#", maxsize=8)
    received: list[str] = []

    async def consume() -> None:
        async for event in slow:
            received.extend(_lines([event]))
            await asyncio.sleep(0.001)

    consumer = asyncio.create_task(consume())
    for i in range(2000):
        bus.publish_nowait(RunOutput(run_id="r", lines=(f"{i}",)))
        if i % 50 == 0:
            await asyncio.sleep(0)
    await bus.publish(RunFinished(run_id="r", exit_code=0))
    await bus.close()
    await consumer
    assert received == [str(i) for i in range(2000)]
    assert slow.stats.coalesced > 0
    assert slow.stats.dropped == 0
    assert slow.stats.delivered < 2001


async def test_publish_waits_for_a_full_subscriber_to_drain() -> None:
    bus = MessageBus(drain_timeout=5)
    subscription = bus.subscribe("agent.*", maxsize=4)
    for i in range(4):
        await bus.publish(AgentProgress(agent="a", message=str(i)))
    publishing = asyncio.create_task(bus.publish(AgentProgress(agent="a", message="4")))
    await asyncio.sleep(0.01)
    assert not publishing.done()  # over the bound: waiting for room
    assert subscription.stats.queued == 5  # already queued: order is fixed at publish time

    await anext(subscription)
    await anext(subscription)
    await asyncio.sleep(0)
    assert not publishing.done()  # 3 left; the low-water mark is 2
    await anext(subscription)
    async with asyncio.timeout(1):
        assert await publishing == 1
    await bus.close()


async def test_publish_gives_up_on_a_stalled_subscriber(caplog: pytest.LogCaptureFixture) -> None:
    bus = MessageBus(drain_timeout=0.05)
    stuck = bus.subscribe("agent.*", maxsize=1, name="stuck")
    caplog.set_level(logging.WARNING, logger="regoose_tui.bus")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(20):
        await bus.publish(AgentStarted(agent="a", iteration=i))
    elapsed = loop.time() - started
    # Waited once (the stall), not once per event.
    assert 0.04 < elapsed < 0.5
    assert stuck.stats.stalls == 1
    assert stuck.stats.queued == 20
    assert "stuck" in caplog.text and "did not drain" in caplog.text
    # Once it drains, backpressure applies again.
    for _ in range(20):
        await anext(stuck)
    assert not stuck._stalled
    await bus.close()


async def test_coalescable_publish_never_waits() -> None:
    bus = MessageBus(drain_timeout=5)
    bus.subscribe("run.output", maxsize=1)
    async with asyncio.timeout(1):
        for i in range(100):
            await bus.publish(
                RunOutput(run_id="r", stream="stderr" if i % 2 else "stdout", lines=("x",))
            )
    await bus.close()
