"""How two coalescable events become one when a subscriber falls behind.

A subscriber whose queue is full merges a new coalescable event into the
event at the tail of its queue when both belong to the same stream: two
``RunOutput`` batches of one run and one output stream become one batch with
the lines of both, two ``ChatToken`` fragments of one message become one
fragment. Only the tail is a candidate, so no event ever overtakes another.
The merged event keeps the older event's ``id`` and ``ts`` (the batch started
then) and nothing is lost.

Other coalescable kinds can register a merger with ``register_merger``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from regoose_tui.bus.events import ChatToken, Event, RunOutput

E = TypeVar("E", bound=Event)

#: Merges ``older`` and ``newer`` (same type) into one event, or returns None
#: when they belong to different streams and must stay apart.
Merger = Callable[[E, E], E | None]

_MERGERS: dict[type[Event], Merger[Event]] = {}


def register_merger(event_type: type[E], merger: Merger[E]) -> None:
    """Declare how two events of ``event_type`` merge (replaces any earlier rule)."""
    _MERGERS[event_type] = merger  # type: ignore[assignment]  # a dict cannot tie each key type to its merger; merge() passes that type only


def merge(older: Event, newer: Event) -> Event | None:
    """Merge two queued events into one, or None when they cannot merge.

    Both must be coalescable, of the same type and of the same session; the
    type's registered merger decides the rest.
    """
    event_type = type(newer)
    if type(older) is not event_type or not (older.coalescable and newer.coalescable):
        return None
    if older.session_id != newer.session_id:
        return None
    merger = _MERGERS.get(event_type)
    if merger is None:
        return None
    return merger(older, newer)


def _merge_run_output(older: RunOutput, newer: RunOutput) -> RunOutput | None:
    if older.run_id != newer.run_id or older.stream != newer.stream:
        return None
    return older.model_copy(update={"lines": older.lines + newer.lines})


def _merge_chat_token(older: ChatToken, newer: ChatToken) -> ChatToken | None:
    if older.message_id != newer.message_id:
        return None
    return older.model_copy(update={"delta": older.delta + newer.delta})


register_merger(RunOutput, _merge_run_output)
register_merger(ChatToken, _merge_chat_token)
