"""Bus throughput against a raw asyncio.Queue fan-out, in the same run.

Both sides deliver the same pre-built events to three consumers doing the
same work (summing the lengths of a field), with the same queue bound and
backpressure (``await bus.publish`` / ``await queue.put``). Rounds alternate
between the two sides; the median of each side is reported, with the ratio
bus / raw.

    python benchmarks/bus_throughput.py [--events 100000] [--rounds 7]

``measure()`` is imported by tests/core/bus/test_bus_benchmark.py.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from regoose_tui.bus import MessageBus
from regoose_tui.bus.events import AgentProgress, Event

CONSUMERS = 3
QUEUE_BOUND = 1024
#: In the nowait mode the producer yields to the consumers this often.
YIELD_EVERY = 256
MODES = ("await", "nowait")


def make_events(count: int) -> list[Event]:
    """Lifecycle events (never merged or dropped), so both sides deliver all."""
    return [
        AgentProgress(agent="generator", message=f"step {i}", iteration=i % 7) for i in range(count)
    ]


async def raw_queue_fanout(events: Sequence[Event], nowait: bool = False) -> float:
    """Seconds to deliver ``events`` to 3 consumers through 3 asyncio.Queues."""
    queues: list[asyncio.Queue[Event | None]] = [
        asyncio.Queue(maxsize=0 if nowait else QUEUE_BOUND) for _ in range(CONSUMERS)
    ]
    totals = [0] * CONSUMERS

    async def consume(index: int, queue: asyncio.Queue[Event | None]) -> None:
        total = 0
        while True:
            event = await queue.get()
            if event is None:
                break
            total += len(event.message)  # type: ignore[attr-defined]
        totals[index] = total

    started = time.perf_counter()
    consumers = [asyncio.create_task(consume(i, q)) for i, q in enumerate(queues)]
    if nowait:
        for index, event in enumerate(events, 1):
            for queue in queues:
                queue.put_nowait(event)
            if not index % YIELD_EVERY:
                await asyncio.sleep(0)
    else:
        for event in events:
            for queue in queues:
                await queue.put(event)
    for queue in queues:
        await queue.put(None)
    await asyncio.gather(*consumers)
    elapsed = time.perf_counter() - started
    _check(totals, events)
    return elapsed


async def bus_fanout(events: Sequence[Event], nowait: bool = False) -> float:
    """Seconds to deliver ``events`` to 3 subscribers through the MessageBus."""
    bus = MessageBus(maxsize=QUEUE_BOUND)
    subscriptions = [bus.subscribe("agent.*") for _ in range(CONSUMERS)]
    totals = [0] * CONSUMERS

    async def consume(index: int) -> None:
        total = 0
        async for event in subscriptions[index]:
            total += len(event.message)  # type: ignore[attr-defined]
        totals[index] = total

    started = time.perf_counter()
    consumers = [asyncio.create_task(consume(i)) for i in range(CONSUMERS)]
    if nowait:
        publish_nowait = bus.publish_nowait
        for index, event in enumerate(events, 1):
            publish_nowait(event)
            if not index % YIELD_EVERY:
                await asyncio.sleep(0)
    else:
        publish = bus.publish
        for event in events:
            await publish(event)
    await bus.close()  # subscribers drain what is queued, then their loops end
    await asyncio.gather(*consumers)
    elapsed = time.perf_counter() - started
    _check(totals, events)
    for subscription in subscriptions:
        stats = subscription.stats
        if stats.delivered != len(events) or stats.dropped or stats.coalesced or stats.errors:
            raise AssertionError(f"bus lost or merged events: {stats}")
    return elapsed


def _check(totals: list[int], events: Sequence[Event]) -> None:
    expected = sum(len(e.message) for e in events)  # type: ignore[attr-defined]
    if totals != [expected] * CONSUMERS:
        raise AssertionError(f"consumers saw {totals}, expected {expected} each")


@dataclass(frozen=True)
class Measurement:
    """Median deliveries per second of each side, and their ratio."""

    mode: str
    events: int
    rounds: int
    raw_per_second: float
    bus_per_second: float

    @property
    def ratio(self) -> float:
        """Bus throughput as a fraction of the raw queue fan-out's."""
        return self.bus_per_second / self.raw_per_second

    def report(self) -> str:
        """Human-readable summary."""
        return (
            f"[{self.mode}] {self.events} events x {CONSUMERS} subscribers, "
            f"median of {self.rounds} rounds\n"
            f"  raw asyncio.Queue fan-out: {self.raw_per_second:>12,.0f} deliveries/s\n"
            f"  MessageBus:                {self.bus_per_second:>12,.0f} deliveries/s\n"
            f"  ratio bus/raw:             {self.ratio:>12.2f}"
        )


def measure(events: int = 100_000, rounds: int = 7, mode: str = "await") -> Measurement:
    """Run both fan-outs ``rounds`` times, alternating, on a fresh loop each.

    ``mode`` "await": ``await bus.publish`` vs ``await queue.put`` on bounded
    queues; "nowait": ``bus.publish_nowait`` vs ``queue.put_nowait`` on
    unbounded queues, the producer yielding every YIELD_EVERY events.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    nowait = mode == "nowait"
    batch = make_events(events)
    raw_times: list[float] = []
    bus_times: list[float] = []
    for _ in range(rounds):
        raw_times.append(asyncio.run(raw_queue_fanout(batch, nowait)))
        bus_times.append(asyncio.run(bus_fanout(batch, nowait)))
    deliveries = events * CONSUMERS
    return Measurement(
        mode=mode,
        events=events,
        rounds=rounds,
        raw_per_second=deliveries / statistics.median(raw_times),
        bus_per_second=deliveries / statistics.median(bus_times),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: print both throughputs and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    args = parser.parse_args(argv)
    modes = MODES if args.mode == "both" else (args.mode,)
    for mode in modes:
        print(measure(args.events, args.rounds, mode).report())


if __name__ == "__main__":
    main()
