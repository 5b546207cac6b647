"""The in-process async message bus: topic pub/sub, taps, request/reply.

    bus = MessageBus()
    store_tap = bus.tap(store.write_event)           # every event, in order
    log_lines = bus.subscribe("run.output")          # async iterator
    bus.subscribe("agent.*", on_agent_event)         # handler in its own task
    bus.publish_nowait(RunOutput(...))               # from a sync callback
    await bus.publish(AgentStarted(...))             # backpressure if needed
    reply = await bus.request("approval.shell", {"argv": argv},
                              timeout=30, default={"approved": False})
    await bus.close()

Every publish is a broadcast: the event goes to every open subscription whose
pattern matches its topic (``event.kind``; patterns in ``topics``), each into
its own bounded queue (overflow policy in ``subscription``). Delivery never
runs subscriber code inside the publisher, so a slow or failing subscriber
cannot break the publisher or another subscriber, and every subscriber sees
events in publish order. The set of subscriptions matching a topic is cached
per topic string; (un)subscribing clears the cache.

Everything runs on one event loop; ``publish_threadsafe`` is the one entry
point for other threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from regoose_tui.bus.events import Event, Reply, Request
from regoose_tui.bus.requests import RequestBroker, Responder, ResponderRegistration
from regoose_tui.bus.subscription import Handler, Subscription
from regoose_tui.bus.topics import compile_pattern, validate_topic
from regoose_tui.errors import BusError

log = logging.getLogger(__name__)

#: Default bound of a subscription's queue (events).
DEFAULT_MAXSIZE = 1024
#: How long ``publish`` waits for a full subscriber before marking it stalled.
DEFAULT_DRAIN_TIMEOUT = 5.0
#: Seconds ``close`` lets handlers finish their queues before cancelling them.
DEFAULT_CLOSE_GRACE = 5.0
#: Default deadline of ``request``.
DEFAULT_REQUEST_TIMEOUT = 30.0

_ROUTE_CACHE_LIMIT = 4096


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class MessageBus:
    """Typed events in, fan-out to pattern subscriptions, with request/reply.

    ``maxsize`` is the default bound of each subscription's queue;
    ``drain_timeout`` caps how long ``publish`` waits on one full subscriber.
    """

    def __init__(
        self,
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
    ) -> None:
        if maxsize < 1:
            raise BusError(f"bus maxsize must be at least 1, got {maxsize}")
        if not drain_timeout > 0:
            raise BusError(f"bus drain_timeout must be positive, got {drain_timeout!r}")
        self._maxsize = maxsize
        self._drain_timeout = drain_timeout
        self._subscriptions: list[Subscription] = []
        self._routes: dict[str, tuple[Subscription, ...]] = {}
        self._broker = RequestBroker(self.publish_nowait)
        self._loop = _running_loop()
        self._closed = False
        self._published = 0

    # --- subscribing --------------------------------------------------------------

    def subscribe(
        self,
        pattern: str = "*",
        handler: Handler | None = None,
        *,
        maxsize: int | None = None,
        name: str | None = None,
    ) -> Subscription:
        """Subscribe to the topics matching ``pattern``.

        Without ``handler`` the result is an async iterator; with one, the bus
        calls it (sync or async) for each event in a task of its own, which
        needs a running event loop.
        """
        return self._add(pattern, handler, maxsize=maxsize, name=name, lossless=False)

    def tap(
        self,
        handler: Handler | None = None,
        *,
        maxsize: int | None = None,
        name: str = "tap",
    ) -> Subscription:
        """Subscribe a lossless sink (the session store) to every event, in order.

        A tap never merges or drops: every event, output included, arrives as
        published; past its bound ``publish`` waits for it to drain.
        """
        return self._add("#", handler, maxsize=maxsize, name=name, lossless=True)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """The open subscriptions, oldest first."""
        return tuple(self._subscriptions)

    # --- publishing -----------------------------------------------------------------

    def publish_nowait(self, event: Event) -> int:
        """Queue ``event`` for every matching subscriber without waiting.

        Safe from sync callbacks on the loop's thread (the runtime's output
        sink). Returns how many subscriptions got it; 0 once the bus is closed
        (late publishers during shutdown are ignored, not failed).
        """
        if self._closed:
            return 0
        targets = self._routes.get(event.kind)
        if targets is None:
            targets = self._route(event.kind)
        for subscription in targets:
            subscription._push(event)
        self._published += 1
        return len(targets)

    async def publish(self, event: Event) -> int:
        """Queue ``event`` like ``publish_nowait``, then wait for any subscriber
        that the event left over its bound to drain (backpressure for
        lifecycle events; see ``subscription``)."""
        if self._closed:
            return 0
        targets = self._routes.get(event.kind)
        if targets is None:
            targets = self._route(event.kind)
        for subscription in targets:
            subscription._push(event)
        self._published += 1
        for subscription in targets:
            if len(subscription._queue) > subscription._maxsize and subscription._needs_room():
                await subscription._wait_for_room(self._drain_timeout)
        return len(targets)

    #: Publishing is always a broadcast to every matching subscriber.
    broadcast = publish

    def publish_threadsafe(self, event: Event) -> None:
        """Publish from any thread: scheduled onto the bus's loop in call order."""
        loop = self._loop
        if loop is None:
            raise BusError("the bus has no event loop yet; subscribe or publish from it first")
        if _running_loop() is loop:
            self.publish_nowait(event)
            return
        try:
            loop.call_soon_threadsafe(self.publish_nowait, event)
        except RuntimeError:
            # The loop is closed: the bus is gone, as after close().
            log.debug("bus loop closed; dropped %s from another thread", event.kind)

    @property
    def published(self) -> int:
        """Events published so far."""
        return self._published

    # --- request / reply ------------------------------------------------------------------

    def respond(self, topic: str, responder: Responder) -> ResponderRegistration:
        """Register the one responder for requests on the exact ``topic``."""
        return self._broker.register(topic, responder)

    async def request(
        self,
        topic: str,
        payload: Mapping[str, Any] | None = None,
        *,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,  # noqa: ASYNC109 - the reply's deadline is part of the request
        default: Mapping[str, Any] | None = None,
        session_id: str | None = None,
    ) -> Reply:
        """Ask ``topic`` and wait up to ``timeout`` seconds for a ``Reply``.

        Raises ``RequestTimeout`` when nobody answers in time and ``BusError``
        when the answer is an error, unless ``default`` is given: then those
        cases return a Reply carrying ``default`` and the reason in ``error``.
        """
        self._bind_loop()
        return await self._broker.request(
            topic, payload, timeout=timeout, default=default, session_id=session_id
        )

    def reply(
        self,
        request: Request | str,
        payload: Mapping[str, Any] | None = None,
        *,
        error: str | None = None,
    ) -> bool:
        """Answer a pending request (the event or its id); False when too late."""
        return self._broker.reply(request, payload, error=error)

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once ``close()`` started."""
        return self._closed

    async def close(self, grace: float = DEFAULT_CLOSE_GRACE) -> None:
        """Stop the bus: no new events, handlers finish their queues, then stop.

        Pending requests fail with ``BusError``; handlers still busy after
        ``grace`` seconds are cancelled. Iterating subscribers get what was
        already queued, then their ``async for`` ends. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.close()
        await self._broker.close()
        tasks = [
            s._handler_task
            for s in subscriptions
            if s._handler_task is not None and not s._handler_task.done()
        ]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                log.warning("bus handler %s did not finish in %.3g s; cancelled", task, grace)
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def __aenter__(self) -> Self:
        self._bind_loop()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- internals -----------------------------------------------------------------------------

    def _bind_loop(self) -> None:
        if self._loop is None:
            self._loop = _running_loop()

    def _add(
        self,
        pattern: str,
        handler: Handler | None,
        *,
        maxsize: int | None,
        name: str | None,
        lossless: bool,
    ) -> Subscription:
        if self._closed:
            raise BusError("the bus is closed; cannot subscribe")
        compiled = compile_pattern(pattern)
        loop = _running_loop()
        if handler is not None and loop is None:
            raise BusError("subscribing with a handler needs a running event loop")
        if loop is not None and self._loop is None:
            self._loop = loop
        subscription = Subscription(
            compiled,
            maxsize=self._maxsize if maxsize is None else maxsize,
            lossless=lossless,
            name=name or _handler_name(handler) or pattern,
            detach=self._detach,
        )
        self._subscriptions.append(subscription)
        self._routes.clear()
        if handler is not None:
            subscription._start_handler(handler)
        return subscription

    def _detach(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            self._routes.clear()

    def _route(self, topic: str) -> tuple[Subscription, ...]:
        """Find (and cache) the subscriptions matching ``topic``."""
        validate_topic(topic)
        targets = tuple(s for s in self._subscriptions if s.pattern.matches(topic))
        if len(self._routes) >= _ROUTE_CACHE_LIMIT:
            self._routes.clear()
        self._routes[topic] = targets
        return targets


def _handler_name(handler: Handler | None) -> str | None:
    if handler is None:
        return None
    return getattr(handler, "__qualname__", None) or type(handler).__name__
