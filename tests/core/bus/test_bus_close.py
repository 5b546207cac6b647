"""Shutting the bus down: drain, cancel the stuck, end iterators, refuse new work."""

from __future__ import annotations

import asyncio

import pytest

from regoose_tui.bus import MessageBus
from regoose_tui.bus.events import AgentStarted, Event, RunOutput
from regoose_tui.errors import BusError


async def test_close_lets_handlers_drain_their_queues() -> None:
    bus = MessageBus()
    handled: list[int] = []

    async def handler(event: Event) -> None:
        await asyncio.sleep(0)
        assert isinstance(event, AgentStarted)
        handled.append(event.iteration)

    subscription = bus.subscribe("agent.*", handler)
    for i in range(100):
        bus.publish_nowait(AgentStarted(agent="a", iteration=i))
    await bus.close()
    assert handled == list(range(100))
    assert subscription.closed and subscription._handler_task is not None
    assert subscription._handler_task.done()


async def test_close_cancels_handlers_stuck_past_the_grace() -> None:
    bus = MessageBus()
    cancelled = asyncio.Event()

    async def stuck(event: Event) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    bus.subscribe("agent.*", stuck)
    bus.publish_nowait(AgentStarted(agent="a"))
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bus.close(grace=0.05)
    assert loop.time() - started < 1
    assert cancelled.is_set()


async def test_iterators_get_what_was_queued_then_end() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("run.output")
    waiting = bus.subscribe("agent.*")
    waiter = asyncio.create_task(anext(waiting, None))
    await asyncio.sleep(0)
    bus.publish_nowait(RunOutput(run_id="r", lines=("a",)))
    await bus.close()
    received = [e async for e in subscription]
    assert [e.lines for e in received if isinstance(e, RunOutput)] == [("a",)] and len(
        received
    ) == 1
    async with asyncio.timeout(1):
        assert await waiter is None  # a parked iterator wakes up and ends


async def test_after_close_publish_is_ignored_and_subscribe_refused() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("*")
    await bus.close()
    assert bus.closed
    assert bus.publish_nowait(AgentStarted(agent="late")) == 0
    assert await bus.publish(AgentStarted(agent="late")) == 0
    assert subscription.stats.queued == 0
    with pytest.raises(BusError, match="closed"):
        bus.subscribe("*")
    await bus.close()  # idempotent


async def test_close_releases_a_publisher_waiting_for_room() -> None:
    bus = MessageBus(drain_timeout=30)
    bus.subscribe("agent.*", maxsize=1)
    await bus.publish(AgentStarted(agent="a"))
    blocked = asyncio.create_task(bus.publish(AgentStarted(agent="b")))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    await bus.close()
    async with asyncio.timeout(1):
        assert await blocked == 1


async def test_bus_as_async_context_manager_closes() -> None:
    async with MessageBus() as bus:
        handled: list[Event] = []
        bus.subscribe("*", handled.append)
        bus.publish_nowait(AgentStarted(agent="a"))
    assert bus.closed
    assert len(handled) == 1


async def test_subscription_aclose_waits_for_its_handler() -> None:
    bus = MessageBus()
    handled: list[int] = []

    async def handler(event: Event) -> None:
        await asyncio.sleep(0.001)
        assert isinstance(event, AgentStarted)
        handled.append(event.iteration)

    subscription = bus.subscribe("agent.*", handler)
    for i in range(10):
        bus.publish_nowait(AgentStarted(agent="a", iteration=i))
    await subscription.aclose()
    assert handled == list(range(10))
    assert bus.subscriptions == ()
    await bus.close()


async def test_join_waits_until_the_handler_handled_everything_queued() -> None:
    """The store's order of shutdown: join the tap, then flush the store."""
    bus = MessageBus()
    handled: list[int] = []

    async def slow_writer(event: Event) -> None:
        await asyncio.sleep(0.001)
        assert isinstance(event, AgentStarted)
        handled.append(event.iteration)

    tap = bus.tap(slow_writer)
    await tap.join()  # nothing queued: returns at once
    for i in range(30):
        bus.publish_nowait(AgentStarted(agent="a", iteration=i))
    async with asyncio.timeout(2):
        await tap.join()
    assert handled == list(range(30))
    assert not tap.closed  # join does not close
    bus.publish_nowait(AgentStarted(agent="a", iteration=30))
    await tap.join()
    assert handled[-1] == 30
    await bus.close()


async def test_join_on_an_iterator_waits_until_everything_was_taken() -> None:
    bus = MessageBus()
    subscription = bus.subscribe("agent.*")
    for i in range(3):
        bus.publish_nowait(AgentStarted(agent="a", iteration=i))
    joined = asyncio.create_task(subscription.join())
    await asyncio.sleep(0)
    taken = [await anext(subscription) for _ in range(2)]
    await asyncio.sleep(0)
    assert not joined.done()
    taken.append(await anext(subscription))
    async with asyncio.timeout(1):
        await joined
    assert len(taken) == 3
    await bus.close()


async def test_join_returns_when_the_handler_was_cancelled() -> None:
    bus = MessageBus()

    async def stuck(event: Event) -> None:
        await asyncio.sleep(60)

    subscription = bus.subscribe("agent.*", stuck)
    for i in range(3):
        bus.publish_nowait(AgentStarted(agent="a", iteration=i))
    joined = asyncio.create_task(subscription.join())
    await asyncio.sleep(0.01)
    assert not joined.done()
    await bus.close(grace=0.01)
    async with asyncio.timeout(1):
        await joined
