"""Bridge from the bus to the store: a plain callable a bus tap can call."""

from __future__ import annotations

from collections.abc import Callable

from regoose_tui.bus.events import Event
from regoose_tui.store.store import SessionStore


def store_sink(store: SessionStore, session_id: str) -> Callable[[Event], None]:
    """Return ``sink(event)`` that queues every event of one session for the store.

    Events that name another session are ignored (a shared bus may carry
    several); events without a session id are filed under ``session_id``.
    The call never awaits: the store's writer task persists the queue.
    """

    def sink(event: Event) -> None:
        if event.session_id is not None and event.session_id != session_id:
            return
        store.enqueue_event(event, session_id)

    return sink
