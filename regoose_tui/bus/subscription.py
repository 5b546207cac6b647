"""One subscriber's bounded queue, its overflow policy and its consumer.

Overflow policy (per subscription, ``maxsize`` events):

- While the queue holds fewer than ``maxsize`` events every event is queued.
- When it is full, a **coalescable** event (``RunOutput``, ``ChatToken``)
  is merged into the queue's tail when both belong to the same stream (see
  ``coalesce``; counted in ``coalesced``, nothing lost). Otherwise the
  oldest queued coalescable event is dropped to make room (counted in
  ``dropped``); when the queue holds no coalescable event at all the
  newcomer itself is dropped (also counted).
- A **lifecycle** event (``coalescable`` False) is never dropped: it is
  queued past the bound (counted in ``over_bound``) and ``await
  bus.publish`` then applies backpressure: it waits until the queue drains
  to half its bound. A subscriber that does not drain within the bus's
  ``drain_timeout`` is marked stalled (counted in ``stalls``, logged) and
  the publisher carries on; the events stay queued and are still delivered.
  ``publish_nowait`` cannot wait, so it only queues.
- A **lossless** subscription (the store's tap) treats every event as a
  lifecycle event: nothing is merged or dropped, in order.

A subscription is consumed either by ``async for event in sub`` or by a
handler the bus runs in a task of its own; a handler that raises is logged
and counted in ``errors`` and never reaches the publisher or anyone else.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from regoose_tui.bus.coalesce import merge
from regoose_tui.bus.events import Event
from regoose_tui.bus.topics import TopicPattern
from regoose_tui.errors import BusError

log = logging.getLogger(__name__)

#: A callback subscriber: sync, or async (its result is awaited).
Handler = Callable[[Event], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class SubscriptionStats:
    """A snapshot of what one subscription saw."""

    delivered: int
    """Events handed to the consumer (a merged event counts once)."""
    coalesced: int
    """Coalescable events merged into the queued event before them."""
    dropped: int
    """Coalescable events thrown away because the queue was full."""
    errors: int
    """Exceptions raised by the handler (logged, never propagated)."""
    queued: int
    """Events waiting in the queue now."""
    over_bound: int
    """Lifecycle events queued while the queue was already full."""
    stalls: int
    """Times a publisher gave up waiting for this subscriber to drain."""


class Subscription:
    """A bounded queue of the events matching one pattern, for one consumer.

    Made by ``MessageBus.subscribe`` / ``MessageBus.tap``; iterate it with
    ``async for``, or give the bus a handler. ``close()`` stops new events;
    what is already queued is still delivered, then iteration ends.
    """

    __slots__ = (
        "_closed",
        "_coalesced",
        "_delivered",
        "_detach",
        "_dropped",
        "_errors",
        "_handler_busy",
        "_handler_task",
        "_idle_waiters",
        "_lossless",
        "_low_water",
        "_maxsize",
        "_over_bound",
        "_queue",
        "_room_waiters",
        "_stalled",
        "_stalls",
        "_waiter",
        "name",
        "pattern",
    )

    def __init__(
        self,
        pattern: TopicPattern,
        *,
        maxsize: int,
        lossless: bool,
        name: str,
        detach: Callable[[Subscription], None],
    ) -> None:
        if maxsize < 1:
            raise BusError(f"subscription maxsize must be at least 1, got {maxsize}")
        self.pattern = pattern
        self.name = name
        self._maxsize = maxsize
        self._low_water = maxsize // 2
        self._lossless = lossless
        self._detach = detach
        self._queue: deque[Event] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._room_waiters: list[asyncio.Future[None]] = []
        self._stalled = False
        self._closed = False
        self._handler_task: asyncio.Task[None] | None = None
        self._handler_busy = False
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._delivered = 0
        self._coalesced = 0
        self._dropped = 0
        self._errors = 0
        self._over_bound = 0
        self._stalls = 0

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<Subscription {self.name!r} {self.pattern.text!r} {state} queued={len(self._queue)}>"
        )

    # --- public --------------------------------------------------------------

    @property
    def stats(self) -> SubscriptionStats:
        """Counters so far (a snapshot)."""
        return SubscriptionStats(
            delivered=self._delivered,
            coalesced=self._coalesced,
            dropped=self._dropped,
            errors=self._errors,
            queued=len(self._queue),
            over_bound=self._over_bound,
            stalls=self._stalls,
        )

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called (queued events may remain)."""
        return self._closed

    @property
    def maxsize(self) -> int:
        """The queue's bound (see the module docs for what happens past it)."""
        return self._maxsize

    def close(self, *, discard: bool = False) -> None:
        """Stop receiving; queued events are still delivered unless ``discard``."""
        if discard:
            self._queue.clear()
        if self._closed:
            return
        self._closed = True
        self._detach(self)
        self._wake_consumer()
        self._release_publishers()

    async def aclose(self, grace: float | None = None) -> None:
        """Close, then wait for the handler (if any) to finish what is queued.

        A handler still busy after ``grace`` seconds (None: no limit) is cancelled.
        """
        self.close()
        task = self._handler_task
        if task is None or task.done():
            return
        _done, pending = await asyncio.wait({task}, timeout=grace)
        if pending:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def join(self) -> None:
        """Wait until every event queued so far was handled.

        With a handler: until the queue is empty and the handler returned
        (e.g. a store tap, before the store flushes). With an iterator: until
        the consumer took every queued event. Bound it with ``asyncio.timeout``
        when the consumer might be gone.
        """
        while self._queue or self._handler_busy:
            task = self._handler_task
            if task is not None and task.done():
                return  # the handler is gone; nothing will drain the queue
            idle: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(idle)
            try:
                await idle
            finally:
                if idle in self._idle_waiters:
                    self._idle_waiters.remove(idle)

    def __aiter__(self) -> Self:
        if self._handler_task is not None:
            raise BusError(f"subscription {self.name!r} is consumed by its handler")
        return self

    async def __anext__(self) -> Event:
        queue = self._queue
        while not queue:
            if self._closed:
                raise StopAsyncIteration
            if self._waiter is not None:
                raise BusError(f"subscription {self.name!r} is already being iterated")
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None
        event = queue.popleft()
        self._delivered += 1
        if self._room_waiters or self._stalled:
            if len(queue) <= self._low_water:
                self._release_publishers()
        if self._idle_waiters and not queue and self._handler_task is None:
            self._release_idle()
        return event

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- used by the bus ------------------------------------------------------

    def _push(self, event: Event) -> None:
        """Queue one event under the overflow policy and wake the consumer."""
        queue = self._queue
        if len(queue) < self._maxsize:
            queue.append(event)
        elif event.coalescable and not self._lossless:
            self._coalesce_or_drop(event)
        else:
            queue.append(event)
            self._over_bound += 1
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _needs_room(self) -> bool:
        """True when a publisher should wait for this subscriber to drain."""
        return len(self._queue) > self._maxsize and not self._stalled and not self._closed

    async def _wait_for_room(self, patience: float) -> None:
        """Wait until the queue drains to half its bound (backpressure)."""
        room: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._room_waiters.append(room)
        try:
            await asyncio.wait_for(room, patience)
        except TimeoutError:
            if not self._stalled:
                self._stalled = True
                self._stalls += 1
                log.warning(
                    "bus subscriber %r did not drain within %.3g s; publishing on without "
                    "waiting for it (%d events queued)",
                    self.name,
                    patience,
                    len(self._queue),
                )
        finally:
            if room in self._room_waiters:
                self._room_waiters.remove(room)

    def _start_handler(self, handler: Handler) -> None:
        """Consume this subscription with ``handler`` in a task of its own."""
        task = asyncio.get_running_loop().create_task(
            self._run_handler(handler), name=f"bus-handler:{self.name}"
        )
        self._handler_task = task

    # --- internals --------------------------------------------------------------

    def _coalesce_or_drop(self, event: Event) -> None:
        queue = self._queue
        merged = merge(queue[-1], event)
        if merged is not None:
            queue[-1] = merged
            self._coalesced += 1
            return
        for index, queued in enumerate(queue):
            if queued.coalescable:
                del queue[index]
                queue.append(event)
                self._dropped += 1
                return
        # Only lifecycle events are queued: they keep their places.
        self._dropped += 1

    def _wake_consumer(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _release_publishers(self) -> None:
        self._stalled = False
        waiters, self._room_waiters = self._room_waiters, []
        for room in waiters:
            if not room.done():
                room.set_result(None)

    def _release_idle(self) -> None:
        waiters, self._idle_waiters = self._idle_waiters, []
        for idle in waiters:
            if not idle.done():
                idle.set_result(None)

    async def _run_handler(self, handler: Handler) -> None:
        try:
            while True:
                try:
                    event = await self.__anext__()
                except StopAsyncIteration:
                    return
                self._handler_busy = True
                try:
                    result = handler(event)
                    if result is not None and inspect.isawaitable(result):
                        await result
                except Exception:
                    # Isolation: a failing subscriber is logged and counted, and the
                    # bus publishes nothing about it (no error events, no loops).
                    self._errors += 1
                    log.exception(
                        "bus subscriber %r failed on %s event %s", self.name, event.kind, event.id
                    )
                self._handler_busy = False
                if self._idle_waiters and not self._queue:
                    self._release_idle()
        finally:
            self._handler_busy = False
            self._release_idle()
