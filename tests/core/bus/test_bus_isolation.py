"""A failing or slow subscriber never reaches the publisher or its peers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from regoose_tui.bus import MessageBus
from regoose_tui.bus.events import AgentStarted, Event


async def test_handler_errors_are_logged_counted_and_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="regoose_tui.bus")
    bus = MessageBus()
    everything: list[Event] = []
    healthy: list[int] = []

    def flaky(event: Event) -> None:
        assert isinstance(event, AgentStarted)
        if event.iteration % 2:
            raise RuntimeError(f"boom {event.iteration}")

    async def flaky_async(event: Event) -> None:
        raise KeyError("always")

    failing = bus.subscribe("agent.*", flaky, name="flaky")
    failing_async = bus.subscribe("agent.*", flaky_async, name="flaky_async")

    def healthy_handler(event: Event) -> None:
        assert isinstance(event, AgentStarted)
        healthy.append(event.iteration)

    bus.subscribe("agent.*", healthy_handler)
    tap = bus.tap(everything.append)

    for i in range(10):
        # Never raises, even though two subscribers fail on these events.
        assert await bus.publish(AgentStarted(agent="a", iteration=i)) == 4
    await bus.close()

    assert healthy == list(range(10))
    assert failing.stats.errors == 5 and failing.stats.delivered == 10
    assert failing_async.stats.errors == 10
    # The bus published nothing about the failures: the tap saw only our events.
    assert all(isinstance(e, AgentStarted) for e in everything)
    assert [e.iteration for e in everything if isinstance(e, AgentStarted)] == list(range(10))
    assert tap.stats.errors == 0
    assert "boom 1" in caplog.text and "'flaky'" in caplog.text


async def test_a_slow_handler_does_not_delay_its_peers() -> None:
    bus = MessageBus(maxsize=100)
    release = asyncio.Event()
    fast_seen: list[int] = []

    async def slow(event: Event) -> None:
        await release.wait()

    bus.subscribe("agent.*", slow)
    fast_done = asyncio.Event()

    def fast(event: Event) -> None:
        assert isinstance(event, AgentStarted)
        fast_seen.append(event.iteration)
        if len(fast_seen) == 20:
            fast_done.set()

    bus.subscribe("agent.*", fast)
    for i in range(20):
        await bus.publish(AgentStarted(agent="a", iteration=i))
    async with asyncio.timeout(1):
        await fast_done.wait()
    assert fast_seen == list(range(20))
    release.set()
    await bus.close()


async def test_a_handler_that_publishes_does_not_recurse() -> None:
    """Delivery is queued, so a handler republishing its own topic cannot recurse."""
    bus = MessageBus()
    seen: list[int] = []
    enough = asyncio.Event()

    def echo(event: Event) -> None:
        assert isinstance(event, AgentStarted)
        iteration = event.iteration
        seen.append(iteration)
        if iteration < 500:
            bus.publish_nowait(AgentStarted(agent="echo", iteration=iteration + 1))
        else:
            enough.set()

    bus.subscribe("agent.started", echo)
    bus.publish_nowait(AgentStarted(agent="echo", iteration=0))
    async with asyncio.timeout(2):
        await enough.wait()
    assert seen == list(range(501))
    await bus.close()
