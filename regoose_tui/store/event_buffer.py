"""The in-memory queue between bus subscribers and the store's writer task.

Putting an event is a cheap synchronous call (a bus tap cannot await); the
writer wakes when something is pending, waits up to ``window`` seconds to
gather a batch, and writes the batch in one transaction. A lifecycle event
(anything not ``coalescable``) or a full batch cuts the wait short so
``session.finished`` and friends reach the disk at once.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from regoose_tui.bus.events import Event


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event waiting to be written, with the session it belongs to."""

    session_id: str
    event: Event


class EventBuffer:
    """Collects events for the writer; bound to the loop that created it."""

    def __init__(self, *, window: float = 0.05, max_batch: int = 256) -> None:
        self.window = window
        self.max_batch = max_batch
        self._pending: list[PendingEvent] = []
        self._has_pending = asyncio.Event()
        self._urgent = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, session_id: str, event: Event) -> None:
        """Queue one event; safe to call from any thread."""
        if threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self.put, session_id, event)
            return
        self._pending.append(PendingEvent(session_id, event))
        self._has_pending.set()
        if not event.coalescable or len(self._pending) >= self.max_batch:
            self._urgent.set()

    def wake(self) -> None:
        """Make the writer's current wait return now (flush or shutdown)."""
        self._has_pending.set()
        self._urgent.set()

    async def wait_batch(self) -> None:
        """Return once a batch is due: something urgent, or ``window`` after the first event."""
        await self._has_pending.wait()
        if self._urgent.is_set():
            return
        try:
            await asyncio.wait_for(self._urgent.wait(), self.window)
        except TimeoutError:
            pass

    def take(self) -> list[PendingEvent]:
        """Remove and return everything pending."""
        batch, self._pending = self._pending, []
        self._has_pending.clear()
        self._urgent.clear()
        return batch

    def requeue(self, batch: list[PendingEvent]) -> None:
        """Put a batch that failed to write back in front of newer events."""
        self._pending[:0] = batch
        if self._pending:
            self._has_pending.set()

    def discard_session(self, session_id: str) -> None:
        """Drop pending events of a session that is being deleted."""
        self._pending = [item for item in self._pending if item.session_id != session_id]
