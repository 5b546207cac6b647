"""Every message of a conversation goes into the store, under the session it belongs to.

A turn that runs the engine belongs to the session it created; any other turn
(help, explain, export, a question) belongs to the conversation's latest
session. Messages sent before there is any session are kept and filed under
the first one, so nothing the user said is lost and a resumed session shows
the chat that led to it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from regoose_tui.errors import SessionNotFound
from regoose_tui.store.store import SessionStore

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class LoggedMessage:
    """One message as said, with the time it was said."""

    role: Role
    text: str
    ts: float = field(default_factory=time.time)


class MessageLog:
    """Files a conversation's messages in the store; holds them while no session exists."""

    def __init__(self) -> None:
        self._pending: list[LoggedMessage] = []

    @property
    def pending(self) -> tuple[LoggedMessage, ...]:
        """Messages waiting for a session to be filed under."""
        return tuple(self._pending)

    async def file(
        self, store: SessionStore | None, session_id: str | None, messages: list[LoggedMessage]
    ) -> bool:
        """Write the pending and the given messages under ``session_id``; False if they wait.

        A session deleted meanwhile (from the history screen) is no error: the
        messages wait for the next session instead.
        """
        self._pending.extend(messages)
        if store is None or session_id is None:
            return False
        while self._pending:
            message = self._pending[0]
            try:
                await store.add_message(session_id, message.role, message.text, ts=message.ts)
            except SessionNotFound:
                return False
            self._pending.pop(0)
        return True
