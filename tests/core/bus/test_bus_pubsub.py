"""Pub/sub through the real bus: wildcards, ordering, iterators, handlers, taps."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import TypeVar

import pytest

from regoose_tui.bus import MessageBus, Subscription
from regoose_tui.bus.events import (
    AgentFinished,
    AgentStarted,
    Event,
    PlanNodeStatus,
    RunFinished,
    RunOutput,
    RunStarted,
    SessionStarted,
)
from regoose_tui.errors import BusError

EventT = TypeVar("EventT", bound=Event)


def _queued(subscription: Subscription) -> list[Event]:
    """Drain what is queued right now without waiting (test helper)."""
    events: list[Event] = []
    while subscription.stats.queued:
        events.append(subscription._queue.popleft())
    return events


def _each(kind: type[EventT], events: Iterable[Event]) -> list[EventT]:
    """``events``, each checked to be a ``kind``, so an assertion can read its fields."""
    checked: list[EventT] = []
    for event in events:
        assert isinstance(event, kind), event
        checked.append(event)
    return checked


def _mixed_events() -> list[Event]:
    return [
        SessionStarted(target="cart.py", project="/p", provider="offline", runtime="local"),
        AgentStarted(agent="analyzer"),
        PlanNodeStatus(plan_id="p", node_id="n", status="running"),
        RunStarted(run_id="r1", runtime="local", argv=("pytest",)),
        RunOutput(run_id="r1", lines=("collected 1 item",)),
        RunFinished(run_id="r1", exit_code=0),
        AgentFinished(agent="analyzer", elapsed=0.1),
    ]


async def test_wildcards_route_by_topic() -> None:
    bus = MessageBus()
    agents = bus.subscribe("agent.*")
    runs = bus.subscribe("run.#")
    exact = bus.subscribe("run.output")
    everything = bus.subscribe("*")
    events = _mixed_events()
    for event in events:
        bus.publish_nowait(event)

    assert [e.kind for e in _queued(agents)] == ["agent.started", "agent.finished"]
    assert [e.kind for e in _queued(runs)] == ["run.started", "run.output", "run.finished"]
    assert [e.kind for e in _queued(exact)] == ["run.output"]
    assert _queued(everything) == events
    await bus.close()


async def test_publish_returns_the_number_of_receivers() -> None:
    bus = MessageBus()
    bus.subscribe("agent.*")
    bus.subscribe("#")
    assert bus.publish_nowait(AgentStarted(agent="a")) == 2
    assert await bus.publish(RunFinished(run_id="r", exit_code=0)) == 1
    assert bus.published == 2
    await bus.close()


async def test_each_subscriber_sees_publish_order_across_publishers() -> None:
    bus = MessageBus(maxsize=10_000)
    subscriptions = [bus.subscribe("agent.*") for _ in range(3)]

    async def publisher(name: str) -> None:
        for i in range(200):
            await bus.publish(AgentStarted(agent=name, iteration=i))
            if i % 17 == 0:
                await asyncio.sleep(0)

    async def consume(subscription: Subscription) -> list[tuple[str, int]]:
        seen = []
        async for event in subscription:
            assert isinstance(event, AgentStarted)
            seen.append((event.agent, event.iteration))
        return seen

    consumers = [asyncio.create_task(consume(s)) for s in subscriptions]
    await asyncio.gather(publisher("a"), publisher("b"))
    await bus.close()
    results = await asyncio.gather(*consumers)

    assert results[0] == results[1] == results[2]
    for name in "ab":
        assert [i for agent, i in results[0] if agent == name] == list(range(200))


async def test_async_iterator_waits_for_events() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("run.*")
    received: list[Event] = []

    async def consume() -> None:
        async for event in subscription:
            received.append(event)
            if len(received) == 2:
                break

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0)
    assert not received  # nothing published yet: the iterator is parked
    first = RunStarted(run_id="r", runtime="local", argv=("x",))
    second = RunFinished(run_id="r", exit_code=1)
    bus.publish_nowait(first)
    await asyncio.sleep(0)
    bus.publish_nowait(second)
    async with asyncio.timeout(2):
        await consumer
    assert received == [first, second]
    assert subscription.stats.delivered == 2
    await bus.close()


async def test_sync_and_async_handlers_receive_in_order() -> None:
    bus = MessageBus()
    sync_seen: list[int] = []
    async_seen: list[int] = []

    def on_sync(event: Event) -> None:
        assert isinstance(event, AgentStarted)
        sync_seen.append(event.iteration)

    async def on_async(event: Event) -> None:
        await asyncio.sleep(0)
        assert isinstance(event, AgentStarted)
        async_seen.append(event.iteration)

    bus.subscribe("agent.started", on_sync)
    bus.subscribe("agent.*", on_async)
    for i in range(50):
        bus.publish_nowait(AgentStarted(agent="g", iteration=i))
    await bus.close()
    assert sync_seen == list(range(50))
    assert async_seen == list(range(50))


async def test_handler_subscription_cannot_also_be_iterated() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("*", lambda event: None)
    with pytest.raises(BusError, match="consumed by its handler"):
        subscription.__aiter__()
    await bus.close()


async def test_two_concurrent_iterations_are_refused() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("*")
    first = asyncio.create_task(subscription.__anext__())
    await asyncio.sleep(0)
    with pytest.raises(BusError, match="already being iterated"):
        await subscription.__anext__()
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    await bus.close()


async def test_unsubscribed_subscription_stops_receiving() -> None:
    bus = MessageBus()
    kept = bus.subscribe("agent.*")
    dropped = bus.subscribe("agent.*")
    bus.publish_nowait(AgentStarted(agent="a"))
    dropped.close()
    bus.publish_nowait(AgentStarted(agent="b"))

    assert dropped.closed
    assert [e.agent for e in _each(AgentStarted, _queued(kept))] == ["a", "b"]
    # What was queued before close is still delivered, then iteration ends.
    assert [e.agent for e in _each(AgentStarted, [e async for e in dropped])] == ["a"]
    assert bus.subscriptions == (kept,)
    await bus.close()


async def test_close_with_discard_drops_the_queue() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("*")
    bus.publish_nowait(AgentStarted(agent="a"))
    subscription.close(discard=True)
    assert [e async for e in subscription] == []
    await bus.close()


async def test_subscription_as_context_manager_unsubscribes() -> None:
    bus = MessageBus()
    async with bus.subscribe("agent.*") as subscription:
        bus.publish_nowait(AgentStarted(agent="a"))
        event = await anext(subscription)
        assert event.kind == "agent.started"
    assert subscription.closed
    assert bus.publish_nowait(AgentStarted(agent="b")) == 0
    await bus.close()


async def test_subscribe_after_publish_sees_only_later_events() -> None:
    bus = MessageBus()
    bus.subscribe("agent.*")  # warms the route cache for agent.started
    bus.publish_nowait(AgentStarted(agent="early"))
    late = bus.subscribe("agent.*")
    bus.publish_nowait(AgentStarted(agent="late"))
    assert [e.agent for e in _each(AgentStarted, _queued(late))] == ["late"]
    await bus.close()


async def test_tap_sees_every_event_in_order_without_merging() -> None:
    bus = MessageBus()
    tap = bus.tap(maxsize=2)
    events: list[Event] = [RunOutput(run_id="r", lines=(f"line {i}",)) for i in range(10)]
    events.insert(5, AgentStarted(agent="a"))
    for event in events:
        bus.publish_nowait(event)
    stats = tap.stats
    assert (stats.coalesced, stats.dropped, stats.queued) == (0, 0, 11)
    assert _queued(tap) == events
    await bus.close()


async def test_tap_with_a_handler_records_everything() -> None:
    bus = MessageBus()
    recorded: list[Event] = []
    bus.tap(recorded.append, maxsize=4)
    events = _mixed_events() * 5
    for event in events:
        await bus.publish(event)
    await bus.close()
    assert recorded == events


async def test_publish_threadsafe_from_another_thread() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("run.output")

    def producer() -> None:
        for i in range(100):
            bus.publish_threadsafe(RunOutput(run_id="r", lines=(str(i),)))

    await asyncio.to_thread(producer)
    received: list[str] = []
    async with asyncio.timeout(2):
        async for event in subscription:
            assert isinstance(event, RunOutput)
            received.extend(event.lines)
            if len(received) == 100:
                break
    assert received == [str(i) for i in range(100)]
    assert threading.current_thread() is threading.main_thread()
    await bus.close()


async def test_publish_threadsafe_on_the_loop_thread_publishes_at_once() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("agent.*")
    bus.publish_threadsafe(AgentStarted(agent="a"))
    assert subscription.stats.queued == 1
    await bus.close()


def test_publish_threadsafe_without_a_loop_is_refused() -> None:
    bus = MessageBus()
    with pytest.raises(BusError, match="no event loop"):
        bus.publish_threadsafe(AgentStarted(agent="a"))


def test_handler_needs_a_running_loop() -> None:
    bus = MessageBus()
    with pytest.raises(BusError, match="running event loop"):
        bus.subscribe("*", lambda event: None)


async def test_wildcard_in_a_published_topic_is_refused() -> None:
    bus = MessageBus()
    bus.subscribe("*")
    with pytest.raises(BusError, match="wildcard"):
        bus.publish_nowait(Event(kind="run.*"))
    await bus.close()


async def test_bad_maxsize_is_refused() -> None:
    with pytest.raises(BusError, match="maxsize"):
        MessageBus(maxsize=0)
    with pytest.raises(BusError, match="drain_timeout"):
        MessageBus(drain_timeout=0)
    bus = MessageBus()
    with pytest.raises(BusError, match="maxsize"):
        bus.subscribe("*", maxsize=0)
    await bus.close()
