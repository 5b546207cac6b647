"""Helpers of the conversation tests (a distinct module name: no clash with other folders)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from regoose_tui.bus.events import (
    ChatMessageFinished,
    ChatNotice,
    Event,
    ProposedSuite,
)
from regoose_tui.providers.base import ChatTurn
from regoose_tui.providers.scripted import ScriptedProvider

if TYPE_CHECKING:
    from regoose_tui.conversation import Conversation

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

#: One iteration and a budget that caps the synthesis (it is not waited out).
PROJECT_TOML = """\
[runtime]
name = "{runtime}"

[generate]
iterations = 1
budget_seconds = {budget}
"""

FAILING_TEST = """\
from shop.cart import Cart


def test_new_cart_is_empty():
    assert len(Cart().items) == 0


def test_total_of_nothing_is_one():
    assert Cart().total() == 1
"""


E = TypeVar("E", bound=Event)


class EventLog:
    """The conversation's listener: every event it made, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one class, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def replies(self) -> list[str]:
        """The text of every finished assistant message."""
        return [e.text for e in self.events if isinstance(e, ChatMessageFinished)]

    @property
    def notices(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, ChatNotice)]

    @property
    def suites(self) -> list[ProposedSuite]:
        return [e for e in self.events if isinstance(e, ProposedSuite)]

    def clear(self) -> None:
        self.events.clear()


class RecordingChatProvider(ScriptedProvider):
    """The scripted provider, also keeping the turns each chat() call was given."""

    def __init__(self, write: Callable[..., str], *, reply: str) -> None:
        super().__init__(write, reply=reply)
        self.chats: list[list[ChatTurn]] = []

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        self.chats.append(list(turns))
        async for fragment in super().chat(turns):
            yield fragment


#: Builds a conversation on the test project: ``make(runtime="bwrap", provider_factory=...)``.
ConversationFactory = Callable[..., "tuple[Conversation, EventLog]"]
