"""Request/reply on the bus: questions with an answer slot and a deadline.

``request`` publishes a ``Request`` event (its ``kind`` is the request's
topic) so the store and any UI see the question, parks a future under the
request's id, calls the responder registered for that exact topic (if any)
in a task, and waits at most ``timeout`` seconds. Whoever answers first wins:
the responder's return value, or anyone calling ``reply(request, ...)``
(e.g. a UI that saw the ``Request`` event and asked the user). Every answer
is published as a ``Reply`` event too.

Outcomes of ``request``:

- answered: the ``Reply``;
- no answer in time: ``RequestTimeout`` naming the topic and the timeout;
- the responder raised, or the answer carries ``error``: ``BusError``;
- with ``default`` given, a timeout or a failure instead returns a ``Reply``
  whose payload is ``default`` and whose ``error`` says why (the safe
  default for approvals: ``default={"approved": False}``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.bus.events import Event, Reply, Request
from regoose_tui.bus.topics import validate_topic
from regoose_tui.errors import BusError, RequestTimeout

log = logging.getLogger(__name__)

#: What a responder may return: a payload mapping, a full Reply, or None
#: (an empty payload); sync or async.
ResponderResult = Mapping[str, Any] | Reply | None
Responder = Callable[[Request], ResponderResult | Awaitable[ResponderResult]]


@dataclass(eq=False)
class ResponderRegistration:
    """The handle ``respond`` returns; ``close()`` unregisters the responder."""

    topic: str
    responder: Responder
    _broker: RequestBroker = field(repr=False)

    def close(self) -> None:
        """Stop answering requests on this topic."""
        self._broker.unregister(self)


class RequestBroker:
    """Pending requests, responders per topic, and the tasks answering them."""

    def __init__(self, publish: Callable[[Event], int]) -> None:
        self._publish = publish
        self._responders: dict[str, ResponderRegistration] = {}
        self._pending: dict[str, tuple[str, asyncio.Future[Reply]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def register(self, topic: str, responder: Responder) -> ResponderRegistration:
        """Make ``responder`` answer every request on the exact ``topic``."""
        validate_topic(topic)
        if topic in self._responders:
            raise BusError(f"a responder for bus requests {topic!r} is already registered")
        registration = ResponderRegistration(topic, responder, self)
        self._responders[topic] = registration
        return registration

    def unregister(self, registration: ResponderRegistration) -> None:
        """Forget a responder (no-op when it is already gone)."""
        if self._responders.get(registration.topic) is registration:
            del self._responders[registration.topic]

    async def request(
        self,
        topic: str,
        payload: Mapping[str, Any] | None,
        *,
        timeout: float,  # noqa: ASYNC109 - the reply's deadline is part of the request
        default: Mapping[str, Any] | None,
        session_id: str | None,
    ) -> Reply:
        """Ask ``topic`` and wait for the answer (see the module docs)."""
        if self._closed:
            raise BusError(f"bus is closed; cannot send request {topic!r}")
        validate_topic(topic)
        if not timeout > 0:
            raise BusError(f"bus request timeout must be positive, got {timeout!r}")
        request = Request(kind=topic, payload=dict(payload or {}), session_id=session_id)
        answer: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[request.id] = (topic, answer)
        responder_task: asyncio.Task[None] | None = None
        try:
            self._publish(request)
            registration = self._responders.get(topic)
            if registration is not None:
                responder_task = self._spawn(self._answer(request, registration.responder))
            try:
                reply = await asyncio.wait_for(answer, timeout)
            except TimeoutError:
                reason = f"no reply to bus request {topic!r} within {timeout:g} s"
                if default is None:
                    raise RequestTimeout(reason) from None
                return self._defaulted(request, default, reason)
        finally:
            self._pending.pop(request.id, None)
            # Answered by someone else, timed out or cancelled: the responder's
            # work is moot either way.
            if responder_task is not None and not responder_task.done():
                responder_task.cancel()
        if reply.error is not None:
            if default is None:
                raise BusError(f"bus request {topic!r} failed: {reply.error}")
            return reply.model_copy(update={"payload": dict(default)})
        return reply

    def reply(
        self,
        request: Request | str,
        payload: Mapping[str, Any] | None = None,
        *,
        error: str | None = None,
    ) -> bool:
        """Answer a pending request; False when it is unknown or already answered."""
        request_id = request if isinstance(request, str) else request.id
        pending = self._pending.get(request_id)
        if pending is None or pending[1].done():
            log.debug("bus reply to %s ignored: no such pending request", request_id)
            return False
        session_id = None if isinstance(request, str) else request.session_id
        reply = Reply(
            request_id=request_id, payload=dict(payload or {}), error=error, session_id=session_id
        )
        pending[1].set_result(reply)
        self._publish(reply)
        return True

    async def close(self) -> None:
        """Fail every pending request and cancel the responders still running."""
        self._closed = True
        for topic, answer in list(self._pending.values()):
            if not answer.done():
                answer.set_exception(BusError(f"bus closed before request {topic!r} was answered"))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- internals ---------------------------------------------------------------

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _answer(self, request: Request, responder: Responder) -> None:
        try:
            result = responder(request)
            if isinstance(result, Awaitable):
                result = await result
            payload, error = _unpack(result)
        except Exception as exc:
            # The requester hears about it through the Reply; the bus stays up.
            log.warning("bus responder for %r failed", request.kind, exc_info=True)
            payload, error = {}, f"{type(exc).__name__}: {exc}"
        self.reply(request, payload, error=error)

    def _defaulted(self, request: Request, default: Mapping[str, Any], reason: str) -> Reply:
        reply = Reply(
            request_id=request.id,
            payload=dict(default),
            error=f"{reason}; default used",
            session_id=request.session_id,
        )
        # Published so the store records the answer the requester acted on.
        self._publish(reply)
        return reply


def _unpack(result: object) -> tuple[dict[str, Any], str | None]:
    if result is None:
        return {}, None
    if isinstance(result, Reply):
        return dict(result.payload), result.error
    if isinstance(result, Mapping):
        return dict(result), None
    raise BusError(f"a bus responder returned {type(result).__name__}; expected a mapping or Reply")
