"""ChatView: the conversation as a scrolling column of message widgets."""

from __future__ import annotations

from typing import TypeVar

from textual.containers import VerticalScroll
from textual.widget import Widget

from .assistant_message import AssistantMessage, AssistantTurn
from .chat_notice import ChatNotice, NoticeSeverity
from .test_file_block import TestFile, TestFileBlock
from .user_message import UserMessage

WidgetT = TypeVar("WidgetT", bound=Widget)


class ChatView(VerticalScroll, can_focus=False):
    """User bubbles, streamed assistant Markdown, notices and test-file blocks.

    The view stays anchored to the bottom while new content arrives, until the
    user scrolls up. Past `max_messages` the oldest widgets are removed, so a
    long session does not grow the DOM without bound.
    """

    DEFAULT_CSS = """
    ChatView {
        background: $surface;
        padding-bottom: 1;
    }
    """

    def __init__(
        self,
        *,
        max_messages: int = 200,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create an empty chat keeping at most `max_messages` widgets."""
        super().__init__(name=name, id=id, classes=classes)
        self.max_messages = max_messages

    def on_mount(self) -> None:
        """Stick to the newest message."""
        self.anchor()

    async def add_user_message(self, text: str) -> UserMessage:
        """Append the user's message."""
        return await self._add(UserMessage(text))

    async def add_notice(self, text: str, severity: NoticeSeverity = "info") -> ChatNotice:
        """Append a system notice."""
        return await self._add(ChatNotice(text, severity))

    async def add_test_file(self, test_file: TestFile, collapsed: bool = True) -> TestFileBlock:
        """Append a generated test file with its Accept / Reject / Open buttons."""
        return await self._add(TestFileBlock(test_file, collapsed=collapsed))

    async def start_assistant_message(self) -> AssistantTurn:
        """Append an empty assistant message and return the handle that streams into it.

        Use `async with await chat.start_assistant_message() as turn:` so the
        stream is stopped even if the producer fails, or call `finish()` in a
        `finally`.
        """
        message = await self._add(AssistantMessage())
        return AssistantTurn(message)

    async def _add(self, widget: WidgetT) -> WidgetT:
        """Mount `widget` at the end, then prune the oldest past the limit."""
        await self.mount(widget)
        excess = len(self.children) - self.max_messages
        if excess > 0:
            await self.remove_children(list(self.children)[:excess])
        return widget
